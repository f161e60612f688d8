package org.fusd.host.testing;

import java.nio.charset.StandardCharsets;
import org.fusd.host.device.ErrnoException;
import org.graalvm.polyglot.HostAccess;

/**
 * A {@link ClientCall} as a test script's prelude sees it (the JS and Python
 * `Pending` classes wrap it): ask whether it ended, interrupt it, take its
 * {@link Outcome}. Plain values only cross, so both languages read them alike.
 */
public final class GuestCall {
    private final ClientCall call;

    GuestCall(ClientCall call) {
        this.call = call;
    }

    @HostAccess.Export
    public boolean done() {
        return call.isDone();
    }

    @HostAccess.Export
    public boolean awaitDone(int millis) {
        return call.awaitDone(millis);
    }

    @HostAccess.Export
    public void interrupt() {
        call.interrupt();
    }

    /** Waits for the call (at most {@link ClientCall#TIMEOUT_MS}) and tells how it ended. */
    @HostAccess.Export
    public Outcome outcome() {
        try {
            return Outcome.of(call.what(), call.await());
        } catch (ErrnoException e) {
            return Outcome.failed(call.what(), e);
        } catch (ClientCall.StuckCallException e) {
            return Outcome.problem(call.what(), e.getMessage());
        } catch (RuntimeException e) {
            return Outcome.problem(call.what(), call.what() + ": " + e.getMessage());
        }
    }

    /**
     * How a call ended: an errno (errno, number), a problem that is no errno
     * (a call that never returned, the client gone), or a value: number (a
     * count, a file, a result, a mask), bytes (as a Latin-1 string: one char
     * per byte crosses into both languages in one piece) and text (the bytes
     * as UTF-8).
     */
    public static final class Outcome {
        @HostAccess.Export
        public final String call;

        @HostAccess.Export
        public final String errno;

        @HostAccess.Export
        public final String problem;

        @HostAccess.Export
        public final double number;

        @HostAccess.Export
        public final String bytes;

        @HostAccess.Export
        public final String text;

        private Outcome(String call, String errno, String problem, double number, byte[] bytes) {
            this.call = call;
            this.errno = errno;
            this.problem = problem;
            this.number = number;
            this.bytes = bytes == null ? null : new String(bytes, StandardCharsets.ISO_8859_1);
            this.text = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
        }

        static Outcome of(String call, Object value) {
            return switch (value) {
                case byte[] b -> new Outcome(call, null, null, b.length, b);
                case ClientCall.IoctlResult r -> new Outcome(call, null, null, r.result(), r.out());
                case Number n -> new Outcome(call, null, null, n.doubleValue(), null);
                default -> new Outcome(call, null, null, 0, null);
            };
        }

        static Outcome failed(String call, ErrnoException e) {
            return new Outcome(call, e.errno().name(), null, e.errno().number(), null);
        }

        static Outcome problem(String call, String message) {
            return new Outcome(call, null, message, 0, null);
        }
    }
}
