package org.fusd.host.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollEvents;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.WriteReply;
import org.fusd.host.sys.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The codec without a kernel: a session serves one end of a SOCK_SEQPACKET
 * socketpair (one message per read, like /dev/fuse) and the test plays the
 * kernel on the other end, so it can order requests as the kernel rarely does.
 */
class FuseSessionTest {
    private int kernel;
    private FuseSession session;
    private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private final BlockingQueue<Object[]> calls = new ArrayBlockingQueue<>(16);
    private final AtomicInteger interruptsRun = new AtomicInteger();

    /** Records every read/write call; answers nothing by itself. */
    private final Device device = new Device() {
        @Override
        public String name() {
            return "t";
        }

        @Override
        public int mode() {
            return 0666;
        }

        @Override
        public void attach(DeviceNode node) {}

        @Override
        public void open(Call.Open call, OpenReply reply) {
            reply.ok();
        }

        @Override
        public void read(Call.Read call, ReadReply reply) {
            calls.add(new Object[] {"read", reply});
        }

        @Override
        public void write(Call.Write call, WriteReply reply) {
            ByteBuffer data = call.data();
            calls.add(new Object[] {"write", reply, data});
        }

        @Override
        public void ioctl(Call.Ioctl call, IoctlReply reply) {
            reply.result(0, null);
        }

        @Override
        public void poll(Call.Poll call, PollReply reply) {
            reply.mask(0);
        }

        @Override
        public void flush(Call.Flush call, DoneReply reply) {
            reply.ok();
        }

        @Override
        public void release(Call.Release call, DoneReply reply) {
            reply.ok();
        }
    };

    @BeforeEach
    void start() {
        int[] sv = new int[2];
        Libc.Ext.INSTANCE.socketpair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET, 0, sv);
        kernel = sv[1];
        OpTable table = new OpTable();
        session = new FuseSession(sv[0], table, "test-session");
        DeviceSlot slot = new DeviceSlot(device, 5, session, () -> {});
        session.addCommonRows(table, (node, n) -> {});
        new FileOps(node -> node == 5 ? slot : null, FuseProtocol.FOPEN_DIRECT_IO).addTo(table);
        session.start(1, null);
    }

    @AfterEach
    void stop() {
        if (kernel >= 0) {
            Libc.close(kernel); // the session's read then ends
        }
        session.awaitReaders(2000);
    }

    private void send(int opcode, long unique, long nodeid, byte[] body) {
        out.clear();
        out.putInt(0, FuseProtocol.IN_HEADER + body.length);
        out.putInt(4, opcode);
        out.putLong(8, unique);
        out.putLong(16, nodeid);
        out.putInt(24, 0);
        out.putInt(28, 0);
        out.putInt(32, 1234);
        out.putInt(36, 0);
        out.put(FuseProtocol.IN_HEADER, body);
        Libc.write(kernel, Libc.address(out), FuseProtocol.IN_HEADER + body.length);
    }

    /** Reads one reply: [unique, error, body bytes...]. */
    private Object[] receive() {
        int n = (int) Libc.read(kernel, Libc.address(in), in.capacity());
        assertEquals(n, in.getInt(0), "length field");
        byte[] body = new byte[n - FuseProtocol.OUT_HEADER];
        in.get(FuseProtocol.OUT_HEADER, body);
        return new Object[] {in.getLong(8), in.getInt(4), body};
    }

    private static byte[] body(int size) {
        return new byte[size];
    }

    private static byte[] le(long... fields) {
        ByteBuffer b = ByteBuffer.allocate(fields.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long f : fields) {
            b.putLong(f);
        }
        return b.array();
    }

    private long open() {
        send(FuseProtocol.OPEN, 2, 5, body(FuseProtocol.OPEN_IN));
        Object[] r = receive();
        assertEquals(2L, r[0]);
        assertEquals(0, r[1]);
        return ByteBuffer.wrap((byte[]) r[2]).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private byte[] readIn(long fh, int size) {
        ByteBuffer b = ByteBuffer.allocate(FuseProtocol.READ_IN).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, fh).putInt(16, size);
        return b.array();
    }

    private byte[] writeIn(long fh, String data) {
        byte[] d = data.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(FuseProtocol.WRITE_IN + d.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, fh).putInt(16, d.length).put(FuseProtocol.WRITE_IN, d);
        return b.array();
    }

    private Object[] nextCall() throws InterruptedException {
        Object[] c = calls.poll(5, TimeUnit.SECONDS);
        assertTrue(c != null, "the device was not called");
        return c;
    }

    @Test
    void unknownOpcodeIsEnosysAndShortBodyIsEinval() {
        send(77, 10, 1, body(0));
        Object[] r = receive();
        assertEquals(10L, r[0]);
        assertEquals(-Errno.ENOSYS.number(), r[1]);
        send(FuseProtocol.READ, 12, 5, body(8));
        r = receive();
        assertEquals(12L, r[0]);
        assertEquals(-Errno.EINVAL.number(), r[1]);
    }

    @Test
    void withoutResendTheDeadHostsRequestsAnswerEintrWhenInterrupted() throws Exception {
        session.answerOrphanInterrupts(); // as after a crash on a kernel that refused FUSE_NOTIFY_RESEND
        send(FuseProtocol.OPEN, 10, 5, body(FuseProtocol.OPEN_IN)); // 10: the lowest unique this host reads
        Object[] r = receive();
        long fh = ByteBuffer.wrap((byte[]) r[2]).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        // 4 was read by the host that crashed; its caller is signalled (an INTERRUPT's unique is odd).
        send(FuseProtocol.INTERRUPT, 5, 0, le(4));
        r = receive();
        assertEquals(4L, r[0], "the interrupted request itself is answered: nobody else will");
        assertEquals(-Errno.EINTR.number(), r[1]);
        // One of this host's, not registered yet: queued again, as always.
        send(FuseProtocol.INTERRUPT, 13, 0, le(12));
        r = receive();
        assertEquals(13L, r[0]);
        assertEquals(-Errno.EAGAIN.number(), r[1]);
        send(FuseProtocol.READ, 12, 5, readIn(fh, 10));
        assertEquals("read", nextCall()[0]);
    }

    @Test
    void interruptBeforeTheRequestIsRegisteredIsRequeuedThenAnswersEintr() throws Exception {
        long fh = open();
        // The INTERRUPT overtakes its request: the session asks the kernel to queue it again.
        send(FuseProtocol.INTERRUPT, 101, 0, le(100));
        Object[] r = receive();
        assertEquals(101L, r[0]);
        assertEquals(-Errno.EAGAIN.number(), r[1]);
        // The request arrives; the device defers without an interrupt action yet.
        send(FuseProtocol.READ, 100, 5, readIn(fh, 10));
        ReadReply reply = (ReadReply) nextCall()[1];
        // The kernel re-sends the INTERRUPT: remembered, nothing answered yet.
        send(FuseProtocol.INTERRUPT, 101, 0, le(100));
        // The device registers its action late: it runs at once and the caller gets EINTR.
        reply.onInterrupt(interruptsRun::incrementAndGet);
        r = receive();
        assertEquals(100L, r[0]);
        assertEquals(-Errno.EINTR.number(), r[1]);
        assertEquals(1, interruptsRun.get());
        // A completion after the interrupt is ignored: the next reply is for the next request.
        reply.bytes(ByteBuffer.wrap(new byte[] {1}));
        send(77, 104, 1, body(0));
        r = receive();
        assertEquals(104L, r[0]);
        assertEquals(0, session.pendingCount());
    }

    @Test
    void secondCompletionIsIgnored() throws Exception {
        long fh = open();
        send(FuseProtocol.READ, 20, 5, readIn(fh, 10));
        ReadReply reply = (ReadReply) nextCall()[1];
        reply.bytes(ByteBuffer.wrap("ab".getBytes(StandardCharsets.UTF_8)));
        reply.bytes(ByteBuffer.wrap("cd".getBytes(StandardCharsets.UTF_8)));
        reply.error(org.fusd.host.device.Errno.EIO);
        Object[] r = receive();
        assertEquals(20L, r[0]);
        assertEquals("ab", new String((byte[]) r[2], StandardCharsets.UTF_8));
        send(77, 22, 1, body(0));
        assertEquals(22L, receive()[0]);
    }

    @Test
    void writeDataStaysValidUntilADeferredReply() throws Exception {
        long fh = open();
        send(FuseProtocol.WRITE, 30, 5, writeIn(fh, "first"));
        Object[] c1 = nextCall();
        send(FuseProtocol.WRITE, 32, 5, writeIn(fh, "second"));
        Object[] c2 = nextCall();
        ByteBuffer d1 = (ByteBuffer) c1[2];
        ByteBuffer d2 = (ByteBuffer) c2[2];
        byte[] b1 = new byte[d1.remaining()];
        d1.get(b1);
        byte[] b2 = new byte[d2.remaining()];
        d2.get(b2);
        assertEquals("first", new String(b1, StandardCharsets.UTF_8));
        assertEquals("second", new String(b2, StandardCharsets.UTF_8));
        ((WriteReply) c1[1]).count(5);
        ((WriteReply) c2[1]).count(6);
        Object[] r = receive();
        assertEquals(30L, r[0]);
        assertEquals(
                5, ByteBuffer.wrap((byte[]) r[2]).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        r = receive();
        assertEquals(32L, r[0]);
    }

    @Test
    void nothingIsWrittenOnceTheFdIsClosed() throws Exception {
        long fh = open();
        send(FuseProtocol.READ, 40, 5, readIn(fh, 8192));
        ReadReply small = (ReadReply) nextCall()[1];
        send(FuseProtocol.READ, 42, 5, readIn(fh, 8192));
        ReadReply large = (ReadReply) nextCall()[1];
        Libc.close(kernel); // the connection ends: the last reader closes the session's fd
        kernel = -1;
        assertTrue(session.awaitReaders(5000));
        // A new socket pair most likely gets the closed fd's number; then a stray write would land in it.
        int[] sv = new int[2];
        Libc.Ext.INSTANCE.socketpair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET, 0, sv);
        try {
            // What a script timer or a late deferred reply may still do.
            session.notifyPoll(7);
            session.notifyInvalEntry(1, "t");
            session.replyError(44, 5);
            small.bytes(ByteBuffer.wrap(new byte[] {1}));
            ByteBuffer big = ByteBuffer.allocateDirect(8192); // sent with writev
            large.bytes(big);
            int peer = sv[0] == session.fd() ? sv[1] : sv[1] == session.fd() ? sv[0] : -1;
            if (peer >= 0) {
                assertFalse(hasMessage(peer), "a write after close reached the fd's new owner");
            }
        } finally {
            Libc.close(sv[0]);
            Libc.close(sv[1]);
        }
    }

    /** True if a message waits on fd (poll(2) with no timeout). */
    private static boolean hasMessage(int fd) {
        ByteBuffer pfd = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
        pfd.putInt(0, fd).putShort(4, (short) PollEvents.POLLIN);
        return Libc.poll(Libc.address(pfd), 1, 0) > 0;
    }
}
