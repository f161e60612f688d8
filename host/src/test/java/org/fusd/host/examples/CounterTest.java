package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.Test;

/** examples/counter.py over loopback: _IOR/_IOW/_IOWR/_IO ioctls, ENOTTY for the rest, text read/write. */
class CounterTest {
    static final int GET = 0x80086301;
    static final int SET = 0x40086302;
    static final int RESET = 0x00006303;
    static final int ADD = 0xc0086304;

    static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long get(LoopbackFile f) {
        byte[] out = f.ioctl(GET, null).data();
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void ioctls() {
        try (Harness h = new Harness()) {
            h.serve(Harness.example("counter.py"));
            try (LoopbackFile f = h.open("counter", OpenFlags.O_RDWR)) {
                assertEquals(0, get(f));
                assertEquals(0, f.ioctl(SET, le(42)).n());
                assertEquals(42, get(f));
                assertArrayEquals(le(50), f.ioctl(ADD, le(8)).data());
                assertEquals(0, f.ioctl(RESET, 0, null, 0).n());
                assertEquals(0, get(f));
                // unknown commands, encoded or not: ENOTTY
                assertEquals(
                        Errno.ENOTTY,
                        assertThrows(ErrnoException.class, () -> f.ioctl(0x1234, 0, null, 0))
                                .errno());
                assertEquals(
                        Errno.ENOTTY,
                        assertThrows(ErrnoException.class, () -> f.ioctl(0x80086399, null))
                                .errno());
                f.ioctl(SET, le(-7));
                f.write("10\n");
            }
            try (LoopbackFile g = h.open("counter", OpenFlags.O_RDONLY)) {
                assertEquals("3\n", g.readString(100)); // per device, not per open
                assertEquals("", g.readString(100));
            }
        }
    }
}
