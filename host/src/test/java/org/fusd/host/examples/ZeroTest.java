package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.Test;

/** examples/zero.js over loopback: zeros of the size asked; throughput printed, never asserted. */
class ZeroTest {

    @Test
    void zeros() {
        try (Harness h = new Harness()) {
            h.serve(Harness.example("zero.js"));
            try (LoopbackFile f = h.open("zeros", OpenFlags.O_RDWR)) {
                assertArrayEquals(new byte[65536], f.read(65536));
                assertArrayEquals(new byte[1], f.read(1));
                assertEquals(5, f.write("hello"));
                long bytes = 0;
                long t0 = System.nanoTime();
                while (System.nanoTime() - t0 < 1_000_000_000L) {
                    bytes += f.read(65536).length;
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("zero.js loopback: 64 KiB reads at %.2f GB/s%n", bytes / s / 1e9);
            }
        }
    }
}
