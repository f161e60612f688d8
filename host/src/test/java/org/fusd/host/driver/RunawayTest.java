package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Call;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.ReadReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scripts that run away (spin, overrun a timer or hook, fill state, get
 * faulted) on the loopback channel, in JS and in Python: the caller gets an
 * errno, the operator a line naming the driver and file:line, and the device
 * serves on. The same cases over a real mount: RunawayHostTest.
 */
class RunawayTest {
    @TempDir
    Path dir;

    /**
     * The e2e suites' spinning driver (scripts/e2e/drivers/spin.js, spin.py:
     * read spins while device.state.spin is true; writing "spin"/"calm" sets
     * it), copied into dir; its device is spinjs or spinpy.
     */
    private ScriptDevice serveSpin(Harness h, String lang) throws Exception {
        return h.serve(dir, "spin." + lang, spinDriver(lang));
    }

    static String spinDriver(String lang) throws IOException {
        return Files.readString(Harness.repoFile("scripts/e2e/drivers/spin." + lang));
    }

    /** Starts a read on another thread (an idle device runs a call on the caller's thread) and returns at once. */
    private static LoopbackReply startRead(ScriptDevice d, LoopbackFile f) {
        LoopbackReply r = new LoopbackReply();
        ReadReply reply = r.forRead(100);
        Thread.ofPlatform().daemon().start(() -> d.read(new Call.Read(f.openFile(), 100, 0), reply));
        return r;
    }

    private static LoopbackReply.Result result(LoopbackReply r) throws Exception {
        return r.future().get(20, TimeUnit.SECONDS); // a guard against a hang; assertions are on what comes back
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void aCallPastItsBudgetGetsEtimedoutAndTheDeviceServesOn(String lang) throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(300);
            ScriptDevice d = serveSpin(h, lang);
            LoopbackFile f = h.open("spin" + lang, OpenFlags.O_RDWR);

            assertEquals(Errno.ETIMEDOUT, result(startRead(d, f)).errno());
            String line =
                    h.awaitLog("spin" + lang + ": read: stopped at ", "300 ms budget", "the caller got ETIMEDOUT");
            assertTrue(line.contains(dir.resolve("spin." + lang) + ":"), line);

            f.write("calm");
            assertEquals("calm", f.readString(100), "the device serves on");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void theCallersSignalCancelsTheRunningCallback(String lang) throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(0); // no budget: only the signal can end it
            ScriptDevice d = serveSpin(h, lang);
            LoopbackFile f = h.open("spin" + lang, OpenFlags.O_RDWR);
            LoopbackReply read = startRead(d, f);
            Thread.sleep(200);
            assertTrue(!read.isDone(), "the read spins");

            read.interrupt();

            assertEquals(Errno.EINTR, result(read).errno());
            h.awaitLog("spin" + lang + ": read: cancelled at ", "the caller was interrupted");
            f.write("calm");
            assertEquals("calm", f.readString(100), "the script's work was cancelled: the device is free");
            assertNull(d.faulted());
        }
    }

    @Test
    void aDriverExportsItsOwnBudget() throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(0);
            ScriptDevice d = h.serve(dir, "own.js", "export const callTimeoutMs = 200;\n" + spinDriver("js"));
            LoopbackFile f = h.open("spinjs", OpenFlags.O_RDWR);
            assertEquals(Errno.ETIMEDOUT, result(startRead(d, f)).errno());
            h.awaitLog("200 ms budget");
        }
    }

    @Test
    void aBadBudgetExportFailsTheLoad() throws Exception {
        try (Harness h = new Harness()) {
            ScriptLoadException e = assertThrows(
                    ScriptLoadException.class,
                    () -> h.serve(dir, "bad.js", "export const name = 'bad'; export const callTimeoutMs = -5;"));
            assertTrue(e.getMessage().contains("callTimeoutMs"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void anIntervalPastItsBudgetIsCancelled(String lang) throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(200);
            String js = """
                    export const name = "tick";
                    device.state.ticks = 0;
                    setInterval(() => { device.state.ticks++; while (true) {} }, 20);
                    export function read(file, size, offset) { return String(device.state.ticks); }
                    """;
            String py = """
                    name = "tick"
                    device.state.ticks = 0


                    def tick():
                        device.state.ticks += 1
                        while True:
                            pass


                    set_interval(tick, 20)


                    def read(file, size, offset):
                        return str(device.state.ticks)
                    """;
            h.serve(dir, "tick." + lang, lang.equals("js") ? js : py);
            h.awaitLog("tick: setInterval: stopped at ", "200 ms budget");
            h.awaitLog("tick: setInterval callback ran past its budget: the interval is cancelled");
            Thread.sleep(300);
            LoopbackFile f = h.open("tick", OpenFlags.O_RDONLY);
            assertEquals("1", f.readString(10), "the interval ran once, then never again");
        }
    }

    @Test
    void timersAreCappedWithAClearError() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "many.js", """
                    export const name = "many";
                    let refused = "";
                    try { for (let i = 0; i < 20000; i++) setInterval(() => {}, 60000); } catch (e) { refused = String(e); }
                    export function read() { return refused; }
                    """);
            String refused = h.open("many", OpenFlags.O_RDONLY).readString(200);
            assertTrue(refused.contains("10000 timers are pending already"), refused);
        }
    }

    @Test
    void aReloadHookPastItsBudgetFailsTheReload() throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(200);
            ScriptDevice d = h.serve(dir, "hook.js", """
                    export const name = "hook";
                    export function read() { return "v1"; }
                    """);
            Files.writeString(dir.resolve("hook.js"), """
                    export const name = "hook";
                    export function read() { return "v2"; }
                    export function reload() { while (true) {} }
                    """);
            ScriptLoadException e = assertThrows(ScriptLoadException.class, d::reload);
            assertTrue(
                    e.getMessage().contains("reload hook") && e.getMessage().contains("200 ms budget"), e.getMessage());
            assertEquals("v1", h.open("hook", OpenFlags.O_RDONLY).readString(10), "the old code serves");
            assertEquals(1, d.version());
        }
    }

    @Test
    void aTopLevelPastItsBudgetFailsTheLoad() throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(200);
            ScriptLoadException e = assertThrows(
                    ScriptLoadException.class, () -> h.serve(dir, "top.py", "name = 'top'\nwhile True:\n    pass\n"));
            assertTrue(e.getMessage().contains("top.py:") && e.getMessage().contains("200 ms budget"), e.getMessage());
        }
    }

    @Test
    void aTopLevelStoppedInsideABuiltinNamesTheScriptNotTheBuiltin() throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(200);
            String js = """
                    export const name = 'topjs';
                    const big = new Array(1e6).fill(7);
                    while (true) {
                        big.join(',').split(',').sort();
                    }
                    """;
            ScriptLoadException e = assertThrows(ScriptLoadException.class, () -> h.serve(dir, "top.js", js));
            // GraalJS reports such an interrupt with no script frame, so the file is all that can be named
            assertTrue(e.getMessage().startsWith(dir.resolve("top.js") + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("200 ms budget"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void stateIsCappedAndFreedSpaceCanBeUsedAgain(String lang) throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setStateLimitBytes(64 * 1024);
            String js = """
                    export const name = "hoard";
                    device.state.things = [];
                    export function write(file, data) {
                      if (data[0] === 0x63) { device.state.things = []; return data.length; } // "c": clear
                      device.state.things.push("x".repeat(1024));
                      return data.length;
                    }
                    """;
            String py = """
                    name = "hoard"
                    device.state.things = []


                    def write(file, data, offset):
                        if bytes(data) == b"c":
                            device.state.things = []
                        else:
                            device.state.things.append("x" * 1024)
                        return len(data)
                    """;
            h.serve(dir, "hoard." + lang, lang.equals("js") ? js : py);
            LoopbackFile f = h.open("hoard", OpenFlags.O_RDWR);
            int stored = 0;
            while (f.startWrite(new byte[] {'a'})
                    .future()
                    .get(10, TimeUnit.SECONDS)
                    .ok()) {
                stored++;
                assertTrue(stored < 1000, "the cap never refused a store");
            }
            assertTrue(stored > 40 && stored < 64, "about 64 KiB of 1 KiB strings: " + stored);
            h.awaitLog("hoard: write: ", "state is full", "--state-limit");
            assertEquals(1, f.write("c"), "clearing frees the space");
            assertEquals(1, f.write("a"));
        }
    }

    @Test
    void aFaultedDeviceAnswersEnomemUntilItIsReloaded() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "fat.js", """
                    export const name = "fat";
                    export function read() { return "ok"; }
                    """);
            LoopbackFile f = h.open("fat", OpenFlags.O_RDONLY);
            d.stopForMemory("a test says so");
            h.awaitLog("fat: faulted: a test says so", "ENOMEM");
            assertEquals(Errno.ENOMEM, result(f.startRead(10)).errno());
            ErrnoException refused = assertThrows(ErrnoException.class, () -> h.open("fat", OpenFlags.O_RDONLY));
            assertEquals(Errno.ENOMEM, refused.errno());

            d.reload();

            assertNull(d.faulted());
            assertEquals("ok", f.readString(10), "an open file serves again after the reload");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void stoppingScriptsAnswersARunningCallWithEnodev(String lang) throws Exception {
        try (Harness h = new Harness()) {
            h.runtime.setCallTimeoutMillis(0);
            ScriptDevice d = serveSpin(h, lang);
            LoopbackFile f = h.open("spin" + lang, OpenFlags.O_RDWR);
            LoopbackReply read = startRead(d, f);
            Thread.sleep(100);

            h.runtime.stopScripts();

            assertEquals(Errno.ENODEV, result(read).errno());
            assertEquals(Errno.ENODEV, result(startRead(d, f)).errno(), "and every later call");
        }
    }
}
