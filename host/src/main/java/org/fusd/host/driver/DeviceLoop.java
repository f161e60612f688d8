package org.fusd.host.driver;

import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.fusd.host.sys.ReaderPool;

/**
 * Who may be inside a device's script, and the device's own thread.
 *
 * One thread at a time owns the device (the {@link #owner} CAS): only the
 * owner enters the script's context or touches what ScriptDevice keeps for
 * it. A channel thread whose call finds the device idle (no owner, nothing
 * queued, the loop not waiting for it) takes ownership and runs the call
 * itself, with no hand-off: {@link #execute}. Otherwise the call is queued
 * and the loop thread runs it. Timers, reloads, interrupts and everything else
 * submitted run on the loop thread, which takes ownership for each batch; while
 * it waits for ownership, callers queue behind it (no starvation).
 *
 * The loop outlives the code it runs: a reload swaps the device's code and the
 * loop keeps going.
 *
 * {@link #stop()}: the loop runs what is queued, then exits; timers are
 * dropped. No task is ever lost: one submitted after the loop has exited runs
 * on the submitting thread, at once, owning the device (so a device must make
 * its tasks answer sensibly once it is closed).
 */
final class DeviceLoop implements Runnable {

    /** Busy-wait this long after the last task before parking (a round trip's worth). */
    private static final long SPIN_NANOS = Long.getLong("fusd.loop.spinNanos", 20_000);
    /** Calls may run on the calling thread when the device is idle ({@code -Dfusd.inline=false}: never). */
    private static final boolean INLINE = !"false".equals(System.getProperty("fusd.inline"));

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(); // owner only
    private final Consumer<Throwable> onCrash;
    private final Thread thread;
    private volatile boolean parked;
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    /** The loop has work and waits for an inline caller to leave: callers queue meanwhile. */
    private volatile boolean loopWaiting;
    /** An inline caller changed the timers: the loop recomputes when to wake. */
    private volatile boolean timersChanged;

    private volatile boolean stopping;
    /** The loop thread has exited: tasks run on the threads that submit them. */
    private volatile boolean exited;

    private long nextTimerSeq; // owner only

    DeviceLoop(String name, Consumer<Throwable> onCrash) {
        this.onCrash = onCrash;
        this.thread = new Thread(this, "fusd-device-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** True on the thread that owns the device now (the loop, or a caller running a call inline). */
    boolean inLoop() {
        return owner.get() == Thread.currentThread();
    }

    /**
     * Runs task right here if the device is idle, else queues it for the loop
     * (after the tasks already queued, so calls keep their order). Any thread.
     */
    void execute(Runnable task) {
        Thread me = Thread.currentThread();
        if (!INLINE || stopping || loopWaiting || me == thread || !tasks.isEmpty() || !owner.compareAndSet(null, me)) {
            submit(task);
            return;
        }
        try {
            if (!tasks.isEmpty()) {
                tasks.add(task); // queued meanwhile: keep the order, the loop runs it
            } else {
                ReaderPool.mayRunLong(true); // a script: a channel reader's turn may pass on meanwhile
                try {
                    runSafely(task);
                } finally {
                    ReaderPool.mayRunLong(false);
                }
            }
        } finally {
            owner.set(null);
            if (exited) {
                drain(); // the task queued above if the loop exited meanwhile
            } else if (loopWaiting || timersChanged || !tasks.isEmpty()) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Runs task on the loop thread, after the tasks already queued. Any thread. */
    void submit(Runnable task) {
        tasks.add(task);
        if (exited) {
            drain();
        } else if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** How many tasks of this kind wait in the queue now (status; any thread, approximate). */
    int queued(Class<?> kind) {
        int n = 0;
        for (Runnable t : tasks) {
            if (kind.isInstance(t)) {
                n++;
            }
        }
        return n;
    }

    /** Stops after the queued tasks; pending timers are dropped. Tasks submitted later run on their caller. */
    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** A timer firing after delayMillis, then every periodMillis if that is > 0. Owner only; it fires on the loop thread. */
    Timer schedule(Runnable action, long delayMillis, long periodMillis) {
        if (Thread.currentThread() != thread) {
            timersChanged = true; // set inline: the loop may be parked until a later timer
        }
        Timer t = new Timer(
                action,
                System.nanoTime() + Math.max(0, delayMillis) * 1_000_000L,
                periodMillis > 0 ? Math.max(1, periodMillis) * 1_000_000L : 0,
                ++nextTimerSeq);
        timers.add(t);
        return t;
    }

    /** Cancels t (no-op if already fired or cancelled). Owner only. */
    void cancel(Timer t) {
        timers.remove(t);
    }

    /** Cancels every timer (a reload drops the old code's timers). Owner only. */
    void cancelAllTimers() {
        timers.clear();
    }

    @Override
    public void run() {
        while (true) {
            boolean hasTimer;
            long nextDue;
            acquire();
            try {
                timersChanged = false;
                while (true) {
                    Runnable task = tasks.poll();
                    if (task != null) {
                        runSafely(task);
                    } else if (!runDueTimers(System.nanoTime())) {
                        break;
                    }
                }
                Timer next = timers.peek();
                hasTimer = next != null;
                nextDue = hasTimer ? next.due : 0;
            } finally {
                owner.set(null);
            }
            if (stopping && tasks.isEmpty()) {
                exited = true;
                drain(); // what was submitted before it saw exited
                return;
            }
            waitForWork(hasTimer, nextDue);
        }
    }

    /**
     * After the loop exited: runs the queued tasks on this thread, owning the
     * device. A task that submits another returns to the drain already running.
     */
    private void drain() {
        Thread me = Thread.currentThread();
        if (owner.get() == me) {
            return;
        }
        while (!tasks.isEmpty()) {
            if (!owner.compareAndSet(null, me)) {
                LockSupport.parkNanos(this, 10_000); // another thread drains: let it finish
                continue;
            }
            try {
                for (Runnable t; (t = tasks.poll()) != null; ) {
                    runSafely(t);
                }
            } finally {
                owner.set(null);
            }
        }
    }

    /** True while the loop thread is parked, owning nothing (tests wait for it to be idle). */
    boolean isParked() {
        return parked;
    }

    /** True while the loop has work and waits for an inline caller to leave (tests). */
    boolean isWaitingForOwner() {
        return loopWaiting;
    }

    /** Takes ownership for the loop thread, waiting for an inline caller to leave. */
    private void acquire() {
        if (owner.compareAndSet(null, thread)) {
            return;
        }
        loopWaiting = true;
        try {
            for (int spins = 0; !owner.compareAndSet(null, thread); spins++) {
                if (spins < 200) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 100_000); // the leaving caller unparks us
                }
            }
        } finally {
            loopWaiting = false;
        }
    }

    /** Waits without owning: for a task, a timer change made inline, or the next timer. */
    private void waitForWork(boolean hasTimer, long nextDue) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (idle() && System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
        }
        if (!idle()) {
            return;
        }
        parked = true;
        try {
            if (!idle()) {
                return;
            }
            if (!hasTimer) {
                LockSupport.park(this);
            } else {
                long wait = nextDue - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        } finally {
            parked = false;
        }
    }

    private boolean idle() {
        return tasks.isEmpty() && !stopping && !timersChanged;
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

    /** Runs f on the loop thread (here, if this thread owns the device) and waits; its exception is rethrown. */
    <T> T callAndWait(Supplier<T> f) {
        if (inLoop()) {
            return f.get();
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        submit(() -> {
            try {
                done.complete(f.get());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the device thread", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
