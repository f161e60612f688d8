package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ABI 2 driver API: `memory` (shared with clients' mappings, seen by the
 * script without a copy), `mmap`, `seekable` and `llseek`, `flush` as a
 * capability, `file.compat32`.
 */
class DeviceMemoryTest {
    @TempDir
    Path dir;

    @Test
    void jsSeesTheMemoryAsAnArrayBufferOverTheSamePages() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "m.js", """
                    export const name = "m";
                    export const memory = {size: 5000};
                    export function read(file, size) {
                        const m = new Uint8Array(device.memory);
                        m[0] = 42; m[8191] = 7;
                        return String(device.memory.byteLength) + " " + m[1];
                    }
                    """);
            assertNotNull(d.sharedMemory());
            assertEquals(8192, d.sharedMemory().size(), "rounded up to whole pages");
            d.sharedMemory().buffer().put(1, (byte) 9); // as a client's mapping would
            try (LoopbackFile f = h.open("m", 0)) {
                assertEquals("8192 9", f.readString(100));
            }
            assertEquals(42, d.sharedMemory().buffer().get(0));
            assertEquals(7, d.sharedMemory().buffer().get(8191));
        }
    }

    @Test
    void pythonSeesAWritableMemoryview() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "m.py", """
                    name = "mpy"
                    memory = {"size": 4096}
                    def read(file, size, offset):
                        m = device.memory
                        m[0] = 43
                        m[10:13] = b"abc"
                        return "%d %d %r" % (len(m), m[1], bytes(m[9:12]))
                    """);
            d.sharedMemory().buffer().put(1, (byte) 5);
            try (LoopbackFile f = h.open("mpy", 0)) {
                assertEquals("4096 5 b'\\x00ab'", f.readString(100));
            }
            assertEquals(43, d.sharedMemory().buffer().get(0));
            assertEquals('b', d.sharedMemory().buffer().get(11));
        }
    }

    @Test
    void theMemorySurvivesAReload() throws Exception {
        try (Harness h = new Harness()) {
            String v1 = """
                    export const name = "mr";
                    export const memory = {size: 4096};
                    export function read() { new Uint8Array(device.memory)[0] = 77; return "1"; }
                    """;
            ScriptDevice d = h.serve(dir, "mr.js", v1);
            try (LoopbackFile f = h.open("mr", 0)) {
                assertEquals("1", f.readString(10));
            }
            var before = d.sharedMemory();
            Harness.write(dir, "mr.js", """
                    export const name = "mr";
                    export const memory = {size: 4096};
                    export function read() { return String(new Uint8Array(device.memory)[0]); }
                    """);
            d.reload();
            assertTrue(before == d.sharedMemory(), "the same memory");
            try (LoopbackFile f = h.open("mr", 0)) {
                assertEquals("77", f.readString(10));
            }
        }
    }

    @Test
    void withoutMemoryThereIsNone() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "n.js", """
                    export const name = "n";
                    export function read() { return String(device.memory); }
                    """);
            assertNull(d.sharedMemory());
            assertFalse(d.checksMmap());
            try (LoopbackFile f = h.open("n", 0)) {
                assertEquals("null", f.readString(10));
            }
        }
    }

    @Test
    void aBadMemoryExportIsALoadError() throws Exception {
        try (Harness h = new Harness()) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(
                    ScriptLoadException.class, () -> h.serve(dir, "b.js", """
                    export const name = "b";
                    export const memory = {size: -1};
                    """));
            assertTrue(e.getMessage().contains("`memory` must be {size: BYTES}"), e.getMessage());
        }
    }

    @Test
    void anMmapCallbackMayRefuse() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "c.js", """
                    export const name = "c";
                    export const memory = {size: 4096};
                    export function mmap(file, offset, length, prot) {
                        if (prot & 2) throw Errno.EACCES;
                    }
                    """);
            assertTrue(d.checksMmap());
            try (LoopbackFile f = h.open("c", 0)) {
                assertTrue(f.mmap(0, 4096, 1, true).ok());
                var e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.fusd.host.device.ErrnoException.class, () -> f.mmap(0, 4096, 3, true));
                assertEquals(Errno.EACCES, e.errno());
            }
        }
    }

    @Test
    void seekableAndLlseek() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice plain = h.serve(dir, "s.js", """
                    export const name = "s";
                    export const seekable = true;
                    export function read(file, size, offset) { return String(offset); }
                    """);
            assertTrue(plain.seekable());
            try (LoopbackFile f = h.open("s", 0)) {
                assertEquals(123, f.llseek(123, 0).n());
                var e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.fusd.host.device.ErrnoException.class, () -> f.llseek(0, 2), "no size: no SEEK_END");
                assertEquals(Errno.EINVAL, e.errno());
            }
            ScriptDevice cb = h.serve(dir, "l.py", """
                    name = "l"
                    def llseek(file, offset, whence):
                        return 1000 + offset if whence == 2 else offset
                    """);
            assertTrue(cb.seekable());
            assertFalse(cb.hasFlush());
            try (LoopbackFile f = h.open("l", 0)) {
                assertEquals(1005, f.llseek(5, 2).n());
            }
        }
    }
}
