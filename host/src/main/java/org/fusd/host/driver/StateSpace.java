package org.fusd.host.driver;

import java.util.function.Function;

/**
 * What the state containers of one device share ({@code device.state}, every
 * {@code file.state}, and the maps and lists stored in them): how stored
 * bytes go back to the script, and a cap on how much they may hold. State
 * lives in the host and outlives contexts, so without a cap a leaking script
 * could grow it until the host runs out of memory.
 *
 * Sizes are estimates of the host objects (payload plus a fixed overhead per
 * value and entry). A container stored twice is counted twice, and one that
 * is dropped from state while the script still holds it keeps counting for
 * what is added to it later: the estimate errs on the high side. Loop thread
 * only.
 */
final class StateSpace {
    private static final long VALUE = 16;
    private static final long ENTRY = 32;

    private final Function<byte[], Object> toGuest;
    private final long limit;
    private long used;

    /** limit: bytes the device's state may hold (0: no cap). */
    StateSpace(Function<byte[], Object> toGuest, long limit) {
        this.toGuest = toGuest;
        this.limit = limit;
    }

    /** Stored bytes as the running script's own type. */
    Object toGuest(byte[] bytes) {
        return toGuest.apply(bytes);
    }

    /** Estimated bytes held now. */
    long used() {
        return used;
    }

    /**
     * Accounts for a store that replaces old with now (null: none), refusing it
     * (before anything changes) if state would pass the cap.
     */
    void replace(Object old, Object now, String where) {
        long grown = sizeOf(now) - sizeOf(old);
        if (limit > 0 && grown > 0 && used + grown > limit) {
            throw new IllegalStateException("ENOMEM: state is full: storing '" + where + "' (" + grown
                    + " bytes) would make this device's state hold more than " + kib(limit)
                    + " KiB (--state-limit); free some first");
        }
        used = Math.max(0, used + grown);
    }

    /** State handed over by a previous host: counted, never refused (it was within the old host's cap). */
    void add(long bytes) {
        used += bytes;
    }

    /** A value left state (removed, or its file was closed). */
    void release(Object old) {
        used = Math.max(0, used - sizeOf(old));
    }

    private static long kib(long bytes) {
        return (bytes + 1023) / 1024;
    }

    /** The estimated size of a host value as state holds it. */
    static long sizeOf(Object v) {
        return switch (v) {
            case null -> 0;
            case String s -> VALUE + s.length();
            case byte[] b -> VALUE + b.length;
            case StateObject o -> o.estimatedSize();
            case StateList l -> l.estimatedSize();
            case Sized z -> z.bytes;
            default -> VALUE;
        };
    }

    /** A size already computed (an entry with its key, an element with its slot). */
    record Sized(long bytes) {}

    static long entrySize(String key, Object value) {
        return ENTRY + sizeOf(key) + sizeOf(value);
    }
}
