package org.fusd.host.driver;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.fusd.host.device.Errno;

/**
 * What a device's script runs now (a callback, a timer, a hook, the top
 * level), as the threads that may stop it see it: the watchdog (budget), an
 * INTERRUPT from the caller, the memory guard, shutdown. The owning thread
 * marks each stretch of script code with {@link #begin} and {@link #end};
 * another thread asks for it to stop ({@link #markStop}), and the owner learns why its
 * script was interrupted from {@link #stopped()}.
 *
 * A stop names the stretch it is for (its sequence number), so that a stop
 * arriving late never hits the next call: the interrupt is delivered under
 * the lock that {@link #begin} takes.
 */
final class RunningScript {

    /** Why a script was stopped, and what the caller it ran for is answered. */
    enum Stop {
        /** It ran longer than its budget. */
        BUDGET,
        /** Its caller was interrupted by a signal. */
        CALLER,
        /** The host ran short of memory and this script was the one growing. */
        MEMORY,
        /** The host is shutting down. */
        SHUTDOWN;

        /**
         * What its caller gets: ETIMEDOUT names what happened (EIO would look
         * like the script's own failure); EINTR is what the channel answers
         * for a signal; ENODEV as for a device that went away.
         */
        Errno errno() {
            return switch (this) {
                case BUDGET -> Errno.ETIMEDOUT;
                case CALLER -> Errno.EINTR;
                case MEMORY -> Errno.ENOMEM;
                case SHUTDOWN -> Errno.ENODEV;
            };
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Object lock = new Object();
    private volatile long seq;
    /** System.nanoTime() at begin; 0 while no script code runs. */
    private volatile long startedAt;

    private volatile String what;
    private volatile Invocation call;
    private volatile Thread thread;
    private final AtomicReference<Mark> mark = new AtomicReference<>();
    private volatile long allocatedAtStart;
    /** Bytes the owner threads allocated inside script code, ever (the memory guard's measure). */
    private final AtomicLong allocated = new AtomicLong();

    /** Script code starts to run on this thread: for call (null for timers, hooks, loading). */
    long begin(String what, Invocation call) {
        synchronized (lock) {
            this.what = what;
            this.call = call;
            this.thread = Thread.currentThread();
            allocatedAtStart = THREADS.getCurrentThreadAllocatedBytes();
            long s = seq + 1;
            seq = s;
            startedAt = System.nanoTime() | 1; // never 0
            return s;
        }
    }

    /** The script code begun last has returned (or thrown). Owner only. */
    void end() {
        startedAt = 0;
        if (counts() && stopped() == null) { // a stopped stretch's memory is freed with it
            allocated.addAndGet(THREADS.getCurrentThreadAllocatedBytes() - allocatedAtStart);
        }
    }

    private boolean counts() {
        return !LOAD.equals(what);
    }

    /** The name of the stretch that evaluates a script's top level. */
    static final String LOAD = "load";

    /** Why the stretch begun last was stopped, or null. */
    Stop stopped() {
        Mark m = mark.get();
        return m != null && m.seq == seq ? m.why : null;
    }

    /** A stop asked for stretch number seq. */
    private record Mark(long seq, Stop why) {}

    /** True while script code runs. */
    boolean running() {
        return startedAt != 0;
    }

    /** Nanoseconds the running stretch has run, or -1 if none runs. */
    long runningFor(long now) {
        long t = startedAt;
        return t == 0 ? -1 : now - t;
    }

    long seq() {
        return seq;
    }

    String what() {
        return what;
    }

    Invocation call() {
        return call;
    }

    /**
     * Marks stretch number s as stopped for why, if it still runs and no
     * other stop came first. Returns the call it ran for (or the stretch's
     * name as a non-null marker: {@link #NO_CALL}), or null if this stop was
     * not the first. The caller then answers the call and interrupts the
     * context ({@link #interruptIfStill}). Never blocks.
     */
    Object markStop(long s, Stop why) {
        while (true) {
            Mark m = mark.get();
            if ((m != null && m.seq == s) || seq != s || startedAt == 0) {
                return null;
            }
            Invocation c = call;
            if (mark.compareAndSet(m, new Mark(s, why))) {
                return seq == s && c != null ? c : NO_CALL;
            }
        }
    }

    /** markStop's answer for a stretch that runs for no call (a timer, a hook, loading). */
    static final Object NO_CALL = new Object();

    /**
     * Runs interrupt while stretch s still runs, holding the lock that the
     * next {@link #begin} takes: the interrupt cannot reach another stretch.
     */
    void interruptIfStill(long s, Runnable interrupt) {
        synchronized (lock) {
            if (seq == s && startedAt != 0) {
                interrupt.run();
            }
        }
    }

    /**
     * Bytes allocated in script code so far, the running stretch included;
     * loading does not count (a context's start allocates much and keeps it).
     */
    long allocated() {
        long total = allocated.get();
        Thread t = thread;
        if (startedAt != 0 && t != null && counts()) {
            long now = THREADS.getThreadAllocatedBytes(t.threadId());
            if (now > 0) {
                total += Math.max(0, now - allocatedAtStart);
            }
        }
        return total;
    }
}
