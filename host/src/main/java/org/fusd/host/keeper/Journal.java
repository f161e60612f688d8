package org.fusd.host.keeper;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.fuse.ReadLog;

/**
 * The requests a host has read and not yet answered, on fuse and cuse, in
 * the keeper's registry memory (docs/takeover.md, "Crash survival"). A
 * kernel without FUSE_NOTIFY_RESEND (before 6.9) never sends those again:
 * a successor answers each with EIO from here, instead of leaving its
 * caller waiting until it is signalled.
 *
 * An open-addressing table of longs, each (connection << 48 | unique), 0
 * when free. A request is entered before it is handled (CAS into the first
 * free slot within {@link #PROBE} of its hash) and removed after its answer
 * was written, so an entry can outlive its answer by a crash (the
 * successor's EIO then meets ENOENT: harmless, the kernel never reuses a
 * unique on a connection) but never the other way round. A request that
 * finds no free slot, or whose unique or connection does not fit, is not
 * entered: after a crash it waits for a signal as without a journal.
 */
public final class Journal {
    /** Slots in the table. */
    private static final int SLOT_BITS = 15;

    static final int SLOTS = 1 << SLOT_BITS;
    /** Its size in the registry. */
    static final int SIZE = SLOTS * 8;
    /** Slots tried from a request's hash: it is entered within these or not at all. */
    private static final int PROBE = 64;

    private static final int UNIQUE_BITS = 48;
    private static final long UNIQUE_MASK = (1L << UNIQUE_BITS) - 1;
    private static final int MAX_CONNECTION = (1 << 15) - 1;

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer mem;
    private final int base;

    Journal(ByteBuffer mem, int base) {
        this.mem = mem;
        this.base = base;
    }

    /** One request a dead host read and did not answer: its connection (fuse: 0; cuse: the device's number). */
    public record Entry(int connection, long unique) {}

    /** The log of one connection: fuse has one (0), cuse one per device (its number in the registry). */
    public ReadLog forConnection(int connection) {
        if (connection < 0 || connection > MAX_CONNECTION) {
            throw new IllegalArgumentException("connection " + connection + " does not fit the journal");
        }
        long tag = (long) connection << UNIQUE_BITS;
        return new ReadLog() {
            @Override
            public void read(long unique) {
                if (unique > 0 && unique <= UNIQUE_MASK) {
                    enter(tag | unique);
                }
            }

            @Override
            public void answered(long unique) {
                if (unique > 0 && unique <= UNIQUE_MASK) {
                    remove(tag | unique);
                }
            }
        };
    }

    private void enter(long key) {
        int home = home(key);
        for (int i = 0; i < PROBE; i++) {
            int at = slot(home + i);
            if ((long) LONGS.getOpaque(mem, at) == 0 && LONGS.compareAndSet(mem, at, 0L, key)) {
                return;
            }
        }
    }

    private void remove(long key) {
        int home = home(key);
        for (int i = 0; i < PROBE; i++) {
            int at = slot(home + i);
            if ((long) LONGS.getOpaque(mem, at) == key) {
                LONGS.setRelease(mem, at, 0L);
                return;
            }
        }
    }

    /** Every request entered and not removed; the table is empty afterwards. Before any reading starts. */
    public List<Entry> takeAll() {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            int at = slot(i);
            long key = (long) LONGS.getAndSet(mem, at, 0L);
            if (key != 0) {
                out.add(new Entry((int) (key >>> UNIQUE_BITS), key & UNIQUE_MASK));
            }
        }
        return out;
    }

    private static int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - SLOT_BITS));
    }

    private int slot(int i) {
        return base + (i & (SLOTS - 1)) * 8;
    }
}
