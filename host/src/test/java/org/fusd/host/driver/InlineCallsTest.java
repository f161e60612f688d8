package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls run on the calling thread when the device is idle, else on the
 * device's thread: either way one thread at a time is in the script, timers
 * keep firing and deferred replies arrive.
 */
class InlineCallsTest {
    @TempDir
    Path dir;

    @Test
    void concurrentCallersTimersAndDeferredRepliesShareOneContext() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "inl.js", """
                    export const name = "inl";
                    let n = 0, ticks = 0;
                    setInterval(() => { ticks++; }, 1);
                    export function read(file, size, offset) {
                      const mine = ++n;
                      for (let i = 0; i < 200; i++) { if (n !== mine) throw new Error("two threads in the script"); }
                      return String(mine);
                    }
                    export function write(file, data, offset) {
                      const d = file.defer(), len = data.length;
                      setTimeout(() => d.reply(len), 0);
                      return d;
                    }
                    export function ioctl(file, cmd, arg) { return ticks; }
                    """);
            int threads = 4, each = 400;
            Set<String> seen = ConcurrentHashMap.newKeySet();
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    fs.add(pool.submit(() -> {
                        try (LoopbackFile f = h.open("inl", OpenFlags.O_RDWR)) {
                            for (int i = 0; i < each; i++) {
                                assertTrue(seen.add(f.readString(16)), "a number read twice");
                            }
                        }
                        return null;
                    }));
                }
                fs.add(pool.submit(() -> {
                    try (LoopbackFile f = h.open("inl", OpenFlags.O_RDWR)) {
                        for (int i = 0; i < 200; i++) {
                            assertEquals(3, f.write("abc"));
                        }
                    }
                    return null;
                }));
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * each, seen.size());
            try (LoopbackFile f = h.open("inl", OpenFlags.O_RDWR)) {
                long t0 = f.ioctl(0x1234, 0, null, 0).n();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (f.ioctl(0x1234, 0, null, 0).n() <= t0) { // the interval timer keeps firing
                    assertTrue(System.nanoTime() < deadline, "the interval timer stopped");
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // poll the state
                }
            }
            assertTrue(h.log.isEmpty(), h.log.toString());
        }
    }
}
