package org.fusd.host.driver;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.fusd.host.device.Errno;
import org.graalvm.polyglot.PolyglotException;

/**
 * What stops a device's running script: its budget (the {@link Watchdog}),
 * its caller's signal, the {@link MemoryGuard}, shutdown. A stop marks the
 * stretch of script code in {@link RunningScript}, answers its caller at
 * once, and interrupts the context on a thread of its own (an interrupt
 * waits for the script to leave); the device's thread then learns why its
 * script ended ({@link #stopped}) and says so once.
 */
final class Stops {
    private final ScriptDevice device;
    private final RunningScript run;
    private final DriverRuntime runtime;

    Stops(ScriptDevice device, RunningScript run, DriverRuntime runtime) {
        this.device = device;
        this.run = run;
        this.runtime = runtime;
    }

    /** The script's budget per call, timer or hook in ms (0: none): its export, else the host's. */
    long budgetMillis() {
        LoadedCode lc = device.running();
        long own = lc == null ? -1 : lc.callTimeoutMs;
        return own >= 0 ? own : runtime.callTimeoutMillis();
    }

    /** The watchdog's tick: stops what has run past its budget. Any thread. */
    void checkBudget(long now) {
        long s = run.seq();
        long ran = run.runningFor(now);
        long budget = budgetMillis();
        if (budget > 0 && ran > budget * 1_000_000L) {
            stop(s, RunningScript.Stop.BUDGET);
        }
    }

    /** The caller of c was interrupted by a signal: if c's callback runs now, it is cancelled. */
    void callerInterrupted(Invocation c) {
        long s = run.seq();
        if (run.call() == c) {
            stop(s, RunningScript.Stop.CALLER);
        }
    }

    /**
     * Stops stretch s of script code, if it still runs: its caller is
     * answered now (the channel answers EINTR itself for a signal), and its
     * context is interrupted on another thread. Any thread; never blocks.
     */
    void stop(long s, RunningScript.Stop why) {
        Object stopped = run.markStop(s, why);
        if (stopped == null) {
            return;
        }
        if (stopped instanceof Invocation c && why != RunningScript.Stop.CALLER) {
            c.reply.error(why.errno());
        }
        Thread.ofPlatform()
                .daemon()
                .name("fusd-stop-" + device.path().getFileName())
                .start(() -> interrupt(s));
    }

    /** How long an interrupt may take before the context is closed instead. */
    private static final Duration INTERRUPT_WAIT = Duration.ofMillis(Long.getLong("fusd.interruptWaitMs", 10_000));

    private void interrupt(long s) {
        run.interruptIfStill(s, () -> {
            LoadedCode lc = device.running();
            try {
                lc.context.interrupt(INTERRUPT_WAIT);
            } catch (TimeoutException e) {
                device.fault(
                        run.what() + " could not be interrupted within " + INTERRUPT_WAIT.toMillis()
                                + " ms (it waits outside the script); its context is closed",
                        Errno.EIO);
                try {
                    lc.context.close(true);
                } catch (RuntimeException closing) {
                    device.log("closing the context failed: " + closing);
                }
            } catch (IllegalStateException | PolyglotException e) {
                // the context is closed already: nothing runs in it
            }
        });
    }

    /**
     * If the stretch of script code that just ended was stopped, says so
     * (with where it was, from e) and returns true: the caller was answered
     * when it was stopped. Loop thread.
     */
    boolean stopped(String what, PolyglotException e, LoadedCode lc) {
        RunningScript.Stop why = run.stopped();
        if (why == null) {
            if (e != null && e.isResourceExhausted()) {
                Invocation c = run.call();
                device.outOfMemory(what, c != null && c.reply.isDone() ? null : c);
                return true;
            }
            return false;
        }
        String where = e == null ? null : LoadedCode.scriptWhere(e);
        String at = where != null ? " at " + where : "";
        switch (why) {
            case BUDGET ->
                runtime.log("fusd: " + lc.name + ": " + what + ": stopped" + at + ": it ran past its "
                        + budgetMillis() + " ms budget (--call-timeout, or export callTimeoutMs)"
                        + (run.call() != null ? "; the caller got ETIMEDOUT" : ""));
            case CALLER ->
                runtime.log("fusd: " + lc.name + ": " + what + ": cancelled" + at
                        + ": the caller was interrupted by a signal (EINTR)");
            case MEMORY, SHUTDOWN -> {
                // said once for the whole device
            }
        }
        return true;
    }
}
