package org.fusd.host.driver;

import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The one thread a device's script runs on. Channel threads hand it calls
 * through a lock-free queue; the loop spins briefly before parking, so a burst
 * of calls (one caller after another) costs no futex wake-up each. Timers
 * live here too: they are only ever touched by the loop thread itself.
 *
 * The loop outlives the code it runs: a reload swaps the device's code and the
 * loop keeps going.
 */
final class DeviceLoop implements Runnable {

    /** Busy-wait this long after the last task before parking (a round trip's worth). */
    private static final long SPIN_NANOS = Long.getLong("fusd.loop.spinNanos", 20_000);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();   // loop thread only
    private final Consumer<Throwable> onCrash;
    private final Thread thread;
    private volatile boolean parked;
    private volatile boolean stopping;
    private long nextTimerSeq;                                           // loop thread only

    DeviceLoop(String name, Consumer<Throwable> onCrash) {
        this.onCrash = onCrash;
        this.thread = new Thread(this, "fusd-device-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs task on the loop thread, after the tasks already queued. Any thread. */
    void submit(Runnable task) {
        tasks.add(task);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Stops after the queued tasks; pending timers are dropped. */
    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** A timer firing after delayMillis, then every periodMillis if that is > 0. Loop thread only. */
    Timer schedule(Runnable action, long delayMillis, long periodMillis) {
        Timer t = new Timer(action, System.nanoTime() + Math.max(0, delayMillis) * 1_000_000L,
                periodMillis > 0 ? Math.max(1, periodMillis) * 1_000_000L : 0, ++nextTimerSeq);
        timers.add(t);
        return t;
    }

    /** Cancels t (no-op if already fired or cancelled). Loop thread only. */
    void cancel(Timer t) {
        t.cancelled = true;
        timers.remove(t);
    }

    /** Cancels every timer (a reload drops the old code's timers). Loop thread only. */
    void cancelAllTimers() {
        for (Timer t : timers) {
            t.cancelled = true;
        }
        timers.clear();
    }

    @Override
    public void run() {
        while (true) {
            Runnable task = tasks.poll();
            if (task != null) {
                runSafely(task);
                continue;
            }
            long now = System.nanoTime();
            if (runDueTimers(now)) {
                continue;
            }
            if (stopping) {
                return;
            }
            waitForWork(now);
        }
    }

    private void waitForWork(long now) {
        long spinUntil = now + SPIN_NANOS;
        while (tasks.isEmpty() && System.nanoTime() < spinUntil && !stopping) {
            Thread.onSpinWait();
        }
        if (!tasks.isEmpty() || stopping) {
            return;
        }
        parked = true;
        try {
            if (!tasks.isEmpty() || stopping) {
                return;
            }
            Timer next = timers.peek();
            if (next == null) {
                LockSupport.park(this);
            } else {
                long wait = next.due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        } finally {
            parked = false;
        }
    }

    private boolean runDueTimers(long now) {
        Timer t = timers.peek();
        if (t == null || t.due - now > 0) {
            return false;
        }
        timers.poll();
        if (t.period > 0) {
            t.due = Math.max(t.due + t.period, now);
            timers.add(t);
        }
        runSafely(t.action);
        return true;
    }

    private void runSafely(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            onCrash.accept(e);
        }
    }

    /** A pending timer. Ordered by due time, then by creation. */
    static final class Timer implements Comparable<Timer> {
        final Runnable action;
        final long period;
        final long seq;
        long due;
        boolean cancelled;

        Timer(Runnable action, long due, long period, long seq) {
            this.action = action;
            this.due = due;
            this.period = period;
            this.seq = seq;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due - o.due, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
