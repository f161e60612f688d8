package org.fusd.host.device;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The rule every channel applies to a device's node: once removed it takes
 * no new opens, while the files already open keep working; when the last of
 * them is released (at once if none is open) the node is gone, and onGone
 * runs, once. F is the channel's record of an open file.
 */
public final class NodeLife<F> {
    private final Set<F> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean gone = new AtomicBoolean();
    private final Runnable onGone;
    private volatile boolean removed;

    public NodeLife(Runnable onGone) {
        this.onGone = onGone;
    }

    /** New opens must fail (ENOENT) once this is true. */
    public boolean isRemoved() {
        return removed;
    }

    public void remove() {
        removed = true;
        goneIfIdle();
    }

    public void opened(F file) {
        open.add(file);
    }

    public void released(F file) {
        open.remove(file);
        goneIfIdle();
    }

    /** The files open now (a live view). */
    public Set<F> files() {
        return open;
    }

    public int openCount() {
        return open.size();
    }

    private void goneIfIdle() {
        if (removed && open.isEmpty() && gone.compareAndSet(false, true)) {
            onGone.run();
        }
    }
}
