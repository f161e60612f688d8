package org.fusd.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The counts and the median that `fusd-host status` shows (docs/cli.md states the precision). */
class CallStatsTest {

    @Test
    void aMedianIsAtMostOneEighthOff() {
        for (long v = 1; v < (1L << 41); v += 1 + v / 97) {
            long m = CallStats.middle(CallStats.bucket(v));
            assertTrue(Math.abs(m - v) <= v / 8.0, v + " ns reported as " + m);
        }
        assertEquals(CallStats.BUCKETS - 1, CallStats.bucket(Long.MAX_VALUE));
        assertEquals(0, CallStats.bucket(-5));
    }

    @Test
    void bucketsAreInOrderAndTouch() {
        for (int i = 1; i < CallStats.BUCKETS; i++) {
            assertEquals(i, CallStats.bucket(CallStats.middle(i)), "bucket " + i);
            assertTrue(CallStats.middle(i) > CallStats.middle(i - 1));
        }
    }

    @Test
    void countsCallsErrorsAndMediansPerOp() {
        CallStats s = new CallStats();
        assertEquals(new CallStats.Figures(0, 0, -1, List.of()), s.figures());
        s.record(Op.READ, null, 10_000);
        s.record(Op.READ, null, 20_000);
        s.record(Op.READ, Errno.EAGAIN, 1_000_000);
        s.record(Op.IOCTL, Errno.ENOTTY, 5_000);
        s.record(Op.IOCTL, Errno.ENOTTY, 5_000);
        s.record(Op.IOCTL, Errno.byNumber(500), 5_000);
        CallStats.Figures f = s.figures();
        assertEquals(6, f.calls());
        assertEquals(4, f.errors());
        assertEquals(2, f.ops().size());
        CallStats.OpFigures read = f.ops().get(0);
        assertEquals(Op.READ, read.op());
        assertEquals(3, read.calls());
        assertEquals(1, read.errors());
        assertEquals(Map.of("EAGAIN", 1L), read.errnos());
        assertTrue(Math.abs(read.p50Nanos() - 20_000) <= 2_500, "p50 " + read.p50Nanos());
        CallStats.OpFigures ioctl = f.ops().get(1);
        assertEquals(List.of("ENOTTY", "other"), List.copyOf(ioctl.errnos().keySet()));
        assertEquals(3, ioctl.errors());
        assertTrue(Math.abs(f.p50Nanos() - 5_000) <= 625, "device p50 " + f.p50Nanos());
    }
}
