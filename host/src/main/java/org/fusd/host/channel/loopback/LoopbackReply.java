package org.fusd.host.channel.loopback;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.ReplyEncoder;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.WriteReply;

/**
 * One loopback call's answer: the encoder the typed {@link Reply} writes to,
 * which completes a future with a {@link Result}. The reply itself is the
 * same core the real channels use, so loopback applies their rules.
 * {@link #interrupt()} plays a signal arriving as on FUSE: if the device
 * registered an interrupt action, the call ends with EINTR.
 */
public final class LoopbackReply implements ReplyEncoder {
    private final CompletableFuture<Result> future = new CompletableFuture<>();
    /** Told the bytes a read answered before anyone waiting sees the answer (the file's offset). */
    private final java.util.function.LongConsumer onRead;

    private Reply reply;

    public LoopbackReply() {
        this(n -> {});
    }

    LoopbackReply(java.util.function.LongConsumer onRead) {
        this.onRead = onRead;
    }

    /**
     * The outcome of a call: an errno, or data / a count / an ioctl result /
     * regions an ioctl asked for. A plain class rather than a record because
     * it holds arrays (a record would compare them by identity).
     */
    public static final class Result {
        private final Errno errno;
        private final byte[] data;
        private final int n;
        private final long[][] retry;

        Result(Errno errno, byte[] data, int n, long[][] retry) {
            this.errno = errno;
            this.data = data;
            this.n = n;
            this.retry = retry;
        }

        /** The error the call ended with, or null if it succeeded. */
        public Errno errno() {
            return errno;
        }

        /** The bytes answered (read data, ioctl output), or null if none. Not copied. */
        public byte[] data() {
            return data;
        }

        /** The count answered (bytes written, ioctl result, poll mask, or the data's length). */
        public int n() {
            return n;
        }

        /** An ioctl's retry: {in regions, out regions} to map for the next round; else null. */
        public long[][] retry() {
            return retry;
        }

        public boolean ok() {
            return errno == null;
        }

        @Override
        public String toString() {
            return "Result[errno=" + errno + ", data=" + (data == null ? "null" : data.length + " bytes") + ", n=" + n
                    + (retry == null ? "" : ", retry") + "]";
        }
    }

    public OpenReply forOpen() {
        return bind(new OpenReply(this, 0));
    }

    public ReadReply forRead(int size) {
        return bind(new ReadReply(this, 0, size));
    }

    public WriteReply forWrite(int offered) {
        return bind(new WriteReply(this, 0, offered));
    }

    public IoctlReply forIoctl(int outSize) {
        return bind(new IoctlReply(this, 0, outSize));
    }

    public PollReply forPoll() {
        return bind(new PollReply(this, 0));
    }

    public DoneReply forDone() {
        return bind(new DoneReply(this, 0));
    }

    public SeekReply forSeek() {
        return bind(new SeekReply(this, 0));
    }

    private <R extends Reply> R bind(R r) {
        if (reply != null) {
            throw new IllegalStateException("a LoopbackReply answers one call");
        }
        reply = r;
        return r;
    }

    public CompletableFuture<Result> future() {
        return future;
    }

    /** A signal hit the caller (see the class comment). */
    public void interrupt() {
        reply.interrupt();
    }

    /**
     * A signal hit the caller as on fusd: unless the call was answered before,
     * the caller returns EINTR at once, and the device is told afterwards.
     */
    public void callerGone() {
        if (!reply.isDone()) {
            future.complete(new Result(Errno.EINTR, null, 0, null));
        }
        reply.callerGone();
    }

    public boolean isDone() {
        return reply.isDone();
    }

    private static byte[] copy(ByteBuffer b, int n) {
        byte[] a = new byte[n];
        if (n > 0) {
            b.get(b.position(), a);
        }
        return a;
    }

    @Override
    public void error(Reply r, Errno errno) {
        future.complete(new Result(errno, null, 0, null));
    }

    @Override
    public void opened(OpenReply r) {
        future.complete(new Result(null, null, 0, null));
    }

    @Override
    public void read(ReadReply r, ByteBuffer bytes, int n) {
        onRead.accept(n);
        future.complete(new Result(null, copy(bytes, n), n, null));
    }

    @Override
    public void wrote(WriteReply r, int n) {
        future.complete(new Result(null, null, n, null));
    }

    @Override
    public void ioctl(IoctlReply r, int result, ByteBuffer out, int n) {
        future.complete(new Result(null, out == null ? null : copy(out, n), result, null));
    }

    @Override
    public void ioctlRetry(IoctlReply r, long[] in, long[] out) {
        future.complete(new Result(null, null, 0, new long[][] {in.clone(), out.clone()}));
    }

    @Override
    public void polled(PollReply r, int mask) {
        future.complete(new Result(null, null, mask, null));
    }

    @Override
    public void done(DoneReply r) {
        future.complete(new Result(null, null, 0, null));
    }

    @Override
    public void seeked(SeekReply r, long position) {
        future.complete(new Result(null, null, (int) Math.min(position, Integer.MAX_VALUE), null));
    }
}
