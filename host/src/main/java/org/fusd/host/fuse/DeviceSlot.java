package org.fusd.host.fuse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

    public void markRemoved() {
        removed = true;
    }

    public int openCount() {
        return open.size();
    }

    void opened(FileHandle h) {
        open.add(h);
    }

    void released(FileHandle h) {
        open.remove(h);
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
