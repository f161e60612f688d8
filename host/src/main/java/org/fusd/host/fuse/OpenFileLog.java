package org.fusd.host.fuse;

import org.fusd.host.device.OpenFile;

/**
 * Told of every open file of a connection as the kernel learns of it, so
 * that a host started after this one crashes can serve the same files (see
 * org.fusd.host.keeper.Registry). Called on reader threads, before the OPEN
 * reply carries the fh; must be cheap.
 */
public interface OpenFileLog {
    void opened(long fh, long nodeid, OpenFile file);

    /** The kernel's poll handle for a file (once per file). */
    void polled(long fh, long kh);

    void released(long fh);
}
