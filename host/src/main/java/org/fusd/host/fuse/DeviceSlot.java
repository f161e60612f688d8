package org.fusd.host.fuse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;

/**
 * A device served over a FUSE connection, and what the connection knows of
 * it: its open files (to notify pollers) and whether it was removed. The
 * {@link DeviceNode} handed to the device.
 */
public final class DeviceSlot implements DeviceNode {
    private final Device device;
    private final long nodeid;
    private final FuseSession session;
    private final Set<FileHandle> open = ConcurrentHashMap.newKeySet();
    private volatile boolean removed;
    private final AtomicBoolean detached = new AtomicBoolean();

    public DeviceSlot(Device device, long nodeid, FuseSession session) {
        this.device = device;
        this.nodeid = nodeid;
        this.session = session;
    }

    public Device device() {
        return device;
    }

    /** The inode number on a FUSE mount (ignored by CUSE). */
    public long nodeid() {
        return nodeid;
    }

    /** New opens fail with ENOENT once removed; open files keep working. */
    public boolean isRemoved() {
        return removed;
    }

    /** New opens fail from now on; the device is told the slot is gone once no file is open. */
    public void markRemoved() {
        removed = true;
        if (open.isEmpty()) {
            detach();
        }
    }

    public int openCount() {
        return open.size();
    }

    void opened(FileHandle h) {
        open.add(h);
    }

    void released(FileHandle h) {
        open.remove(h);
        if (removed && open.isEmpty()) {
            detach();
        }
    }

    private void detach() {
        if (detached.compareAndSet(false, true)) {
            device.detach(this);
        }
    }

    /** Sends FUSE_NOTIFY_POLL for every open file of this device that a poller armed. */
    @Override
    public void notifyPollers() {
        for (FileHandle h : open) {
            long kh = h.kh;
            if (kh != 0) {
                session.notifyPoll(kh);
            }
        }
    }
}
