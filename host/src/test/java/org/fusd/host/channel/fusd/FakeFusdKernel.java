package org.fusd.host.channel.fusd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import org.fusd.host.device.PollEvents;
import org.fusd.host.sys.Libc;

/**
 * fusd.ko's side of a control connection, faked: a SEQPACKET socketpair
 * keeps message boundaries as /dev/fusd does. The channel reads and writes
 * {@link #channelFd()}; the test sends requests and reads what the channel
 * says (REGISTER, replies, poll pushes, RESEND).
 */
final class FakeFusdKernel implements AutoCloseable {
    /** What a request says about its caller. */
    static final int FLAGS = 02;

    static final int PID = 4242;

    private final int kernel;
    private final int channelFd;
    private final ByteBuffer in =
            ByteBuffer.allocateDirect(FusdAbi.FUSD_MSG_MAX).order(FusdAbi.ORDER);
    private final ByteBuffer out =
            ByteBuffer.allocateDirect(FusdAbi.FUSD_MSG_MAX).order(FusdAbi.ORDER);

    FakeFusdKernel() {
        int[] sv = new int[2];
        Libc.Ext.INSTANCE.socketpair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET, 0, sv);
        Libc.Ext.INSTANCE.fcntl(sv[0], Libc.F_SETFL, Libc.O_NONBLOCK);
        channelFd = sv[0];
        kernel = sv[1];
    }

    /** The end a FusdChannel reads, as if it were /dev/fusd. */
    int channelFd() {
        return channelFd;
    }

    /** Sends a request to device devId as the kernel would, from caller PID with FLAGS. */
    void request(
            int opcode, int devId, long reqId, int fhId, int arg, long offset, int size, byte[] payload, int xflags) {
        int len = FusdAbi.MSG_SIZE + (payload == null ? 0 : payload.length);
        FusdAbi.putHeader(out, opcode, len, devId, reqId, fhId, arg, xflags, 0);
        out.putInt(FusdAbi.MSG_FLAGS, FLAGS);
        out.putInt(FusdAbi.MSG_PID, PID);
        out.putLong(FusdAbi.MSG_OFFSET, offset);
        out.putInt(FusdAbi.MSG_SIZE_FIELD, size);
        if (payload != null) {
            out.put(FusdAbi.MSG_SIZE, payload);
        }
        Libc.write(kernel, Libc.address(out), len);
    }

    /** Writes one byte: no whole message (fails with EPIPE once the channel's end is closed). */
    void sendByte() {
        Libc.write(kernel, Libc.address(out), 1);
    }

    /** True if a message from the channel waits to be read. */
    boolean queued() {
        return waitReadable(0);
    }

    /** The next message from the channel within millis, or null; the buffer is reused by the next read. */
    ByteBuffer next(long millis) {
        if (!waitReadable(millis)) {
            return null;
        }
        long n = Libc.read(kernel, Libc.address(in), in.capacity());
        assertEquals(n, in.getInt(FusdAbi.MSG_LEN), "len field matches the message size");
        return in;
    }

    /** The next REPLY within 5 s (poll pushes skipped), which must answer reqId. */
    ByteBuffer reply(long reqId) {
        while (true) {
            ByteBuffer m = next(5000);
            assertNotNull(m, "no reply to " + reqId);
            if (m.getShort(FusdAbi.MSG_OPCODE) == FusdAbi.FUSD_REPLY) {
                assertEquals(reqId, m.getLong(FusdAbi.MSG_REQ_ID));
                return m;
            }
        }
    }

    private boolean waitReadable(long millis) {
        ByteBuffer pfd = ByteBuffer.allocateDirect(8).order(FusdAbi.ORDER);
        pfd.putInt(0, kernel).putShort(4, (short) PollEvents.POLLIN);
        return Libc.poll(Libc.address(pfd), 1, (int) millis) > 0;
    }

    /** The kernel's end only: the channel closes its own. */
    @Override
    public void close() {
        Libc.close(kernel);
    }
}
