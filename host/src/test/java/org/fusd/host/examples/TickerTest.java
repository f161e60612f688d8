package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.PollEvents;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.Test;

/** examples/ticker.js over loopback: a line every 100 ms, blocking reads stream, poll wakes. */
class TickerTest {

    @Test
    void streams() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(Harness.example("ticker.js"));
            try (LoopbackFile f = h.open("ticker", OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK)) {
                // drain ticks made since open (a loaded machine may be slow); then EAGAIN
                for (int i = 0; i < 100; i++) {
                    try {
                        f.read(100);
                    } catch (ErrnoException e) {
                        assertEquals(Errno.EAGAIN, e.errno());
                        break;
                    }
                }
                assertTrue(LoopbackFile.readable(f.pollFor(PollEvents.POLLIN, 2000)), "a tick within 2 s");
                String first = f.readString(100);
                assertTrue(first.matches("tick \\d+\n"), first);
                f.setFlags(OpenFlags.O_RDONLY);
                long t0 = System.nanoTime();
                int n = Integer.parseInt(first.trim().split(" ")[1]);
                for (int i = 1; i <= 5; i++) {
                    assertEquals("tick " + (n + i) + "\n", f.readString(100)); // blocks until the next tick
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 250 && ms < 5000, "5 ticks took " + ms + " ms");
            }
        }
    }
}
