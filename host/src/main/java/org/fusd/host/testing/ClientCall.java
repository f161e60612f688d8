package org.fusd.host.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;

/**
 * One system call a test client made on the device: answered later with a
 * value (a handle, bytes, a count, an {@link IoctlResult}) or an errno. A
 * test waits for it, or interrupts it as a signal would.
 */
public final class ClientCall {
    /** What a blocking call waits for before the test fails: a driver that never answers must not hang a grader. */
    public static final long TIMEOUT_MS = Long.getLong("fusd.test.timeoutMs", 10_000);

    /** The answer of an ioctl: its result and the bytes copied back (null for commands without _IOC_READ). */
    public static final class IoctlResult {
        private final int result;
        private final byte[] out;

        public IoctlResult(int result, byte[] out) {
            this.result = result;
            this.out = out;
        }

        public int result() {
            return result;
        }

        /** Not copied. */
        public byte[] out() {
            return out;
        }
    }

    private final String what;
    private final CompletableFuture<Object> answer;
    private final Runnable interrupter;

    /**
     * @param what the call as a test would write it, for messages ("read(4)")
     * @param answer completes with the value, or exceptionally with an ErrnoException
     * @param interrupter plays a signal hitting the caller
     */
    public ClientCall(String what, CompletableFuture<Object> answer, Runnable interrupter) {
        this.what = what;
        this.answer = answer;
        this.interrupter = interrupter;
    }

    /** A call that has already ended. */
    public static ClientCall done(String what, Object value) {
        return new ClientCall(what, CompletableFuture.completedFuture(value), () -> {});
    }

    /** The same call, telling action its value first (before anyone waiting sees it). */
    public ClientCall then(java.util.function.Consumer<Object> action) {
        return new ClientCall(
                what,
                answer.thenApply(v -> {
                    action.accept(v);
                    return v;
                }),
                interrupter);
    }

    public String what() {
        return what;
    }

    public boolean isDone() {
        return answer.isDone();
    }

    /** True if the call ended within millis. */
    public boolean awaitDone(long millis) {
        try {
            answer.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return answer.isDone();
        }
    }

    /** Sends the caller a signal: a call still waiting in the driver ends with EINTR if the driver lets it go. */
    public void interrupt() {
        if (!answer.isDone()) {
            interrupter.run();
        }
    }

    /**
     * The value; an errno is thrown as ErrnoException; a call still waiting
     * after {@link #TIMEOUT_MS} throws {@link StuckCallException}.
     */
    public Object await() {
        try {
            return answer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new StuckCallException(what + " did not return within " + TIMEOUT_MS
                    + " ms (the driver never answered it; to test a call that blocks, start it with"
                    + " startRead/start_read... and interrupt it or make it return)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A call that did not return in time: the test fails, whatever it catches. */
    public static final class StuckCallException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StuckCallException(String message) {
            super(message);
        }
    }
}
