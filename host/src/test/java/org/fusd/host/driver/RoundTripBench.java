package org.fusd.host.driver;

import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loopback round trip of a 1-byte read through a JS and a Python driver, and
 * 64 KiB read throughput. Prints figures; never fails on timing. Run with
 * -Dtest=RoundTripBench (tagged "bench", excluded from nothing: it is quick).
 */
@Tag("bench")
class RoundTripBench {
    @TempDir
    Path dir;

    private static double usPerCall(LoopbackFile f, int size, long nanos) {
        long n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < nanos) {
            f.read(size);
            n++;
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    @Test
    void roundTrip() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "one.js", """
                    export const name = "one-js";
                    const ONE = new Uint8Array(1);
                    export function read(file, size, offset) { return ONE; }
                    """);
            h.serve(dir, "one.py", "name = \"one-py\"\nONE = b'x'\ndef read(file, size, offset):\n    return ONE\n");
            h.serve(Harness.example("zero.js"));
            for (String name : new String[] {"one-js", "one-py"}) {
                try (LoopbackFile f = h.open(name, OpenFlags.O_RDONLY)) {
                    usPerCall(f, 1, 3_000_000_000L); // warm up (JIT)
                    System.out.printf(
                            "%s loopback 1-byte read: %.2f us per call%n", name, usPerCall(f, 1, 2_000_000_000L));
                }
            }
            try (LoopbackFile f = h.open("zeros", OpenFlags.O_RDONLY)) {
                usPerCall(f, 65536, 2_000_000_000L);
                double us = usPerCall(f, 65536, 2_000_000_000L);
                System.out.printf("zero.js loopback 64 KiB read: %.1f us per call, %.2f GB/s%n", us, 65536 / us / 1e3);
            }
        }
    }
}
