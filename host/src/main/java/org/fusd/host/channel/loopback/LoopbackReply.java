package org.fusd.host.channel.loopback;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Reply;

/**
 * A Reply that completes a future with a {@link Result}. {@link #interrupt()}
 * plays a signal arriving: the call ends with EINTR and the device's interrupt
 * action runs, as on the fuse channel.
 */
public final class LoopbackReply implements Reply {
    private final CompletableFuture<Result> future = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Runnable onInterrupt;

    /**
     * The outcome of a call: an errno, or data / a count / an ioctl result.
     * A plain class rather than a record because it holds an array (a record
     * would compare and hash it by identity while looking like a value).
     */
    public static final class Result {
        private final Errno errno;
        private final byte[] data;
        private final int n;

        public Result(Errno errno, byte[] data, int n) {
            this.errno = errno;
            this.data = data;
            this.n = n;
        }

        /** The error the call ended with, or null if it succeeded. */
        public Errno errno() {
            return errno;
        }

        /** The bytes answered (read data, ioctl output), or null if none. Not copied. */
        public byte[] data() {
            return data;
        }

        /** The count answered (bytes written, ioctl result, or the data's length). */
        public int n() {
            return n;
        }

        public boolean ok() {
            return errno == null;
        }

        @Override
        public String toString() {
            return "Result[errno=" + errno + ", data=" + (data == null ? "null" : data.length + " bytes") + ", n=" + n
                    + "]";
        }
    }

    public CompletableFuture<Result> future() {
        return future;
    }

    private void finish(Result r) {
        if (done.compareAndSet(false, true)) {
            future.complete(r);
        }
    }

    private static byte[] copy(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Override
    public void error(Errno errno) {
        finish(new Result(errno, null, 0));
    }

    @Override
    public void ok() {
        finish(new Result(null, null, 0));
    }

    @Override
    public void data(ByteBuffer bytes) {
        finish(new Result(null, copy(bytes), bytes.remaining()));
    }

    @Override
    public void count(int n) {
        finish(new Result(null, null, n));
    }

    @Override
    public void ioctl(int result, ByteBuffer out) {
        finish(new Result(null, copy(out), result));
    }

    @Override
    public void onInterrupt(Runnable action) {
        onInterrupt = action;
        if (interrupted) {
            runInterrupt();
        }
    }

    private volatile boolean interrupted;
    private final AtomicBoolean interruptRan = new AtomicBoolean();

    /** A signal hit the caller: answers EINTR now; the device's later reply is ignored. */
    public void interrupt() {
        if (done.compareAndSet(false, true)) {
            interrupted = true;
            future.complete(new Result(Errno.EINTR, null, 0));
            runInterrupt();
        }
    }

    private void runInterrupt() {
        Runnable r = onInterrupt;
        if (r != null && interruptRan.compareAndSet(false, true)) {
            r.run();
        }
    }

    @Override
    public boolean isDone() {
        return done.get();
    }
}
