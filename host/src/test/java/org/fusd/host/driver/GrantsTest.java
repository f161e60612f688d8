package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.io.Grants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file grants through the polyglot file system (Python's open, JS's
 * load and imports), and a driver's declared grants: every refusal names the flag to add.
 */
class GrantsTest {
    @TempDir
    Path dir;

    private static String readOnce(Harness h, String name) {
        try (LoopbackFile f = h.open(name, OpenFlags.O_RDONLY)) {
            return f.readString(4000);
        }
    }

    private static Grants grants(List<Path> read, List<Path> write, List<String> net, List<Path> device) {
        return Grants.of(read, write, net, device);
    }

    /** A Python driver that tries each of its probes and answers what each gave: the text, or the error. */
    private static String prober(String name, String... probes) {
        StringBuilder b = new StringBuilder("""
                name = "%s"
                callTimeoutMs = 0  # a cold Python context on a loaded machine is slow; the budget is not tested here
                def attempt(f):
                    try:
                        return str(f())
                    except BaseException as e:
                        return type(e).__name__ + ": " + str(e)
                def read(file, size, offset):
                    return "\\n".join([
                """.formatted(name));
        for (String p : probes) {
            b.append("        attempt(lambda: ").append(p).append("),\n");
        }
        b.append("    ])\n");
        return b.toString();
    }

    @Test
    void pythonOpenObeysReadAndWriteGrants() throws Exception {
        Path drv = Files.createDirectories(dir.resolve("drv"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path out = Files.createDirectories(dir.resolve("out"));
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(data.resolve("in.txt"), "granted");
        Files.writeString(secret.resolve("s.txt"), "secret");
        Files.createSymbolicLink(data.resolve("link.txt"), secret.resolve("s.txt"));
        try (Harness h = new Harness(grants(List.of(data), List.of(out), List.of(), List.of()))) {
            h.serve(
                    drv,
                    "p.py",
                    prober(
                            "p-py",
                            "open('" + data.resolve("in.txt") + "').read()",
                            "open('" + secret.resolve("s.txt") + "').read()",
                            "open('" + data.resolve("../secret/s.txt") + "').read()",
                            "open('" + data.resolve("link.txt") + "').read()",
                            "(lambda f: (f.write('written'), f.close())[0])(open('" + out.resolve("o.txt") + "', 'w'))",
                            "open('" + out.resolve("o.txt") + "').read()",
                            "open('" + data.resolve("new.txt") + "', 'w').write('x')"));
            List<String> got = List.of(readOnce(h, "p-py").split("\n"));
            assertEquals("granted", got.get(0));
            // GraalPy makes a refusal a bare PermissionError; the host's log names the flag
            for (int i : new int[] {1, 2, 3, 6}) {
                assertTrue(got.get(i).startsWith("PermissionError"), got.get(i));
            }
            h.awaitLog(
                    "p.py: access to " + secret.resolve("s.txt") + " denied",
                    "--allow-read " + secret.resolve("s.txt"));
            assertEquals("7", got.get(4));
            assertEquals("written", got.get(5));
            h.awaitLog("access to " + data.resolve("new.txt") + " denied", "--allow-write " + data.resolve("new.txt"));
            assertFalse(Files.exists(data.resolve("new.txt")));
        }
    }

    @Test
    void jsLoadObeysReadGrants() throws Exception {
        Path drv = Files.createDirectories(dir.resolve("drv"));
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Harness h = new Harness(grants(List.of(data), List.of(), List.of(), List.of()))) {
            Files.writeString(data.resolve("in.js"), "'granted'");
            Files.writeString(dir.resolve("other.js"), "'other'");
            h.serve(drv, "r.js", """
                    export const name = "r-js";
                    const attempt = (f) => { try { return String(f()); } catch (e) { return "error: " + e.message; } };
                    export function read() {
                        return [attempt(() => load("%s")), attempt(() => load("%s"))].join("\\n");
                    }
                    """.formatted(data.resolve("in.js"), dir.resolve("other.js")));
            List<String> got = List.of(readOnce(h, "r-js").split("\n"));
            assertEquals("granted", got.get(0));
            assertTrue(got.get(1).contains("--allow-read " + dir.resolve("other.js")), got.get(1));
        }
    }

    @Test
    void pythonSocketsOnlyWithTheWholeNetwork() throws Exception {
        String probe = "__import__('socket').socket().connect(('127.0.0.1', 9))";
        try (Harness h = new Harness(grants(List.of(), List.of(), List.of("127.0.0.1:9"), List.of()))) {
            h.serve(dir, "s.py", prober("s-py", probe));
            // GraalPy's refusal escapes even `except BaseException`: the call fails, the log says why
            try (LoopbackFile f = h.open("s-py", OpenFlags.O_RDONLY)) {
                assertThrows(RuntimeException.class, () -> f.read(100));
            }
            h.awaitLog("socket was excluded");
        }
        try (Harness h = new Harness(grants(List.of(), List.of(), List.of("*"), List.of()))) {
            h.serve(dir, "s2.py", prober("s2-py", probe));
            String got = readOnce(h, "s2-py");
            assertTrue(got.contains("ConnectionRefused"), "--allow-net '*' gives Python's sockets: " + got);
        }
    }

    @Test
    void declaredGrantsMustBeGiven() throws Exception {
        Path script = Harness.write(dir, "needs.js", """
                export const name = "needs";
                export const grants = { net: ["localhost:7000"], device: ["/dev/ttyUSB0"], read: ["data"] };
                export function read() { return "ok"; }
                """);
        try (Harness h = new Harness()) {
            String msg = assertThrows(ScriptLoadException.class, () -> h.serve(script))
                    .getMessage();
            assertTrue(msg.contains("--allow-net localhost:7000"), msg);
            assertTrue(msg.contains("--allow-device /dev/ttyUSB0"), msg);
            assertTrue(msg.contains("--allow-read " + dir.toAbsolutePath().resolve("data")), msg);
        }
        Grants enough = grants(List.of(dir), List.of(), List.of("localhost:*"), List.of(Path.of("/dev")));
        try (Harness h = new Harness(enough)) {
            h.serve(script);
            assertEquals("ok", readOnce(h, "needs"));
        }
    }

    @Test
    void aReloadNeedingAMissingGrantFailsAndTheOldCodeServes() throws Exception {
        Path script = Harness.write(dir, "rl.py", "name = 'rl'\ndef read(f, s, o): return 'v1'\n");
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(script);
            Files.writeString(
                    script, "name = 'rl'\ngrants = {'net': ['example.org:443']}\ndef read(f, s, o): return 'v2'\n");
            String msg = assertThrows(ScriptLoadException.class, d::reload).getMessage();
            assertTrue(msg.contains("--allow-net example.org:443"), msg);
            assertEquals("v1", readOnce(h, "rl"));
        }
    }

    @Test
    void badDeclarationsAndPatternsAreExplained() throws Exception {
        Path script = Harness.write(dir, "bad.py", "name = 'bad'\ngrants = {'nett': []}\n");
        try (Harness h = new Harness()) {
            String msg = assertThrows(ScriptLoadException.class, () -> h.serve(script))
                    .getMessage();
            assertTrue(msg.contains("unknown key 'nett'"), msg);
        }
        String msg = assertThrows(
                        IllegalArgumentException.class,
                        () -> grants(List.of(), List.of(), List.of("localhost"), List.of()))
                .getMessage();
        assertTrue(msg.contains("want HOST:PORT"), msg);
    }
}
