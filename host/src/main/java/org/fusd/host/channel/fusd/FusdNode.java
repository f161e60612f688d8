package org.fusd.host.channel.fusd;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Reply;

/**
 * A device registered on the fusd channel: its dev_id, its open files and
 * whether it was removed. The {@link DeviceNode} handed to the device:
 * {@link #notifyPollers()} asks the device for each open file's mask and
 * pushes the answers with FUSD_POLL_NOTIFY (the kernel never asks: it
 * reports the mask it was last told).
 */
final class FusdNode implements DeviceNode {
    final FusdChannel channel;
    final Device device;
    final int devId;
    final String name;
    private final Set<FusdFile> files = ConcurrentHashMap.newKeySet();
    private volatile boolean removed;
    private volatile boolean unregistered;

    FusdNode(FusdChannel channel, Device device, int devId, String name) {
        this.channel = channel;
        this.device = device;
        this.devId = devId;
        this.name = name;
    }

    boolean isRemoved() {
        return removed;
    }

    /** New opens fail from now on; unregisters now if nothing is open, else at the last release. */
    void remove() {
        removed = true;
        if (files.isEmpty()) {
            unregister();
        }
    }

    synchronized void unregister() {
        if (!unregistered) {
            unregistered = true;
            channel.unregister(this);
            device.detach(this);
        }
    }

    void opened(FusdFile f) {
        files.add(f);
    }

    void released(FusdFile f) {
        files.remove(f);
        if (removed && files.isEmpty()) {
            unregister();
        }
    }

    Set<FusdFile> files() {
        return files;
    }

    @Override
    public void notifyPollers() {
        for (FusdFile f : files) {
            refreshPoll(f, null);
        }
    }

    /**
     * Asks the device for f's mask and pushes it; then runs next (if any),
     * whatever the answer. Without next, a refresh already queued for f is
     * enough: it runs after whatever state change led here.
     */
    void refreshPoll(FusdFile f, Runnable next) {
        if (next == null && !f.refreshQueued.compareAndSet(false, true)) {
            return;
        }
        long seq = f.ask();
        PollReply r = new PollReply(f, seq, next);
        try {
            device.poll(f.file, r);
        } catch (RuntimeException e) {
            r.error(Errno.EIO);
        }
    }

    /** The answer to a poll the channel asked on its own: pushed, never written as a reply. */
    private final class PollReply implements Reply {
        private final FusdFile f;
        private final long seq;
        private final Runnable next;
        private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

        PollReply(FusdFile f, long seq, Runnable next) {
            this.f = f;
            this.seq = seq;
            this.next = next;
        }

        private void finish(int mask, boolean push) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (next == null) {
                f.refreshQueued.set(false);
            }
            if (push) {
                f.pushMask(channel, seq, mask);
            }
            if (next != null) {
                next.run();
            }
        }

        @Override
        public void count(int n) {
            finish(n, true);
        }

        @Override
        public void error(Errno errno) {
            finish(0, false);
        }

        @Override
        public void ok() {
            finish(0, false);
        }

        @Override
        public void data(ByteBuffer bytes) {
            finish(0, false);
        }

        @Override
        public void ioctl(int result, ByteBuffer out) {
            finish(0, false);
        }

        @Override
        public void onInterrupt(Runnable action) {
            // nobody waits on this poll: it cannot be interrupted
        }

        @Override
        public boolean isDone() {
            return done.get();
        }
    }
}
