package org.fusd.host.driver;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Checks every few milliseconds that no device's script code has run past its
 * budget (see {@link Stops#checkBudget}). One per runtime; its thread
 * only looks, the stopping happens on threads of its own.
 */
final class Watchdog implements AutoCloseable {
    private static final long TICK_MILLIS = 5;

    private final Set<ScriptDevice> devices = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fusd-watchdog");
        t.setDaemon(true);
        return t;
    });

    Watchdog() {
        var unused = ticks.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    void watch(ScriptDevice d) {
        devices.add(d);
    }

    void forget(ScriptDevice d) {
        devices.remove(d);
    }

    Set<ScriptDevice> devices() {
        return devices;
    }

    private void tick() {
        long now = System.nanoTime();
        for (ScriptDevice d : devices) {
            try {
                d.stops().checkBudget(now);
            } catch (RuntimeException e) {
                System.err.println("fusd: watchdog: " + e);
            }
        }
    }

    @Override
    public void close() {
        ticks.shutdownNow();
    }
}
