package org.fusd.host.channel.fuse;

import static org.fusd.host.channel.fuse.Clients.runPython;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drivers that run away, served by a real fusd-host process over a FUSE
 * mount and called by client processes with real syscalls: a spinning
 * callback (budget, the caller's signal, the other devices meanwhile), a
 * timer storm, a driver that eats memory in a small heap, and SIGTERM while a
 * script spins. Timings are printed for the record, never asserted beyond
 * generous guards.
 */
class RunawayHostTest {
    @TempDir
    Path dir;

    private Process host;
    private Path stderr;

    /** Reads 1 byte of okdev n times (or for seconds): prints p50/p99/max in ms; fails on a wrong answer. */
    private static final String ROUND_TRIPS = """
            def round_trips(path, seconds):
                lat = []
                fd = os.open(path, os.O_RDONLY)
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    t0 = time.monotonic()
                    assert os.read(fd, 1) == b"o"
                    lat.append(time.monotonic() - t0)
                os.close(fd)
                lat.sort()
                return "n=%d p50=%.2fms p99=%.2fms max=%.2fms" % (
                    len(lat), lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3, lat[-1] * 1e3)
            """;

    @AfterEach
    void stopHost() throws Exception {
        if (host != null && host.isAlive()) {
            host.destroy();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path mnt() {
        return dir.resolve("mnt");
    }

    private String dev(String name) {
        return mnt().resolve(name).toString();
    }

    /** Starts `fusd-host run` in its own JVM over a FUSE mount; waits for every device's ready line. */
    private void startHost(List<String> jvmOptions, List<String> options, String... scripts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "org.fusd.host.cli.Main",
                "run",
                "--channel",
                "fuse",
                "--mount",
                mnt().toString()));
        cmd.addAll(options);
        for (String s : scripts) {
            cmd.add(dir.resolve(s).toString());
        }
        stderr = dir.resolve("host.err");
        host = new ProcessBuilder(cmd)
                .redirectError(stderr.toFile())
                .redirectOutput(dir.resolve("host.out").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (countServing() < scripts.length) {
            assertTrue(host.isAlive(), "the host exited: " + hostErr());
            assertTrue(System.nanoTime() < deadline, "the host did not start: " + hostErr());
            Thread.sleep(50);
        }
    }

    private long countServing() throws IOException {
        Path out = dir.resolve("host.out");
        return Files.exists(out)
                ? Files.readAllLines(out).stream()
                        .filter(l -> l.startsWith("fusd: serving "))
                        .count()
                : 0;
    }

    private String hostOut() throws IOException {
        Path out = dir.resolve("host.out");
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    }

    private String hostErr() throws IOException {
        return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
    }

    private String awaitHostErr(String... parts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : (hostErr() + "\n" + hostOut()).split("\n")) {
                if (List.of(parts).stream().allMatch(line::contains)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no host output line with " + List.of(parts) + " in:\n" + hostErr() + hostOut());
    }

    /** One read(2) of up to 100 bytes from a fresh open, by a client process (devices here are streams). */
    private static String readOnce(String path) throws Exception {
        return runPython("out(os.read(os.open(sys.argv[1], os.O_RDONLY), 100).decode())", path)
                .trim();
    }

    /**
     * The e2e suites' spinning driver (scripts/e2e/drivers/spin.js, spin.py:
     * read spins while the device's state says "spin"); its device is spinjs
     * or spinpy.
     */
    private static String spin(String lang) throws IOException {
        return e2eDriver("spin." + lang);
    }

    /** A driver of scripts/e2e/drivers (okdev.js answers "ok" to every read). */
    private static String e2eDriver(String file) throws IOException {
        return Files.readString(Harness.repoFile("scripts/e2e/drivers/" + file));
    }

    private void write(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text);
    }

    private void spinHost() throws Exception {
        write("ok.js", e2eDriver("okdev.js"));
        write("spin.js", spin("js"));
        write("spin.py", spin("py"));
        startHost(List.of(), List.of("--call-timeout", "1500"), "ok.js", "spin.js", "spin.py");
    }

    @Test
    void aSpinningCallbackIsStoppedCancelledAndNeverHoldsUpAnotherDevice() throws Exception {
        spinHost();
        for (String lang : List.of("js", "py")) {
            String spin = dev("spin" + lang);
            // 1. the budget: ETIMEDOUT, one line with driver, callback and file:line; the device serves on
            String out = runPython("""
                    fd = os.open(sys.argv[1], os.O_RDWR)
                    t0 = time.monotonic()
                    r, e, _ = raw_read(fd, 10)
                    out("read", r, errno.errorcode.get(e), "%.2f s" % (time.monotonic() - t0))
                    """, spin);
            assertTrue(out.startsWith("read -1 ETIMEDOUT"), out);
            System.out.println(lang + " budget of 1500 ms: " + out.trim());
            String line = awaitHostErr("spin" + lang + ": read: stopped at ", dir.resolve("spin." + lang) + ":");
            assertTrue(line.contains("1500 ms budget") && line.contains("ETIMEDOUT"), line);

            // 2. the caller's signal: EINTR long before the budget, and the script's work is cancelled
            out = runPython("""
                    signal.signal(signal.SIGALRM, lambda *a: None)
                    fd = os.open(sys.argv[1], os.O_RDWR)
                    signal.setitimer(signal.ITIMER_REAL, 0.3)
                    t0 = time.monotonic()
                    r, e, _ = raw_read(fd, 10)
                    out("read", r, errno.errorcode.get(e), "%.0f ms after the signal" % ((time.monotonic() - t0 - 0.3) * 1e3))
                    os.write(fd, b"calm")
                    t0 = time.monotonic()
                    r, e, data = raw_read(fd, 10)
                    out("then", data.decode(), "%.1f ms" % ((time.monotonic() - t0) * 1e3))
                    os.write(fd, b"spin")
                    """, spin);
            assertTrue(out.startsWith("read -1 EINTR"), out);
            assertTrue(out.contains("then calm"), out);
            System.out.println(lang + " signal after 300 ms: " + out.trim().replace('\n', ';'));
            awaitHostErr("spin" + lang + ": read: cancelled at ", "interrupted by a signal");

            // 3. isolation: okdev answers while the spinning device runs into its budget again and again
            Process spinner = Clients.python("""
                    fd = os.open(sys.argv[1], os.O_RDONLY)
                    end = time.monotonic() + 4
                    n = 0
                    while time.monotonic() < end:
                        r, e, _ = raw_read(fd, 10)
                        n += 1
                    out("spun", n)
                    """, spin);
            Thread.sleep(300);
            out = runPython(ROUND_TRIPS + "out(round_trips(sys.argv[1], 3))", dev("okdev"));
            System.out.println(lang + " okdev 1-byte round trips while spin" + lang + " spins: " + out.trim());
            Clients.finish(spinner);

            // 4. a reload hook past the budget fails the reload; the old code serves on
            String file = "spin." + lang;
            write(file, spin(lang).replace("\"calm\"", "\"v2\"") + (lang.equals("js") ? """
                    export function reload() { while (true) {} }
                    """ : """


                    def reload(previous, device):
                        while True:
                            pass
                    """));
            awaitHostErr("reload of " + dir.resolve(file) + " failed", "the reload hook was stopped", "1500 ms budget");
            Files.writeString(Path.of(spin), "calm");
            assertEquals("calm", readOnce(spin), "the old code serves");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void aTimerPastItsBudgetIsCancelledAndStateIsCapped(String lang) throws Exception {
        write("tick." + lang, lang.equals("js") ? """
                export const name = "tick";
                export const callTimeoutMs = 2000; // the top level runs under it too: room for a loaded machine
                device.state.ticks = 0;
                device.state.hoard = [];
                setInterval(() => { device.state.ticks++; while (true) {} }, 50);
                export function read() { return String(device.state.ticks); }
                export function write(file, data) { device.state.hoard.push("x".repeat(100000)); return data.length; }
                """ : """
                name = "tick"
                callTimeoutMs = 2000
                device.state.ticks = 0
                device.state.hoard = []


                def tick():
                    device.state.ticks += 1
                    while True:
                        pass


                set_interval(tick, 50)


                def read(file, size, offset):
                    return str(device.state.ticks)


                def write(file, data, offset):
                    device.state.hoard.append("x" * 100000)
                    return len(data)
                """);
        startHost(List.of(), List.of("--state-limit", "1"), "tick." + lang);
        awaitHostErr("tick: setInterval: stopped at ", "tick." + lang + ":", "2000 ms budget");
        awaitHostErr("tick: setInterval callback ran past its budget: the interval is cancelled");
        Thread.sleep(500);
        assertEquals("1", readOnce(dev("tick")), "the interval ran once; the host said: " + hostErr());

        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_WRONLY)
                n = 0
                while True:
                    try:
                        os.write(fd, b"x")
                    except OSError as e:
                        out("stored", n, errno.errorcode[e.errno])
                        break
                    n += 1
                """, dev("tick"));
        assertTrue(out.matches("stored (9|10) EIO\n"), "1 MiB of 100 kB strings, then EIO: " + out);
        awaitHostErr("tick: write: ", "state is full", "1024 KiB (--state-limit)");
    }

    @Test
    void aTimerStormAndAFloodOfOpensDoNotStarveTheOtherDevices() throws Exception {
        write("ok.js", e2eDriver("okdev.js"));
        write("storm.js", """
                export const name = "storm";
                let fired = 0;
                export function write(file, data) {
                  for (let i = 0; i < 5000; i++) setInterval(() => { fired++; }, 1);
                  return data.length;
                }
                export function read() { return String(fired); }
                """);
        startHost(List.of(), List.of(), "ok.js", "storm.js");
        String before = runPython(ROUND_TRIPS + "out(round_trips(sys.argv[1], 2))", dev("okdev"));
        Files.writeString(Path.of(dev("storm")), "go");
        String during = runPython(ROUND_TRIPS + "out(round_trips(sys.argv[1], 2))", dev("okdev"));
        System.out.println("okdev round trips before a storm of 5000 1-ms intervals: " + before.trim() + "; during: "
                + during.trim());
        long fired = Long.parseLong(readOnce(dev("storm")));
        assertTrue(fired > 5000, "the storm runs: " + fired);

        List<Process> flood = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            flood.add(Clients.python("""
                    end = time.monotonic() + 3
                    n = 0
                    while time.monotonic() < end:
                        os.close(os.open(sys.argv[1], os.O_RDONLY))
                        n += 1
                    out("opens", n)
                    """, dev("storm")));
        }
        Thread.sleep(300);
        String flooded = runPython(ROUND_TRIPS + "out(round_trips(sys.argv[1], 2))", dev("okdev"));
        long opens = 0;
        for (Process p : flood) {
            opens += Long.parseLong(Clients.finish(p).trim().split(" ")[1]);
        }
        System.out.println("okdev round trips while 4 processes open and close another device (" + opens
                + " opens in 3 s): " + flooded.trim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"js", "py"})
    void aDriverThatEatsMemoryIsFaultedAndServesAgainAfterAnEdit(String lang) throws Exception {
        write("ok.js", e2eDriver("okdev.js"));
        String leak = "leak." + lang;
        write(leak, lang.equals("js") ? """
                export const name = "leakjs";
                export function read() {
                  const keep = [];
                  while (true) keep.push(new Array(100000).fill(7));
                }
                """ : """
                name = "leakpy"


                def read(file, size, offset):
                    keep = []
                    while True:
                        keep.append([7] * 100000)
                """);
        // A small heap, and no budget: only the memory guard can stop the allocator.
        startHost(List.of("-Xmx384m"), List.of("--call-timeout", "0"), "ok.js", leak);
        String name = "leak" + lang;
        Process leaker = Clients.python("""
                fd = os.open(sys.argv[1], os.O_RDONLY)
                t0 = time.monotonic()
                r, e, _ = raw_read(fd, 10)
                out("read", r, errno.errorcode.get(e), "%.2f s" % (time.monotonic() - t0))
                r, e, _ = raw_read(fd, 10)
                out("again", r, errno.errorcode.get(e))
                """, dev(name));
        String meanwhile = runPython(ROUND_TRIPS + "out(round_trips(sys.argv[1], 2))", dev("okdev"));
        String out = Clients.finish(leaker);
        System.out.println(lang + " allocator in a 384 MiB heap: " + out.trim().replace('\n', ';')
                + "; okdev meanwhile: " + meanwhile.trim());
        assertTrue(out.contains("read -1 ENOMEM") && out.contains("again -1 ENOMEM"), out);
        awaitHostErr(name + ": faulted: ", "ENOMEM");
        assertEquals(
                "ok\n",
                runPython("out(os.read(os.open(sys.argv[1], os.O_RDONLY), 10).decode())", dev("okdev")),
                "the other device serves");
        assertTrue(host.isAlive());

        write(leak, lang.equals("js") ? """
                export const name = "leakjs";
                export function read() { return "fixed"; }
                """ : """
                name = "leakpy"


                def read(file, size, offset):
                    return "fixed"
                """);
        awaitHostErr("fusd: reloaded ", leak); // a fresh context: GraalPy's takes seconds without the JIT
        assertEquals("fixed", readOnce(dev(name)), "the edited script serves");
    }

    @Test
    void sigtermEndsTheHostWhileAScriptSpins() throws Exception {
        write("ok.js", e2eDriver("okdev.js"));
        write("spin.js", spin("js"));
        startHost(List.of(), List.of("--call-timeout", "0"), "ok.js", "spin.js");
        Process reader = Clients.python("""
                fd = os.open(sys.argv[1], os.O_RDONLY)
                out("open")
                r, e, _ = raw_read(fd, 10)
                out("read", r, errno.errorcode.get(e))
                """, dev("spinjs"));
        Clients.awaitLine(reader, "open");
        Thread.sleep(300); // the read spins in the script
        long t0 = System.nanoTime();
        host.destroy(); // SIGTERM
        assertTrue(host.waitFor(10, TimeUnit.SECONDS), "the host ended");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String answer = Clients.awaitLine(reader, "read");
        System.out.println("SIGTERM while a script spins: the host ended in " + ms + " ms; the reader got: " + answer);
        assertTrue(answer.matches("read -1 (ENODEV|ENOTCONN|ECONNABORTED|EIO)"), answer);
        assertTrue(!Clients.mounted(mnt()), "the mount is gone");
        Clients.finish(reader);
    }
}
