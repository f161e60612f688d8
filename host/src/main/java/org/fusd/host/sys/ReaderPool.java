package org.fusd.host.sys;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that read one channel fd. Readers take turns: the one holding
 * the turn reads a request and handles it, then passes the turn on, so
 * requests are handled one at a time and in the order they were read, as by
 * a single reader (on fusd, for instance, a caller's INTERRUPT must reach the
 * device before that caller's next write).
 *
 * A device that is idle runs a call right on the reader that read it, which
 * is the fast path; that call may compute for long (a script), and says so
 * with {@link #mayRunLong}. When the reader holding the turn has run such a
 * call for longer than {@link #STALL_NANOS}, the turn is taken from it and
 * passed to another reader, started if none waits (the order of requests to
 * that device is then kept by the device's own queue): one slow device never holds up the other
 * devices, nor the INTERRUPT that would cancel its own call. A reader started
 * that way exits after a request when another reader waits, so the pool
 * shrinks back once the stall ends. The stall check is armed only while a
 * request is handled: an idle host never wakes for it.
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
    /** Threads waiting for the turn or, holding it, in next(). */
    private final AtomicInteger waiting = new AtomicInteger();
    /** The one permit to read and handle a request. */
    private final Semaphore turn = new Semaphore(1);

    private final AtomicInteger started = new AtomicInteger();
    private volatile boolean ended;
    /** The last reader has left and onEnd has run. */
    private boolean finished; // under this

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

    /** Waits up to millis for every reader to leave (and onEnd to run); true if they did. */
    public boolean await(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (this) {
            while (!finished) {
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

    /** A stall check runs in delayNanos (at most one is pending). */
    private void armCheck(long delayNanos) {
        if (armed.compareAndSet(false, true)) {
            var unused = CHECKS.schedule(this::checkStall, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** If the turn holder has been busy for STALL_NANOS, takes the turn from it and passes it on. */
    private void checkStall() {
        armed.set(false);
        if (!isRunning()) {
            return;
        }
        long now = System.nanoTime();
        for (Worker w : workers) {
            long since = w.busySince;
            if (!w.holdsTurn) {
                continue;
            }
            if (since == 0) {
                if (w.handling) {
                    armCheck(STALL_NANOS); // it handles a request but runs no long call (yet)
                }
                return;
            }
            if (now - since < STALL_NANOS) {
                armCheck(STALL_NANOS - (now - since));
                return;
            }
            if (waiting.get() == 0 && !startReader()) {
                armCheck(STALL_NANOS); // none to pass the turn to: try again soon
                return;
            }
            w.passTurn();
            return;
        }
    }

    /** Starts one more reader for a stall; false if the pool is full or there is no memory for it. */
    private boolean startReader() {
        if (alive.get() >= max) {
            if (!warned) {
                warned = true;
                System.err.println("fusd: " + name + ": all " + max
                        + " reader threads are busy with slow calls; other calls wait");
            }
            return false;
        }
        try {
            spawn(false);
            return true;
        } catch (OutOfMemoryError e) {
            return false;
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
            try {
                if (onEnd != null) {
                    onEnd.run();
                }
            } finally {
                synchronized (this) {
                    finished = true;
                    notifyAll();
                }
            }
        }
    }

    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

    /**
     * The calling thread, if it is a reader, starts (true) or ends (false) a
     * call that may run long, such as a device's code run inline: only then
     * may its turn be passed on. Anything else a reader does (an INTERRUPT, a
     * reply) keeps the turn, so requests keep their order.
     */
    public static void mayRunLong(boolean starts) {
        Worker w = CURRENT.get();
        if (w != null) {
            w.busySince = starts ? System.nanoTime() | 1 : 0;
        }
    }

    private final class Worker implements Runnable {
        private final boolean isCore;
        /** System.nanoTime() when a call that may run long started on this reader; 0 if none runs. */
        volatile long busySince;
        /** This reader has the turn (a stall check may take it away). */
        volatile boolean holdsTurn;
        /** Between a request's arrival and the end of its handling. */
        volatile boolean handling;

        private final AtomicBoolean turnHeld = new AtomicBoolean();

        Worker(boolean isCore) {
            this.isCore = isCore;
        }

        private void takeTurn() {
            turn.acquireUninterruptibly();
            turnHeld.set(true);
            holdsTurn = true;
        }

        /** Gives the turn back, once, whether this reader or a stall check does it. */
        void passTurn() {
            if (turnHeld.compareAndSet(true, false)) {
                holdsTurn = false;
                turn.release();
            }
        }

        @Override
        public void run() {
            Reader r = readers.get();
            CURRENT.set(this);
            workers.add(this);
            try {
                while (true) {
                    waiting.incrementAndGet();
                    boolean more;
                    try {
                        takeTurn();
                        more = r.next();
                    } finally {
                        waiting.decrementAndGet();
                    }
                    if (!more) {
                        ended = true; // before leave(): whichever thread leaves last sees it
                        passTurn(); // the others see the end too
                        return;
                    }
                    handling = true;
                    armCheck(STALL_NANOS);
                    try {
                        r.handle();
                    } catch (OutOfMemoryError e) {
                        // The heap filled while this request was handled (the memory guard stops the
                        // script that filled it): the reader must live on, or the connection hangs.
                        System.err.println("fusd: " + name + ": out of memory while handling a request");
                    } finally {
                        handling = false;
                        busySince = 0;
                        passTurn();
                    }
                    if (!isCore && waiting.get() > 0) {
                        return; // the stall is over: another reader waits already
                    }
                }
            } finally {
                passTurn();
                workers.remove(this);
                r.close();
                leave();
            }
        }
    }
}
