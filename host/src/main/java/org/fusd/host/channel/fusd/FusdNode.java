package org.fusd.host.channel.fusd;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.ReplyEncoder;
import org.fusd.host.device.WriteReply;

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
        PollPush push = new PollPush(f, f.ask(), next);
        PollReply r = new PollReply(push, 0);
        try {
            device.poll(new Call.Poll(f.file), r);
        } catch (RuntimeException e) {
            r.error(Errno.EIO);
        }
    }

    /** The answer to a poll the channel asked on its own: pushed, never written as a reply. */
    private final class PollPush implements ReplyEncoder {
        private final FusdFile f;
        private final long seq;
        private final Runnable next;

        PollPush(FusdFile f, long seq, Runnable next) {
            this.f = f;
            this.seq = seq;
            this.next = next;
        }

        @Override
        public void polled(PollReply r, int mask) {
            f.pushMask(channel, seq, mask);
        }

        @Override
        public void error(Reply r, Errno errno) {
            // no mask: the last one pushed stays
        }

        @Override
        public void settled(Reply r, Object lentBuffer) {
            if (next == null) {
                f.refreshQueued.set(false);
            } else {
                next.run();
            }
        }

        @Override
        public void opened(OpenReply r) {}

        @Override
        public void read(ReadReply r, ByteBuffer bytes, int n) {}

        @Override
        public void wrote(WriteReply r, int n) {}

        @Override
        public void ioctl(IoctlReply r, int result, ByteBuffer out, int n) {}

        @Override
        public void done(DoneReply r) {}
    }
}
