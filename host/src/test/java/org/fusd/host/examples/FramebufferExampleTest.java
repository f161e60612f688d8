package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.Ioc;
import org.fusd.host.driver.Harness;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * examples/fb.js and fb.py without a kernel: the driver draws frames into its
 * shared memory on a timer; what a client's mapping would show is read from
 * the device's memory directly (the fusd channel maps these very pages).
 */
class FramebufferExampleTest {
    private static final int HEADER = 4096;

    static int color(int y, int f) {
        return 0xff000000 | ((((y + f) * 4) & 0xff) << 16) | ((f & 0xff) << 8) | (y & 0xff);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fb.js", "fb.py"})
    void framesAreDrawnIntoTheSharedMemoryAndAnnounced(String script) throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(Harness.example(script));
            ByteBuffer mem = d.sharedMemory().buffer().order(ByteOrder.LITTLE_ENDIAN);
            try (LoopbackFile f = h.open(d.name(), 2)) {
                ByteBuffer info = ByteBuffer.wrap(
                                f.ioctl(Ioc.cmd(2, 'F', 1, 16), null).data())
                        .order(ByteOrder.LITTLE_ENDIAN);
                int width = info.getInt(0);
                int height = info.getInt(4);
                int stride = info.getInt(8);
                assertEquals(HEADER, info.getInt(12));
                assertTrue(d.sharedMemory().size() >= HEADER + 2L * stride * height);
                assertTrue(f.pollFor(org.fusd.host.device.PollEvents.POLLIN, 10_000) != 0, "no frame announced");
                int frame = ByteBuffer.wrap(f.read(4))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt();
                assertTrue(frame > 0, "frame " + frame);
                assertEquals(width, mem.getInt(8));
                assertEquals(height, mem.getInt(12));
                // the driver keeps drawing: check the current frame, unless it was overdrawn meanwhile
                int f0 = mem.getInt(0);
                int base = HEADER + (f0 & 1) * stride * height;
                int y = height / 2;
                int px = mem.getInt(base + y * stride + 4 * (width - 1));
                if (mem.getInt(0) < f0 + 2) {
                    assertEquals(color(y, f0), px, "pixel of frame " + f0);
                }
            }
        }
    }
}
