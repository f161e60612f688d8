package org.fusd.host.channel.loopback;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.fusd.host.channel.Channel;
import org.fusd.host.device.Caller;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.NodeLife;
import org.fusd.host.device.OpenFile;

/**
 * A channel without a kernel: calls are made in-process through
 * {@link LoopbackFile}, with the same Device contract as the real channels
 * (asynchronous replies, interrupts, poll notifications). For unit tests and
 * {@code fusd-host test}. Nothing appears in the file system.
 */
public final class LoopbackChannel implements Channel {
    /** The caller every call reports unless the test says otherwise. */
    public static final Caller SELF = new Caller((int) ProcessHandle.current().pid(), 0, 0);

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Override
    public String kind() {
        return "loopback";
    }

    @Override
    public void add(Device device) {
        if (closed) {
            throw new IllegalStateException("channel closed");
        }
        Node node = new Node(device);
        if (nodes.putIfAbsent(device.name(), node) != null) {
            throw new IllegalArgumentException("a device named " + device.name() + " is already added");
        }
        device.attach(node);
    }

    @Override
    public void remove(String name) {
        Node n = nodes.remove(name);
        if (n != null) {
            n.remove();
        }
    }

    @Override
    public String pathOf(String name) {
        return "loopback:" + name;
    }

    /** Opens a device as the current process would; throws ErrnoException (ENOENT if no such device). */
    public LoopbackFile open(String name, int flags) {
        return open(name, flags, SELF);
    }

    public LoopbackFile open(String name, int flags, Caller caller) {
        Node node = closed ? null : nodes.get(name);
        if (node == null) {
            throw new ErrnoException(Errno.ENOENT, name + ": no such device");
        }
        OpenFile file = new OpenFile(caller, flags);
        LoopbackFile lf = new LoopbackFile(node, file);
        lf.openNow();
        return lf;
    }

    /** How many times the device asked to wake pollers (device.notify()). */
    public long notifications(String name) {
        Node n = nodes.get(name);
        return n == null ? 0 : n.notifications.get();
    }

    @Override
    public void close() {
        closed = true;
        nodes.clear();
    }

    /** A device as this channel serves it. */
    static final class Node implements DeviceNode {
        final Device device;
        final AtomicLong notifications = new AtomicLong();
        private final NodeLife<OpenFile> life;
        private final Object pollLock = new Object();

        Node(Device device) {
            this.device = device;
            this.life = new NodeLife<>(() -> device.detach(this));
        }

        void opened(OpenFile file) {
            life.opened(file);
        }

        void released(OpenFile file) {
            life.released(file);
        }

        /** Removed from the channel: see {@link NodeLife}. */
        void remove() {
            life.remove();
        }

        @Override
        public void notifyPollers() {
            notifications.incrementAndGet();
            synchronized (pollLock) {
                pollLock.notifyAll();
            }
        }

        /** Waits up to millis for a notification after the one counted as seen. */
        boolean awaitNotification(long seen, long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            synchronized (pollLock) {
                while (notifications.get() == seen) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        return false;
                    }
                    pollLock.wait(left);
                }
            }
            return true;
        }
    }
}
