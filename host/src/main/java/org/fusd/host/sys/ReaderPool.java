package org.fusd.host.sys;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that read one channel fd. Usually a single one: a device that
 * is idle runs a call right on the reader that read it, which is the fast
 * path. That call may compute for long (a script), so one more reader starts
 * when every reader has been busy with one request for longer than
 * {@link #STALL_NANOS}: one slow device never holds up the other devices, nor
 * the INTERRUPT that would cancel its own call. A reader started that way
 * exits after its request when another reader is already waiting, so the pool
 * shrinks back once the stall ends.
 *
 * The check is armed only while no reader waits (at most one pending per
 * pool, re-armed until a reader waits again): an idle host never wakes for it.
 */
public final class ReaderPool {
    /** A request handled this long by every reader counts as a stall. */
    static final long STALL_NANOS = Long.getLong("fusd.readers.stallMicros", 2_000) * 1_000L;

    private static final ScheduledExecutorService CHECKS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fusd-reader-check");
        t.setDaemon(true);
        return t;
    });

    /** What one reader thread does; each thread gets its own (its own request buffer). */
    public interface Reader {
        /** Waits for the next request; false once the connection has ended. */
        boolean next();

        /** Handles the request next() returned. */
        void handle();

        /** The thread leaves the pool (gives back what it holds). */
        default void close() {}
    }

    private final String name;
    private final int core;
    private final int max;
    private final Supplier<Reader> readers;
    private final Runnable onEnd;
    private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
    /** Threads alive; the one that brings it to 0 runs onEnd. Negative once ended: no thread may start. */
    private final AtomicInteger alive = new AtomicInteger();
    /** Threads waiting in next(). */
    private final AtomicInteger waiting = new AtomicInteger();

    private final AtomicInteger started = new AtomicInteger();
    private volatile boolean ended;
    private volatile boolean warned;
    /** A stall check is scheduled. */
    private final AtomicBoolean armed = new AtomicBoolean();

    /**
     * core threads start with {@link #start()} and stay until the connection
     * ends; at most max run at once. onEnd runs once, on the last thread to
     * leave after the connection ended.
     */
    public ReaderPool(String name, int core, int max, Supplier<Reader> readers, Runnable onEnd) {
        this.name = name;
        this.core = Math.max(1, core);
        this.max = Math.max(this.core, max);
        this.readers = readers;
        this.onEnd = onEnd;
    }

    public synchronized void start() {
        for (int i = 0; i < core; i++) {
            spawn(true);
        }
    }

    /** True while a reader thread runs. */
    public boolean isRunning() {
        return alive.get() > 0;
    }

    /** Reader threads alive now (tests, diagnostics). */
    public int threads() {
        return Math.max(0, alive.get());
    }

    /** Waits up to millis for every reader to leave; true if they did. */
    public boolean await(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (this) {
            while (isRunning()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** A reader took a request and none is left waiting: a stall check runs in STALL_NANOS. */
    private void armCheck(long delayNanos) {
        if (armed.compareAndSet(false, true)) {
            var unused = CHECKS.schedule(this::checkStall, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkStall() {
        armed.set(false);
        if (waiting.get() > 0 || !isRunning()) {
            return;
        }
        long now = System.nanoTime();
        long youngest = Long.MAX_VALUE;
        for (Worker w : workers) {
            long since = w.busySince;
            if (since == 0) {
                return; // a reader is about to wait again
            }
            youngest = Math.min(youngest, now - since);
        }
        if (youngest < STALL_NANOS) {
            armCheck(STALL_NANOS - youngest); // not every reader has been busy long enough yet
            return;
        }
        if (alive.get() >= max) {
            if (!warned) {
                warned = true;
                System.err.println("fusd: " + name + ": all " + max
                        + " reader threads are busy with slow calls; other calls wait");
            }
            armCheck(STALL_NANOS);
            return;
        }
        try {
            spawn(false);
        } catch (OutOfMemoryError e) {
            armCheck(STALL_NANOS); // no memory for a thread now: try again soon
        }
    }

    private void spawn(boolean isCore) {
        int n;
        do {
            n = alive.get();
            if (n < 0 || (n == 0 && !isCore)) {
                return; // the connection has ended
            }
        } while (!alive.compareAndSet(n, n + 1));
        try {
            Worker w = new Worker(isCore);
            int index = started.getAndIncrement();
            Thread t = new Thread(w, index == 0 ? name : name + "-" + index);
            t.setDaemon(true);
            t.start();
        } catch (OutOfMemoryError e) {
            alive.decrementAndGet();
            throw e;
        }
    }

    private void leave() {
        if (alive.decrementAndGet() == 0 && ended) {
            alive.set(-1);
            synchronized (this) {
                notifyAll();
            }
            if (onEnd != null) {
                onEnd.run();
            }
        }
    }

    private final class Worker implements Runnable {
        private final boolean isCore;
        /** System.nanoTime() when the current request arrived; 0 while waiting. */
        volatile long busySince;

        Worker(boolean isCore) {
            this.isCore = isCore;
        }

        @Override
        public void run() {
            Reader r = readers.get();
            workers.add(this);
            try {
                while (true) {
                    waiting.incrementAndGet();
                    boolean more;
                    try {
                        more = r.next();
                    } finally {
                        waiting.decrementAndGet();
                    }
                    if (!more) {
                        ended = true; // before leave(): whichever thread leaves last sees it
                        return;
                    }
                    busySince = System.nanoTime() | 1; // never 0
                    if (waiting.get() == 0) {
                        armCheck(STALL_NANOS);
                    }
                    try {
                        r.handle();
                    } catch (OutOfMemoryError e) {
                        // The heap filled while this request was handled (the memory guard stops the
                        // script that filled it): the reader must live on, or the connection hangs.
                        System.err.println("fusd: " + name + ": out of memory while handling a request");
                    } finally {
                        busySince = 0;
                    }
                    if (!isCore && waiting.get() > 0) {
                        return; // the stall is over: another reader waits already
                    }
                }
            } finally {
                workers.remove(this);
                r.close();
                leave();
            }
        }
    }
}
