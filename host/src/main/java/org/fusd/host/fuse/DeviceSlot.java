package org.fusd.host.fuse;

import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.NodeLife;

/**
 * A device served over a FUSE connection, and what the connection knows of
 * it: its open files (to notify pollers) and whether it was removed. The
 * {@link DeviceNode} handed to the device.
 */
public final class DeviceSlot implements DeviceNode {
    private final Device device;
    private final long nodeid;
    private final FuseSession session;
    private final NodeLife<FileHandle> life;

    /** onGone: what the channel does when the removed slot's last file is released. */
    public DeviceSlot(Device device, long nodeid, FuseSession session, Runnable onGone) {
        this.device = device;
        this.nodeid = nodeid;
        this.session = session;
        this.life = new NodeLife<>(() -> {
            device.detach(this);
            onGone.run();
        });
    }

    public Device device() {
        return device;
    }

    /** The inode number on a FUSE mount (ignored by CUSE). */
    public long nodeid() {
        return nodeid;
    }

    /** New opens fail with ENOENT once removed; open files keep working (see {@link NodeLife}). */
    public boolean isRemoved() {
        return life.isRemoved();
    }

    public void markRemoved() {
        life.remove();
    }

    void opened(FileHandle h) {
        life.opened(h);
    }

    void released(FileHandle h) {
        life.released(h);
    }

    /** Sends FUSE_NOTIFY_POLL for every open file of this device that a poller armed. */
    @Override
    public void notifyPollers() {
        for (FileHandle h : life.files()) {
            long kh = h.kh;
            if (kh != 0) {
                session.notifyPoll(kh);
            }
        }
    }
}
