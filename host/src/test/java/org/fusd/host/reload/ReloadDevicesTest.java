package org.fusd.host.reload;

import static org.fusd.host.reload.ReloadFixture.awaitVersion;
import static org.fusd.host.reload.ReloadFixture.python;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hot reload of a script with several devices (`devices`), through a real
 * fuse mount: the devices it keeps are reloaded with their state, a name it
 * adds is served at once, a name it drops goes for new opens while the files
 * open on it keep their old code until they are closed.
 */
class ReloadDevicesTest {
    private static ReloadFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ReloadFixture(false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private static final String KIT = """
            export const devices = [NAMES];
            device.state.reads ??= 0;
            export function read(file, size) {
                device.state.reads += 1;
                return `${device.name} VER ${device.state.reads}\\n`;
            }
            """;

    private static String kit(String version, String... names) {
        StringBuilder list = new StringBuilder();
        for (String n : names) {
            list.append(list.length() == 0 ? "" : ", ").append('"').append(n).append('"');
        }
        return KIT.replace("NAMES", list).replace("VER", version);
    }

    private static String headLine(String name) throws Exception {
        Process p = new ProcessBuilder("head", "-n1", fx.path(name))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return out.strip();
    }

    @Test
    void aReloadKeepsAddsAndDropsDevicesByName() throws Exception {
        List<ScriptDevice> all = fx.serveAll("kit.js", kit("v1", "kit/a", "kit/b"));
        ScriptDevice a = all.get(0);
        ScriptDevice b = all.get(1);
        assertEquals("kit/a v1 1", headLine("kit/a"));
        try (ReloadFixture.Client c = python("""
                fd = os.open(sys.argv[1], os.O_RDONLY)
                out("old", os.read(fd, 100).decode().strip())
                sys.stdin.readline()
                out("still", os.read(fd, 100).decode().strip())
                try:
                    os.open(sys.argv[1], os.O_RDONLY)
                    out("reopen ok")
                except OSError as e:
                    out("reopen", errno.errorcode[e.errno])
                os.close(fd)
                """, fx.path("kit/b"))) {
            assertEquals("old kit/b v1 1", c.await("old"));
            fx.replace("kit.js", kit("v2", "kit/a", "kit/c"));
            awaitVersion(a, 2);
            ReloadFixture.await(
                    "the added line", 10_000, () -> fx.out.stream().anyMatch(l -> l.contains("kit/c v1 added")));
            assertEquals("kit/a v2 2", headLine("kit/a"), "kept: new code, same state");
            assertEquals("kit/c v2 1", headLine("kit/c"), "added: runs the new code");
            c.send("go");
            assertEquals("still kit/b v1 2", c.await("still"), "dropped: its open file keeps the old code");
            assertEquals("reopen ENOENT", c.await("reopen"));
            c.finish();
        }
        ReloadFixture.await(
                "kit/b unloaded after its last close",
                10_000,
                () -> fx.runtime.devices().stream().noneMatch(d -> d.name().equals("kit/b")));
        assertEquals(1, b.version(), "a dropped device is not reloaded");
        assertTrue(
                fx.out.stream().anyMatch(l -> l.contains("kit.js: kit/b dropped (no longer among its devices)")),
                fx.out.toString());
        assertTrue(
                fx.out.stream().anyMatch(l -> l.contains("kit/c v1 added, serving kit/c at " + fx.path("kit/c"))),
                fx.out.toString());
        assertEquals(
                List.of("kit/a", "kit/c"),
                fx.runtime.devices().stream()
                        .map(ScriptDevice::name)
                        .filter(n -> n.startsWith("kit/"))
                        .toList());
    }

    @Test
    void aBrokenVersionKeepsEveryDeviceOnTheOldCode() throws Exception {
        List<ScriptDevice> all = fx.serveAll("broken.js", kit("v1", "brk/x", "brk/y"));
        fx.rewrite("broken.js", kit("v2", "brk/x", "brk/y") + "\nexport function oops( {\n");
        String line = fx.awaitErr("reload of " + fx.script("broken.js") + " failed");
        assertTrue(line.contains("brk/x v1 keeps serving") && line.contains("broken.js:"), line);
        assertEquals("brk/y v1 1", headLine("brk/y"));
        assertEquals(1, all.get(1).version());
        fx.rewrite("broken.js", kit("v3", "brk/x", "brk/y"));
        awaitVersion(all.get(1), 2);
        assertEquals("brk/y v3 2", headLine("brk/y"));
    }
}
