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
