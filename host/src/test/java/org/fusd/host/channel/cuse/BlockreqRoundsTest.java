package org.fusd.host.channel.cuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Call;
import org.fusd.host.device.Caller;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Ioc;
import org.fusd.host.device.IoctlMemory;
import org.fusd.host.device.OpenFile;
import org.fusd.host.driver.Harness;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.api.Test;

/**
 * examples/blockreq.js against a simulated CUSE kernel: each round maps the
 * regions the previous retry asked for from a fake caller address space, and
 * the final reply's out bytes are scattered back into it, as fuse_do_ioctl does.
 */
class BlockreqRoundsTest {
    private static final long BASE = 0x7f00_0000_0000L;
    private static final int BLOCKREQ = Ioc.cmd(Ioc.WRITE, 'B', 1, 16);
    private static final int BLOCKSIZE = Ioc.cmd(Ioc.READ, 'B', 2, 4);

    private final byte[] space = new byte[1 << 18];

    private ByteBuffer copyIn(long[] regions) {
        int total = 0;
        for (int k = 1; k < regions.length; k += 2) {
            total += (int) regions[k];
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        for (int k = 0; k < regions.length; k += 2) {
            b.put(space, (int) (regions[k] - BASE), (int) regions[k + 1]);
        }
        return b.flip();
    }

    private void copyOut(long[] regions, byte[] data) {
        int at = 0;
        for (int k = 0; k < regions.length && at < data.length; k += 2) {
            int n = Math.min((int) regions[k + 1], data.length - at);
            System.arraycopy(data, at, space, (int) (regions[k] - BASE), n);
            at += n;
        }
    }

    /** One round's memory. */
    private static final class Round implements IoctlMemory {
        final long[] in;
        final long[] out;
        final ByteBuffer data;

        Round(long[] in, long[] out, ByteBuffer data) {
            this.in = in;
            this.out = out;
            this.data = data;
        }

        @Override
        public boolean canRetry() {
            return true;
        }

        @Override
        public long[] in() {
            return in.clone();
        }

        @Override
        public ByteBuffer inData() {
            return data.duplicate();
        }

        @Override
        public long[] out() {
            return out.clone();
        }

        @Override
        public int outSize() {
            int n = 0;
            for (int k = 1; k < out.length; k += 2) {
                n += (int) out[k];
            }
            return n;
        }
    }

    /** The kernel's loop: the encoded struct first, then whatever the driver asks for. Returns result or -errno. */
    private int ioctl(ScriptDevice d, OpenFile f, int cmd, long arg, int[] rounds) throws Exception {
        int size = Ioc.size(cmd);
        long[] in = Ioc.writes(cmd) ? new long[] {arg, size} : new long[0];
        long[] out = Ioc.reads(cmd) ? new long[] {arg, size} : new long[0];
        for (int round = 1; round <= 5; round++) {
            rounds[0] = round;
            Round r = new Round(in, out, copyIn(in));
            LoopbackReply reply = new LoopbackReply();
            ByteBuffer struct = r.inData().limit(Ioc.writes(cmd) ? size : 0);
            int structOut = Ioc.reads(cmd) ? size : 0;
            d.ioctl(new Call.Ioctl(f, cmd, arg, struct, structOut, r), reply.forIoctl(r.outSize()));
            LoopbackReply.Result res = reply.future().get(10, TimeUnit.SECONDS);
            if (res.retry() != null) {
                in = res.retry()[0];
                out = res.retry()[1];
                continue;
            }
            if (!res.ok()) {
                return -res.errno().number();
            }
            if (res.data() != null) {
                assertTrue(res.data().length <= r.outSize(), "more out bytes than out regions");
                copyOut(out, res.data());
            }
            return res.n();
        }
        throw new AssertionError("more than 5 rounds");
    }

    private long request(long buf, int len, int op) {
        long at = BASE + 0x100;
        ByteBuffer.wrap(space, 0x100, 16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(buf)
                .putInt(len)
                .putInt(op);
        return at;
    }

    @Test
    void storeThenFetchThroughNestedPointer() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(Harness.example("blockreq.js"));
            OpenFile f = new OpenFile(new Caller(1, 0, 0), 2);
            LoopbackReply opened = new LoopbackReply();
            d.open(new Call.Open(f), opened.forOpen());
            assertTrue(opened.future().get(10, TimeUnit.SECONDS).ok());

            int len = 5000;
            long src = BASE + 0x1000;
            for (int i = 0; i < len; i++) {
                space[0x1000 + i] = (byte) (i * 7 + 3);
            }
            int[] rounds = new int[1];
            assertEquals(len, ioctl(d, f, BLOCKREQ, request(src, len, 1), rounds));
            assertEquals(2, rounds[0], "the struct, then the buffer it points at");

            assertEquals(0, ioctl(d, f, BLOCKSIZE, BASE + 0x200, rounds));
            assertEquals(
                    len,
                    ByteBuffer.wrap(space, 0x200, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt());

            long dst = BASE + 0x10000;
            space[0x10000 + len] = (byte) 0xee;
            assertEquals(len, ioctl(d, f, BLOCKREQ, request(dst, len, 2), rounds));
            assertEquals(2, rounds[0]);
            byte[] a = new byte[len];
            byte[] b = new byte[len];
            System.arraycopy(space, 0x1000, a, 0, len);
            System.arraycopy(space, 0x10000, b, 0, len);
            assertArrayEquals(a, b);
            assertEquals((byte) 0xee, space[0x10000 + len], "nothing written past the buffer");

            assertEquals(-Errno.EINVAL.number(), ioctl(d, f, BLOCKREQ, request(dst, 70000, 1), rounds));
        }
    }

    @Test
    void restrictedChannelAnswersEnottyWithAHint() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(Harness.example("blockreq.js"));
            OpenFile f = new OpenFile(new Caller(1, 0, 0), 2);
            LoopbackReply opened = new LoopbackReply();
            d.open(new Call.Open(f), opened.forOpen());
            opened.future().get(10, TimeUnit.SECONDS);
            LoopbackReply reply = new LoopbackReply();
            ByteBuffer req = ByteBuffer.allocate(16)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(BASE)
                    .putInt(10)
                    .putInt(1)
                    .flip();
            d.ioctl(new Call.Ioctl(f, BLOCKREQ, BASE + 0x100, req, 0, null), reply.forIoctl(0)); // restricted
            assertEquals(Errno.ENOTTY, reply.future().get(10, TimeUnit.SECONDS).errno());
            assertTrue(h.awaitLog("--channel cuse").contains("restricted"));
        }
    }
}
