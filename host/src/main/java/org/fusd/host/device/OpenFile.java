package org.fusd.host.device;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One open(2) of a device, owned by the host. It outlives script reloads: the
 * driver runtime keeps its per-open state in {@link #state()}.
 * Created by the channel when the kernel asks to open; identified by {@link #id()}.
 */
public final class OpenFile {
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private final long id;
    private final Caller opener;
    private volatile int flags;
    private volatile boolean compat32;
    private volatile Object state;
    private volatile Object channelData;

    public OpenFile(Caller opener, int flags) {
        this(NEXT_ID.getAndIncrement(), opener, flags);
    }

    /** An open handed over by a previous host, keeping its id (later ids come after it). */
    public OpenFile(long id, Caller opener, int flags) {
        this.id = id;
        this.opener = opener;
        this.flags = flags;
        NEXT_ID.accumulateAndGet(id + 1, Math::max);
    }

    public long id() {
        return id;
    }

    /** The process that opened the file. */
    public Caller opener() {
        return opener;
    }

    /** The open flags as of the latest call (O_NONBLOCK can change with fcntl). */
    public int flags() {
        return flags;
    }

    public void setFlags(int flags) {
        this.flags = flags;
    }

    /** True if the latest call came from a 32-bit process (channels that know: fusd). */
    public boolean compat32() {
        return compat32;
    }

    public void setCompat32(boolean compat32) {
        this.compat32 = compat32;
    }

    /** Driver runtime's per-open state; null until the runtime sets it. */
    public Object state() {
        return state;
    }

    public void setState(Object state) {
        this.state = state;
    }

    /** Whatever the channel keeps per open file (e.g. the poll handle to notify). */
    public Object channelData() {
        return channelData;
    }

    public void setChannelData(Object channelData) {
        this.channelData = channelData;
    }
}
