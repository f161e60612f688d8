package org.fusd.host.fuse;

import org.fusd.host.device.OpenFile;

/** One open file on a FUSE connection: the fh the kernel quotes, and the poll handle it gave us. */
public final class FileHandle {
    final long fh;
    final OpenFile file;
    final DeviceSlot slot;
    /** Kernel poll handle, set when a poll asked to be notified (0 = none). */
    volatile long kh;

    FileHandle(long fh, OpenFile file, DeviceSlot slot) {
        this.fh = fh;
        this.file = file;
        this.slot = slot;
    }

    public long fh() {
        return fh;
    }

    public long kh() {
        return kh;
    }

    public OpenFile file() {
        return file;
    }

    public DeviceSlot slot() {
        return slot;
    }
}
