package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DeviceLoop on its own: who runs a task (the caller or the loop thread),
 * in which order, timers, and what stop does with work still queued. Every
 * wait is on state; the timeouts only fail a test that would otherwise hang.
 */
class DeviceLoopTest {
    private static final long GUARD_S = 10;

    private final List<Throwable> crashes = new CopyOnWriteArrayList<>();
    private final List<String> order = new CopyOnWriteArrayList<>();
    private DeviceLoop loop;
    private Thread loopThread;

    @BeforeEach
    void start() throws Exception {
        loop = new DeviceLoop("test", crashes::add);
        loop.start();
        loopThread = onLoop(Thread::currentThread);
    }

    @AfterEach
    void stop() throws Exception {
        loop.stop();
        loop.join(GUARD_S * 1000);
        assertFalse(loopThread.isAlive(), "the loop thread exits on stop");
        assertEquals(List.of(), crashes);
    }

    /** Runs f on the loop thread (submit: never inline) and returns its result. */
    private <T> T onLoop(java.util.function.Supplier<T> f) throws Exception {
        CompletableFuture<T> r = new CompletableFuture<>();
        loop.submit(() -> r.complete(f.get()));
        return r.get(GUARD_S, TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_S);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(50_000); // poll the state; the deadline only guards against a hang
        }
    }

    private static void await(CountDownLatch l, String what) throws InterruptedException {
        assertTrue(l.await(GUARD_S, TimeUnit.SECONDS), "timed out waiting until " + what);
    }

    private void awaitIdle() throws InterruptedException {
        await(loop::isParked, "the loop is parked");
    }

    /** A task that records its name and thread. */
    private Runnable task(String name, AtomicReference<Thread> ranOn) {
        return () -> {
            if (ranOn != null) {
                ranOn.set(Thread.currentThread());
            }
            order.add(name);
        };
    }

    /** Starts a thread whose call runs inline and holds the device until released. */
    private Thread holdInline(CountDownLatch holding, CountDownLatch release, Runnable inside) throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Thread t = new Thread(() -> loop.execute(() -> {
            ranOn.set(Thread.currentThread());
            if (inside != null) {
                inside.run();
            }
            holding.countDown();
            try {
                release.await(GUARD_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        awaitIdle();
        t.start();
        await(holding, "the inline call holds the device");
        assertSame(t, ranOn.get(), "the call ran inline on its caller");
        return t;
    }

    @Test
    void aCallRunsInlineWhenTheDeviceIsIdle() throws Exception {
        awaitIdle();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        loop.execute(() -> {
            ranOn.set(Thread.currentThread());
            order.add("inline:" + loop.inLoop());
        });
        assertSame(Thread.currentThread(), ranOn.get());
        assertEquals(List.of("inline:true"), order, "the caller owns the device while its call runs");
        assertFalse(loop.inLoop(), "and gives it back after");
    }

    @Test
    void callsQueueInOrderWhileTheDeviceIsBusyAndTheLoopRunsThemAfter() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = holdInline(holding, release, () -> order.add("a"));
        AtomicReference<Thread> b = new AtomicReference<>();
        AtomicReference<Thread> c = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(task("b", b));
        loop.execute(task("c", c));
        loop.execute(ran::countDown);
        assertEquals(List.of("a"), order, "b and c wait while a owns the device");
        release.countDown();
        await(ran, "the queued calls ran");
        holder.join(GUARD_S * 1000);
        assertEquals(List.of("a", "b", "c"), order);
        assertSame(loopThread, b.get(), "a queued call runs on the loop thread");
        assertSame(loopThread, c.get());
    }

    @Test
    void aCallerArrivingWhileTheLoopWaitsForOwnershipQueuesBehindIt() throws Exception {
        // The loop parks until a timer is due; an inline call holds the device past that time.
        CountDownLatch callerDone = new CountDownLatch(1);
        AtomicReference<Thread> timerOn = new AtomicReference<>();
        DeviceLoop.Timer timer = onLoop(() -> loop.schedule(
                () -> {
                    timerOn.set(Thread.currentThread());
                    try {
                        callerDone.await(GUARD_S, TimeUnit.SECONDS); // hold the device until e was executed
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    order.add("timer");
                },
                50,
                0));
        AtomicReference<Thread> eOn = new AtomicReference<>();
        CountDownLatch eRan = new CountDownLatch(1);
        Thread caller = new Thread(() -> {
            loop.execute(() -> {
                try {
                    // Due, so the loop runs it as soon as it owns the device (it may also have woken early).
                    await(() -> System.nanoTime() - timer.due >= 0, "the timer is due");
                    await(loop::isWaitingForOwner, "the loop waits for the device");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                order.add("d");
            });
            // The device is free again, but the loop asked first: this call queues behind it.
            loop.execute(() -> {
                eOn.set(Thread.currentThread());
                order.add("e");
                eRan.countDown();
            });
            callerDone.countDown();
        });
        awaitIdle();
        caller.start();
        await(eRan, "e ran");
        caller.join(GUARD_S * 1000);
        // The loop runs its queue before due timers, so e may come before or after the timer.
        await(() -> order.size() == 3, "the timer ran"); // after e, if e came first
        assertEquals("d", order.get(0));
        assertEquals(java.util.Set.of("d", "timer", "e"), java.util.Set.copyOf(order));
        assertSame(loopThread, timerOn.get());
        assertSame(loopThread, eOn.get(), "e was queued, not run inline ahead of the waiting loop");
    }

    @Test
    void afterAnInlineCallTheLoopRunsWorkSubmittedMeanwhile() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Thread> on = new AtomicReference<>();
        Thread holder = holdInline(holding, release, null);
        loop.submit(() -> {
            on.set(Thread.currentThread());
            ran.countDown();
        });
        assertEquals(1, ran.getCount(), "not while the caller owns the device");
        release.countDown();
        await(ran, "the submitted task ran");
        assertSame(loopThread, on.get());
        holder.join(GUARD_S * 1000);
    }

    @Test
    void timersFireInDueOrderThenCreationOrderAndCancelWorks() throws Exception {
        CountDownLatch last = new CountDownLatch(1);
        AtomicReference<Thread> on = new AtomicReference<>();
        onLoop(() -> {
            loop.schedule(task("t30", null), 30, 0);
            loop.schedule(task("t10", on), 10, 0);
            loop.schedule(task("t20a", null), 20, 0);
            loop.schedule(task("t20b", null), 20, 0);
            DeviceLoop.Timer cancelled = loop.schedule(task("cancelled", null), 25, 0);
            loop.cancel(cancelled);
            loop.schedule(last::countDown, 40, 0);
            return null;
        });
        await(last, "the last timer fired");
        assertEquals(List.of("t10", "t20a", "t20b", "t30"), order);
        assertSame(loopThread, on.get(), "timers fire on the loop thread");
    }

    @Test
    void aPeriodicTimerRepeatsUntilCancelledAndCancelAllStopsEveryTimer() throws Exception {
        CountDownLatch three = new CountDownLatch(3);
        AtomicReference<DeviceLoop.Timer> periodic = new AtomicReference<>();
        onLoop(
                () -> { // the loop owns the device: the timer cannot fire before periodic is set
                    periodic.set(loop.schedule(
                            () -> {
                                order.add("tick");
                                three.countDown();
                                if (three.getCount() == 0) {
                                    loop.cancel(periodic.get());
                                }
                            },
                            1,
                            1));
                    return null;
                });
        await(three, "three ticks");
        onLoop(() -> {
            loop.schedule(task("dropped1", null), 1, 0);
            loop.schedule(task("dropped2", null), 1, 1);
            loop.cancelAllTimers();
            return null;
        });
        CountDownLatch later = new CountDownLatch(1);
        onLoop(() -> loop.schedule(later::countDown, 20, 0));
        await(later, "a timer set after them fired");
        assertEquals(List.of("tick", "tick", "tick"), order);
    }

    @Test
    void aTimerSetInlineWakesTheLoop() throws Exception {
        awaitIdle();
        CountDownLatch fired = new CountDownLatch(1);
        AtomicReference<Thread> on = new AtomicReference<>();
        loop.execute(() -> loop.schedule(
                () -> {
                    on.set(Thread.currentThread());
                    fired.countDown();
                },
                0,
                0));
        await(fired, "the timer fired");
        assertSame(loopThread, on.get());
    }

    @Test
    void stopRunsWhatIsQueuedAndLaterTasksRunOnTheirCaller() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = holdInline(holding, release, null);
        AtomicReference<Thread> q1 = new AtomicReference<>();
        loop.execute(task("q1", q1));
        loop.submit(task("q2", null));
        loop.stop();
        loop.execute(task("q3", null)); // stopping: queued, still run by the loop before it exits
        release.countDown();
        loop.join(GUARD_S * 1000);
        assertFalse(loopThread.isAlive());
        holder.join(GUARD_S * 1000);
        assertEquals(List.of("q1", "q2", "q3"), order, "nothing queued before the exit is lost");
        assertSame(loopThread, q1.get());

        // After the exit: a task runs at once on the thread that submits it, owning the device.
        AtomicReference<Thread> late = new AtomicReference<>();
        loop.submit(() -> {
            late.set(Thread.currentThread());
            order.add("late:" + loop.inLoop());
            loop.submit(task("nested", null)); // runs after it, on the same thread
        });
        loop.execute(task("late2", null));
        assertSame(Thread.currentThread(), late.get());
        assertEquals(List.of("q1", "q2", "q3", "late:true", "nested", "late2"), order);
    }

    @Test
    void stopDropsPendingTimers() throws Exception {
        onLoop(() -> loop.schedule(task("never", null), TimeUnit.HOURS.toMillis(1), 0));
        loop.stop();
        loop.join(GUARD_S * 1000);
        assertFalse(loopThread.isAlive(), "a pending timer does not keep the loop");
        assertEquals(List.of(), order);
    }
}
