package org.fusd.host.device;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How a device's calls went, per operation, for `fusd-host status`: how many
 * were answered, how many of them with an errno (and which), and how long
 * they took from arrival to answer. Kept for every call, so recording one
 * is one atomic increment (two for an errno) and allocates nothing: the
 * latency goes into a fixed histogram of log-spaced buckets, four per power
 * of two, and the call count is the histogram's sum. A median read from it
 * is the middle of the bucket that holds the true median: at most 12.5% off.
 */
public final class CallStats {
    /** Buckets per op: 0..3 ns one by one, then four per power of two up to 2^41 ns (36 min); longer: the last. */
    static final int BUCKETS = 160;
    /** Errnos counted one by one; a larger number counts in slot 0 ("other"). */
    private static final int ERRNOS = 134;

    /** Per op: the latency histogram, and the calls answered with each errno. */
    private record Counters(AtomicLongArray latency, AtomicLongArray errnos) {}

    private final Map<Op, Counters> counters = new EnumMap<>(Op.class);

    public CallStats() {
        for (Op op : Op.values()) {
            counters.put(op, new Counters(new AtomicLongArray(BUCKETS), new AtomicLongArray(ERRNOS)));
        }
    }

    /** One call of op was answered, after nanos, with errno (null: success). Any thread. */
    public void record(Op op, Errno errno, long nanos) {
        Counters c = counters.get(op);
        c.latency().getAndIncrement(bucket(nanos));
        if (errno != null) {
            int n = errno.number();
            c.errnos().getAndIncrement(n > 0 && n < ERRNOS ? n : 0);
        }
    }

    /** The bucket of a latency: its bit length and the two bits after the leading one. */
    static int bucket(long nanos) {
        if (nanos < 4) {
            return (int) Math.max(0, nanos);
        }
        int e = 63 - Long.numberOfLeadingZeros(nanos);
        int i = 4 * (e - 1) + (int) ((nanos >>> (e - 2)) & 3);
        return Math.min(i, BUCKETS - 1);
    }

    /** The middle of bucket i, in ns: what a median falling in it is reported as. */
    static long middle(int i) {
        if (i < 4) {
            return i;
        }
        int e = i / 4 + 1;
        long width = 1L << (e - 2);
        return (1L << e) + (i % 4) * width + width / 2;
    }

    /** One op's figures; errnos by name, in errno order ("other" for numbers fusd does not know). */
    public record OpFigures(Op op, long calls, long errors, Map<String, Long> errnos, long p50Nanos) {}

    /** The device's figures: every op together, and each op that had calls, in {@link Op} order. */
    public record Figures(long calls, long errors, long p50Nanos, List<OpFigures> ops) {}

    /** The counts now (read without a lock: a call answered meanwhile may count in one figure and not another). */
    public Figures figures() {
        long[] all = new long[BUCKETS];
        List<OpFigures> ops = new ArrayList<>();
        long calls = 0;
        long errors = 0;
        for (Map.Entry<Op, Counters> entry : counters.entrySet()) {
            Op op = entry.getKey();
            Counters c = entry.getValue();
            long[] counts = new long[BUCKETS];
            long n = 0;
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] = c.latency().get(i);
                all[i] += counts[i];
                n += counts[i];
            }
            if (n == 0) {
                continue;
            }
            Map<String, Long> byErrno = new LinkedHashMap<>();
            long e = 0;
            for (int k = 1; k <= ERRNOS; k++) {
                int slot = k % ERRNOS; // slot 0, "other", last
                long count = c.errnos().get(slot);
                if (count > 0) {
                    byErrno.put(slot == 0 ? "other" : Errno.byNumber(slot).name(), count);
                    e += count;
                }
            }
            ops.add(new OpFigures(op, n, e, byErrno, median(counts, n)));
            calls += n;
            errors += e;
        }
        return new Figures(calls, errors, calls == 0 ? -1 : median(all, calls), ops);
    }

    /** The middle of the bucket holding the lower median of n counted calls. */
    private static long median(long[] counts, long n) {
        long rank = (n + 1) / 2;
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return middle(i);
            }
        }
        return middle(counts.length - 1); // counts grew while summed
    }
}
