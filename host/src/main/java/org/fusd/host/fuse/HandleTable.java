package org.fusd.host.fuse;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.fusd.host.device.OpenFile;

/**
 * fh → open file, for the per-request lookup on the hot path: fh is a slot
 * index, so a lookup is one array read and no boxing. Slots are reused after
 * RELEASE (the kernel sends nothing more for a released fh).
 * Allocation and release are guarded by this object's lock.
 */
final class HandleTable {
    private volatile AtomicReferenceArray<FileHandle> slots = new AtomicReferenceArray<>(64);
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int next = 1; // fh 0 is never handed out

    synchronized FileHandle add(OpenFile file, DeviceSlot slot) {
        int index;
        if (!free.isEmpty()) {
            index = free.pop();
        } else {
            index = next++;
            if (index >= slots.length()) {
                AtomicReferenceArray<FileHandle> bigger = new AtomicReferenceArray<>(slots.length() * 2);
                for (int i = 0; i < slots.length(); i++) {
                    bigger.set(i, slots.get(i));
                }
                slots = bigger;
            }
        }
        FileHandle h = new FileHandle(index, file, slot);
        slots.set(index, h);
        return h;
    }

    /** Puts a handle at the fh a previous host gave out (a takeover); the table must not hold it yet. */
    synchronized FileHandle put(long fh, OpenFile file, DeviceSlot slot) {
        reserve(fh);
        FileHandle h = new FileHandle(fh, file, slot);
        slots.set((int) fh, h);
        return h;
    }

    /**
     * Keeps fh from being given out: the kernel still has a file with it that
     * this host does not serve (its device is gone after a crash); requests
     * on it get EBADF.
     */
    synchronized void reserve(long fh) {
        if (fh <= 0 || fh > Integer.MAX_VALUE - 1 || get(fh) != null) {
            throw new IllegalArgumentException("fh " + fh + " cannot be restored");
        }
        while (slots.length() <= fh) {
            AtomicReferenceArray<FileHandle> bigger = new AtomicReferenceArray<>(slots.length() * 2);
            for (int i = 0; i < slots.length(); i++) {
                bigger.set(i, slots.get(i));
            }
            slots = bigger;
        }
        for (int i = next; i < fh; i++) {
            free.push(i);
        }
        next = Math.max(next, (int) fh + 1);
        free.remove((int) fh);
    }

    /** Every handle given out and not released. */
    synchronized java.util.List<FileHandle> all() {
        java.util.List<FileHandle> out = new java.util.ArrayList<>();
        for (int i = 1; i < next && i < slots.length(); i++) {
            FileHandle h = slots.get(i);
            if (h != null) {
                out.add(h);
            }
        }
        return out;
    }

    FileHandle get(long fh) {
        AtomicReferenceArray<FileHandle> s = slots;
        if (fh <= 0 || fh >= s.length()) {
            return null;
        }
        return s.get((int) fh);
    }

    synchronized FileHandle remove(long fh) {
        FileHandle h = get(fh);
        if (h != null) {
            slots.set((int) fh, null);
            free.push((int) fh);
        }
        return h;
    }
}
