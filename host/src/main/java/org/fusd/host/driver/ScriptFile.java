package org.fusd.host.driver;

import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenFlags;
import org.graalvm.polyglot.HostAccess;

/**
 * The {@code file} argument of every callback: one open of the device. Host
 * owned and context free, so it survives a reload with its {@link #state}.
 * Kept in {@link OpenFile#state()}.
 */
public final class ScriptFile {
    @HostAccess.Export
    public final StateObject state;

    @HostAccess.Export
    public final long id;

    @HostAccess.Export
    public final int pid;

    @HostAccess.Export
    public final int uid;

    @HostAccess.Export
    public final int gid;
    /** open(2) flags as of this call (fcntl can change O_NONBLOCK). */
    @HostAccess.Export
    public int flags;

    @HostAccess.Export
    public boolean nonblock;

    /** The caller of this call is a 32-bit process (known on the fusd channel; false elsewhere). */
    @HostAccess.Export
    public boolean compat32;

    final OpenFile file;
    private final ScriptDevice device;

    ScriptFile(ScriptDevice device, OpenFile file, StateObject state) {
        this.device = device;
        this.file = file;
        this.state = state;
        this.id = file.id();
        this.pid = file.opener().pid();
        this.uid = file.opener().uid();
        this.gid = file.opener().gid();
        refresh();
    }

    void refresh() {
        int f = file.flags();
        if (f != flags) {
            flags = f;
        }
        nonblock = OpenFlags.nonBlocking(f);
        compat32 = file.compat32();
    }

    /** Answer the current call later: return the Deferred from the callback, then reply or fail it. */
    @HostAccess.Export
    public Deferred defer() {
        return device.defer(this);
    }

    @Override
    public String toString() {
        return "file#" + id + "(pid " + pid + ")";
    }
}
