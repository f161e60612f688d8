package org.fusd.host.channel.fusd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Ioc;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.WriteReply;
import org.fusd.host.sys.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The channel against a fake kernel: a SEQPACKET socketpair keeps message
 * boundaries like /dev/fusd, and the test writes requests and reads what the
 * channel sends (registrations, replies, poll pushes) byte by byte per fusd.h.
 */
class FusdChannelTest {
    private final FakeFusdKernel kernel = new FakeFusdKernel();
    private FusdChannel channel;
    private final TestDevice dev = new TestDevice();

    @BeforeEach
    void start() throws Exception {
        channel = FusdChannel.overFd(kernel.channelFd());
        channel.add(dev);
        ByteBuffer m = next();
        assertEquals(FusdAbi.FUSD_REGISTER, m.getShort(FusdAbi.MSG_OPCODE));
        assertEquals(FusdAbi.MSG_SIZE + FusdAbi.REG_SIZE, m.getInt(FusdAbi.MSG_LEN));
        assertEquals(FusdAbi.FUSD_MAGIC, m.getInt(FusdAbi.MSG_MAGIC));
        assertEquals(1, m.getInt(FusdAbi.MSG_DEV_ID));
        byte[] name = new byte[4];
        m.get(FusdAbi.MSG_SIZE + FusdAbi.REG_NAME, name);
        assertEquals("test", new String(name, StandardCharsets.US_ASCII));
        assertEquals(0, m.get(FusdAbi.MSG_SIZE + FusdAbi.REG_NAME + 4));
        assertEquals(0640, m.getInt(FusdAbi.MSG_SIZE + FusdAbi.REG_MODE));
        assertEquals(Libc.getuid(), m.getInt(FusdAbi.MSG_SIZE + FusdAbi.REG_UID));
        assertEquals(Libc.getgid(), m.getInt(FusdAbi.MSG_SIZE + FusdAbi.REG_GID));
        assertEquals(
                FusdAbi.FUSD_DEV_FLUSH | FusdAbi.FUSD_DEV_SEEKABLE | FusdAbi.FUSD_DEV_MMAP_CHECK,
                m.getInt(FusdAbi.MSG_SIZE + FusdAbi.REG_FLAGS),
                "flush, seekable and mmap-checking device");
    }

    @AfterEach
    void stop() {
        channel.close();
        kernel.close();
    }

    /** Sends a request from the "kernel". */
    private void request(int opcode, long reqId, int fhId, int arg, long offset, int size, byte[] payload) {
        request(opcode, reqId, fhId, arg, offset, size, payload, 0);
    }

    private void request(int opcode, long reqId, int fhId, int arg, long offset, int size, byte[] payload, int xflags) {
        kernel.request(opcode, 1, reqId, fhId, arg, offset, size, payload, xflags);
    }

    /** The next message from the channel (5 s at most), or null. */
    private ByteBuffer next(long millis) {
        ByteBuffer in = kernel.next(millis);
        if (in == null) {
            return null;
        }
        int xflags = in.getInt(FusdAbi.MSG_XFLAGS);
        assertEquals(0, xflags & ~FusdAbi.FUSD_REPLY_FLAGS_ALL, "only REPLY xflags are set");
        if (in.getShort(FusdAbi.MSG_OPCODE) != FusdAbi.FUSD_REPLY) {
            assertEquals(0, xflags);
        }
        return in;
    }

    private ByteBuffer next() {
        ByteBuffer m = next(5000);
        assertNotNull(m, "no message from the channel");
        return m;
    }

    private ByteBuffer reply(long reqId) {
        ByteBuffer m = next();
        assertEquals(FusdAbi.FUSD_REPLY, m.getShort(FusdAbi.MSG_OPCODE));
        assertEquals(reqId, m.getLong(FusdAbi.MSG_REQ_ID));
        return m;
    }

    private void open(long reqId, int fh) {
        request(FusdAbi.FUSD_OPEN, reqId, fh, 0, 0, 0, null);
        ByteBuffer m = reply(reqId); // the file's first mask rides in the reply
        assertEquals(0L, m.getLong(FusdAbi.MSG_RESULT));
        assertEquals(FusdAbi.FUSD_REPLY_POLL, m.getInt(FusdAbi.MSG_XFLAGS));
        assertEquals(dev.mask.get(), m.getInt(FusdAbi.MSG_ARG));
        assertEquals(4242, dev.lastFile.get().opener().pid());
    }

    @Test
    void openReadWriteIoctlRelease() {
        open(10, 5);
        request(FusdAbi.FUSD_READ, 11, 5, 0, 0, 3, null);
        ByteBuffer m = reply(11);
        assertEquals(3L, m.getLong(FusdAbi.MSG_RESULT));
        assertEquals(FusdAbi.MSG_SIZE + 3, m.getInt(FusdAbi.MSG_LEN));
        assertEquals('h', m.get(FusdAbi.MSG_SIZE));
        request(FusdAbi.FUSD_WRITE, 12, 5, 0, 0, 4, "abcd".getBytes(StandardCharsets.US_ASCII));
        assertEquals(4L, reply(12).getLong(FusdAbi.MSG_RESULT));
        assertEquals("abcd", dev.written.get());
        int iowr = Ioc.cmd(Ioc.READ | Ioc.WRITE, 't', 1, 8);
        request(FusdAbi.FUSD_IOCTL, 13, 5, iowr, 0x1234, 8, "12345678".getBytes(StandardCharsets.US_ASCII));
        m = reply(13);
        assertEquals(7L, m.getLong(FusdAbi.MSG_RESULT));
        assertEquals(FusdAbi.MSG_SIZE + 8, m.getInt(FusdAbi.MSG_LEN));
        assertEquals('8', m.get(FusdAbi.MSG_SIZE));
        int io = Ioc.cmd(Ioc.NONE, 't', 2, 0); // _IO: reaches the device with the raw argument
        request(FusdAbi.FUSD_IOCTL, 14, 5, io, 0x99, 0, null);
        assertEquals(0x99L, reply(14).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_READ, 15, 77, 0, 0, 3, null); // unknown fh
        assertEquals(-Errno.EBADF.number(), reply(15).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_RELEASE, 16, 5, 0, 0, 0, null);
        assertNull(next(300), "RELEASE gets no reply");
        assertEquals(1, dev.releases.get());
    }

    @Test
    void interruptRunsTheActionAndSendsNothing() {
        open(20, 6);
        request(FusdAbi.FUSD_READ, 21, 6, 0, 0, 100, null);
        assertNull(next(200), "a deferred read is not answered");
        request(FusdAbi.FUSD_INTERRUPT, 21, 6, 0, 0, 0, null);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (dev.interrupts.get() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, dev.interrupts.get());
        assertTrue(dev.parked.get().isDone());
        dev.parked.get().bytes(ByteBuffer.wrap(new byte[] {1})); // too late: ignored
        assertNull(next(300), "an interrupted request is not answered");
        assertEquals(0, channel.pendingRequests());
    }

    @Test
    void notifyPushesChangedMasksOnly() {
        open(30, 7);
        dev.mask.set(FusdAbi.FUSD_POLLIN | FusdAbi.FUSD_POLLOUT);
        dev.node.notifyPollers();
        ByteBuffer m = next();
        assertEquals(FusdAbi.FUSD_POLL_NOTIFY, m.getShort(FusdAbi.MSG_OPCODE));
        assertEquals(1, m.getInt(FusdAbi.MSG_DEV_ID));
        assertEquals(7, m.getInt(FusdAbi.MSG_FH_ID));
        assertEquals(FusdAbi.FUSD_POLLIN | FusdAbi.FUSD_POLLOUT, m.getInt(FusdAbi.MSG_ARG));
        dev.node.notifyPollers();
        assertNull(next(300), "an unchanged mask is not pushed again");
    }

    @Test
    void aCallThatChangesTheMaskCarriesItInTheReply() {
        open(40, 8);
        dev.mask.set(FusdAbi.FUSD_POLLIN); // as if the write below made data readable
        request(FusdAbi.FUSD_WRITE, 41, 8, 0, 0, 2, "hi".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer m = reply(41);
        assertEquals(2L, m.getLong(FusdAbi.MSG_RESULT));
        assertEquals(FusdAbi.FUSD_REPLY_POLL, m.getInt(FusdAbi.MSG_XFLAGS));
        assertEquals(FusdAbi.FUSD_POLLIN, m.getInt(FusdAbi.MSG_ARG));
        request(FusdAbi.FUSD_WRITE, 42, 8, 0, 0, 2, "hi".getBytes(StandardCharsets.US_ASCII));
        m = reply(42);
        assertEquals(0, m.getInt(FusdAbi.MSG_XFLAGS), "an unchanged mask is not carried again");
        assertNull(next(300), "no separate POLL_NOTIFY");
    }

    @Test
    void llseekMmapAndCompat32ReachTheDevice() {
        open(70, 13);
        request(FusdAbi.FUSD_LLSEEK, 71, 13, 2, -10, 0, null); // SEEK_END
        assertEquals(990L, reply(71).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_MMAP, 72, 13, 3, 4096, 8192, null, FusdAbi.FUSD_REQ_MAP_SHARED);
        assertEquals(-Errno.EACCES.number(), reply(72).getLong(FusdAbi.MSG_RESULT), "PROT_WRITE refused");
        request(FusdAbi.FUSD_MMAP, 73, 13, 1, 0, 4096, null, FusdAbi.FUSD_REQ_MAP_SHARED);
        assertEquals(0L, reply(73).getLong(FusdAbi.MSG_RESULT));
        assertEquals("mmap 4096+8192 prot 3 shared; mmap 0+4096 prot 1 shared", String.join("; ", dev.maps));
        assertFalse(dev.lastFile.get().compat32());
        request(FusdAbi.FUSD_WRITE, 74, 13, 0, 0, 2, "hi".getBytes(StandardCharsets.US_ASCII), 1);
        reply(74);
        assertTrue(dev.lastFile.get().compat32(), "FUSD_REQ_COMPAT32 reaches the open file");
    }

    @Test
    void aCallAsksForTheMaskOfItsOwnFileOnly() {
        open(60, 10);
        open(61, 11);
        open(62, 12);
        int asked = dev.polls.get();
        request(FusdAbi.FUSD_READ, 63, 11, 0, 0, 3, null);
        assertEquals(3L, reply(63).getLong(FusdAbi.MSG_RESULT));
        assertNull(next(300), "no mask pushed for the other files");
        assertEquals(asked + 1, dev.polls.get(), "one poll per call, whatever else is open");
    }

    @Test
    void aDeviceWhosePollNeverVariesIsNotAskedAfterEachCall() {
        dev.varies = false;
        open(50, 9); // the mask is still pushed once, at open
        int asked = dev.polls.get();
        request(FusdAbi.FUSD_READ, 51, 9, 0, 0, 3, null);
        assertEquals(3L, reply(51).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_WRITE, 52, 9, 0, 0, 2, "hi".getBytes(StandardCharsets.US_ASCII));
        assertEquals(2L, reply(52).getLong(FusdAbi.MSG_RESULT));
        assertEquals(asked, dev.polls.get(), "poll asked again after a call");
    }

    @Test
    void removeWaitsForTheLastCloseThenUnregisters() {
        open(40, 8);
        channel.remove("test");
        request(FusdAbi.FUSD_OPEN, 41, 9, 0, 0, 0, null);
        assertEquals(-Errno.ENOENT.number(), reply(41).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_RELEASE, 42, 8, 0, 0, 0, null);
        ByteBuffer m = next();
        assertEquals(FusdAbi.FUSD_UNREGISTER, m.getShort(FusdAbi.MSG_OPCODE));
        assertEquals(1, m.getInt(FusdAbi.MSG_DEV_ID));
    }

    @Test
    void closeStopsTheReader() throws Exception {
        assertTrue(channel.isServing());
        channel.close();
        assertFalse(channel.isServing());
        try {
            kernel.sendByte();
        } catch (LastErrorException e) {
            assertEquals(Errno.EPIPE.number(), e.getErrorCode()); // the channel's end is closed
            return;
        }
        throw new AssertionError("the channel's fd is still open");
    }

    /** Reads answer "hey", writes record, ioctl echoes reversed, reads on fh 6 wait. */
    static final class TestDevice implements Device {
        final AtomicReference<OpenFile> lastFile = new AtomicReference<>();
        final AtomicReference<String> written = new AtomicReference<>();
        final AtomicReference<ReadReply> parked = new AtomicReference<>();
        final AtomicInteger interrupts = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        final AtomicInteger mask = new AtomicInteger(FusdAbi.FUSD_POLLOUT);
        final AtomicInteger polls = new AtomicInteger();
        volatile boolean varies = true;
        final CopyOnWriteArrayList<String> calls = new CopyOnWriteArrayList<>();
        volatile DeviceNode node;
        /** The device's recovery policy: "reissue" if true (FusdCrashTest). */
        volatile boolean reissue;

        private final String name;

        TestDevice() {
            this("test");
        }

        TestDevice(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean reissuesAfterCrash() {
            return reissue;
        }

        @Override
        public int mode() {
            return 0640;
        }

        @Override
        public void attach(DeviceNode node) {
            this.node = node;
        }

        @Override
        public void open(Call.Open call, OpenReply reply) {
            OpenFile file = call.file();
            lastFile.set(file);
            reply.ok();
        }

        @Override
        public void read(Call.Read call, ReadReply reply) {
            OpenFile file = call.file();
            int size = call.size();
            if (lastFile.get() == file && file.opener().pid() == 4242 && parked.get() == null && size == 100) {
                parked.set(reply);
                reply.onInterrupt(interrupts::incrementAndGet);
                return;
            }
            reply.bytes(ByteBuffer.wrap("hey!".getBytes(StandardCharsets.US_ASCII)));
        }

        @Override
        public void write(Call.Write call, WriteReply reply) {
            ByteBuffer data = call.data();
            byte[] b = new byte[data.remaining()];
            data.get(b);
            written.set(new String(b, StandardCharsets.US_ASCII));
            reply.count(b.length);
        }

        @Override
        public void ioctl(Call.Ioctl call, IoctlReply reply) {
            long arg = call.arg();
            ByteBuffer in = call.in();
            int outSize = call.outSize();
            if (outSize == 0) {
                reply.result((int) arg, null);
                return;
            }
            byte[] b = new byte[in.remaining()];
            in.get(b);
            byte[] r = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                r[i] = b[b.length - 1 - i];
            }
            reply.result(7, ByteBuffer.wrap(r));
        }

        @Override
        public void poll(Call.Poll call, PollReply reply) {
            polls.incrementAndGet();
            reply.mask(mask.get());
        }

        @Override
        public boolean pollVaries() {
            return varies;
        }

        @Override
        public void flush(Call.Flush call, DoneReply reply) {
            reply.ok();
        }

        @Override
        public void release(Call.Release call, DoneReply reply) {
            releases.incrementAndGet();
            reply.ok();
        }

        final CopyOnWriteArrayList<String> maps = new CopyOnWriteArrayList<>();

        @Override
        public boolean seekable() {
            return true;
        }

        @Override
        public void llseek(Call.Llseek call, SeekReply reply) {
            reply.position(call.whence() == 2 ? 1000 + call.offset() : call.offset());
        }

        @Override
        public boolean checksMmap() {
            return true;
        }

        @Override
        public void mmap(Call.Mmap call, DoneReply reply) {
            maps.add("mmap " + call.offset() + "+" + call.length() + " prot " + call.prot()
                    + (call.shared() ? " shared" : " private"));
            if ((call.prot() & 2) != 0) {
                reply.error(Errno.EACCES);
            } else {
                reply.ok();
            }
        }
    }
}
