package org.fusd.host.driver;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

/**
 * GraalVM's community edition has no heap limit per context, so the host
 * builds one from what the JVM offers: a usage threshold on the old
 * generation (the pool that fills when memory is kept). When it is crossed,
 * the device whose script code allocated the most since the last alarm is
 * the one growing: it is stopped, its context closed (what it kept is freed)
 * and it is faulted until a reload. That measure counts garbage too, so a
 * device that allocates much while another leaks slowly can be picked first;
 * the next alarm then picks the other.
 */
final class MemoryGuard implements NotificationListener, AutoCloseable {
    /** The share of the old generation's maximum that raises the alarm. */
    static final double THRESHOLD = Double.parseDouble(System.getProperty("fusd.memory.threshold", "0.8"));
    /** A device must have allocated at least this much since the last alarm to be blamed. */
    private static final long MIN_GROWTH = 4L << 20;
    /** After a device is stopped, the next alarm waits this long: its context is closed and collected first. */
    private static final long COOL_DOWN_NANOS = 1_000_000_000L;

    private final Supplier<? extends Iterable<ScriptDevice>> devices;
    private final List<MemoryPoolMXBean> pools = new ArrayList<>();
    private final java.util.Map<ScriptDevice, Long> marks = new java.util.WeakHashMap<>();
    private long lastAlarm;

    MemoryGuard(Supplier<? extends Iterable<ScriptDevice>> devices) {
        this.devices = devices;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            long max = p.getUsage().getMax();
            if (p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported() && max > 0) {
                long at = (long) (max * THRESHOLD);
                p.setUsageThreshold(at);
                if (p.isCollectionUsageThresholdSupported()) {
                    p.setCollectionUsageThreshold(at);
                }
                pools.add(p);
            }
        }
        ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener(this, null, null);
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        String type = n.getType();
        if (!type.equals(MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED)
                && !type.equals(MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED)) {
            return;
        }
        alarm();
    }

    /** The heap is nearly full: stops the device that grew the most. */
    synchronized void alarm() {
        if (!stillFull()) {
            return; // a collection freed it meanwhile
        }
        long now = System.nanoTime();
        if (now - lastAlarm < COOL_DOWN_NANOS) {
            return; // what the last one stopped is still being freed
        }
        ScriptDevice worst = null;
        long worstGrowth = MIN_GROWTH - 1;
        for (ScriptDevice d : devices.get()) {
            long allocated = d.allocated();
            long growth = allocated - marks.getOrDefault(d, 0L);
            marks.put(d, allocated);
            if (growth > worstGrowth && d.faulted() == null) {
                worst = d;
                worstGrowth = growth;
            }
        }
        if (worst != null) {
            lastAlarm = now;
            worst.stopForMemory("the host's heap passed " + Math.round(THRESHOLD * 100)
                    + "% while its script allocated " + (worstGrowth >> 20) + " MiB, the most of all devices");
        }
    }

    private boolean stillFull() {
        for (MemoryPoolMXBean p : pools) {
            if (p.getUsage().getUsed() >= p.getUsageThreshold()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        try {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).removeNotificationListener(this);
        } catch (ListenerNotFoundException ignored) {
            // not registered
        }
    }
}
