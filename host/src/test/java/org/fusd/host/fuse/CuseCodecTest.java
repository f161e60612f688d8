package org.fusd.host.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The codec parts the cuse channel adds: cuse_init_out with DEVNAME, and FUSE_IOCTL_RETRY iovecs. */
class CuseCodecTest {

    private static ByteBuffer buffer() {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a);
        }
        return b;
    }

    @Test
    void cuseInitOutThenDevname() {
        ByteBuffer b = buffer();
        int n = CuseInit.encode(b, 16, 31, 1 << 20, 240, 7, "blockreq");
        assertEquals(72 + "DEVNAME=blockreq".length() + 1, n);
        assertEquals(7, b.getInt(16)); // major
        assertEquals(31, b.getInt(20)); // minor
        assertEquals(0, b.getInt(24)); // unused
        assertEquals(FuseProtocol.CUSE_UNRESTRICTED_IOCTL, b.getInt(28));
        assertEquals(1 << 20, b.getInt(32)); // max_read
        assertEquals(1 << 20, b.getInt(36)); // max_write
        assertEquals(240, b.getInt(40)); // dev_major
        assertEquals(7, b.getInt(44)); // dev_minor
        for (int o = 48; o < 16 + 72; o += 4) {
            assertEquals(0, b.getInt(o), "spare at " + o);
        }
        byte[] info = new byte[n - 72];
        b.get(16 + 72, info);
        assertEquals("DEVNAME=blockreq\0", new String(info, StandardCharsets.UTF_8));
        assertEquals(0x5a, b.get(16 + n)); // nothing written past the body
    }

    @Test
    void retryListsInThenOut() {
        ByteBuffer b = buffer();
        long[] in = {0x7ffd0000_1000L, 16, 0x5555_0000_2000L, 5000};
        long[] out = {0x5555_0000_2000L, 5000};
        int n = FuseIoctlMemory.encodeRetry(b, 16, in, out);
        assertEquals(FuseIoctlMemory.retrySize(in, out), n);
        assertEquals(16 + 3 * 16, n);
        assertEquals(0, b.getInt(16)); // result
        assertEquals(FuseProtocol.IOCTL_RETRY, b.getInt(20)); // flags
        assertEquals(2, b.getInt(24)); // in_iovs
        assertEquals(1, b.getInt(28)); // out_iovs
        assertEquals(0x7ffd0000_1000L, b.getLong(32));
        assertEquals(16, b.getLong(40));
        assertEquals(0x5555_0000_2000L, b.getLong(48));
        assertEquals(5000, b.getLong(56));
        assertEquals(0x5555_0000_2000L, b.getLong(64));
        assertEquals(5000, b.getLong(72));
        assertEquals(0x5a, b.get(16 + n));
    }

    @Test
    void retryListsTheKernelWouldRefuse() {
        assertNull(FuseIoctlMemory.check(new long[] {1, 16}, new long[] {2, FuseIoctlMemory.MAX_BYTES}));
        assertNotNull(FuseIoctlMemory.check(new long[] {1}, new long[0]));
        assertNotNull(FuseIoctlMemory.check(new long[] {1, FuseIoctlMemory.MAX_BYTES + 1}, new long[0]));
        assertNotNull(FuseIoctlMemory.check(new long[2 * (FuseProtocol.IOCTL_MAX_IOV + 1)], new long[0]));
        assertNotNull(FuseIoctlMemory.check(new long[] {1, -1}, new long[0]));
    }
}
