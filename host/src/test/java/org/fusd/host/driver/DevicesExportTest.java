package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One script, several devices: the `devices` export, over loopback. */
class DevicesExportTest {
    @TempDir
    Path dir;

    static final String JS = """
            export const devices = ["kit/snare", "kit/kick", "kit/hat"];
            const atTop = device.name;                  // null: the first run of the top level
            device.state.opens ??= 0;
            export function open(file, flags) { device.state.opens += 1; }
            export function read(file, size, offset) {
                if (file.state.done) return "";
                file.state.done = true;
                return `${device.name} ${atTop} ${device.state.opens}\\n`;
            }
            """;

    static final String PY = """
            devices = ("py/a", "py/b")
            at_top = device.name
            device.state.setdefault("opens", 0)
            def open(file, flags):
                device.state["opens"] += 1
            def read(file, size, offset):
                if file.state.get("done"):
                    return b""
                file.state["done"] = True
                return "%s %s %d\\n" % (device.name, at_top, device.state["opens"])
            """;

    private static String readOnce(Harness h, String name) {
        try (LoopbackFile f = h.open(name, OpenFlags.O_RDONLY)) {
            return f.readString(100);
        }
    }

    @Test
    void eachNameIsADeviceWithItsOwnCopyOfTheScript() throws Exception {
        for (String[] s : new String[][] {{"kit.js", JS}, {"py.py", PY}}) {
            try (Harness h = new Harness()) {
                List<ScriptDevice> all = h.runtime.loadScript(Harness.write(dir, s[0], s[1]));
                all.forEach(h.channel::add);
                List<String> names = all.stream().map(ScriptDevice::name).toList();
                String first = names.get(0);
                String second = names.get(1);
                String top = s[0].endsWith(".js") ? "null" : "None";
                assertEquals(first + " " + top + " 1\n", readOnce(h, first));
                assertEquals(first + " " + top + " 2\n", readOnce(h, first), "its own device.state");
                assertEquals(second + " " + top + " 1\n", readOnce(h, second), "another copy, other state");
                assertEquals(
                        names,
                        h.runtime.devices().stream().map(ScriptDevice::name).toList());
                assertTrue(all.stream().allMatch(d -> d.definedNames().equals(names)));
            }
        }
        assertEquals(List.of("kit/snare", "kit/kick", "kit/hat"), namesOf(JS, "kit2.js"));
    }

    private List<String> namesOf(String text, String file) throws Exception {
        try (Harness h = new Harness()) {
            return h.runtime.loadScript(Harness.write(dir, file, text)).stream()
                    .map(ScriptDevice::name)
                    .toList();
        }
    }

    private String loadError(String file, String text) throws Exception {
        try (Harness h = new Harness()) {
            Path p = Harness.write(dir, file, text);
            String m = assertThrows(ScriptLoadException.class, () -> h.runtime.loadScript(p))
                    .getMessage();
            assertEquals(List.of(), h.runtime.devices(), "all or nothing");
            return m;
        }
    }

    @Test
    void badDevicesExportsAreRefusedWithTheReason() throws Exception {
        String m = loadError("both.js", "export const name = \"x\";\nexport const devices = [\"y\"];\n");
        assertTrue(m.startsWith(dir.resolve("both.js") + ": the driver defines both `name` and `devices`"), m);
        m = loadError("none.py", "mode = 0o600\n");
        assertTrue(m.contains("does not define `name` (the device name) or `devices`"), m);
        m = loadError("str.js", "export const devices = \"drums/bam\";\n");
        assertTrue(m.contains("`devices` must be a list of 1 to 64 device names (strings), not"), m);
        m = loadError("empty.py", "devices = []\n");
        assertTrue(m.contains("; it has 0"), m);
        m = loadError("many.js", "export const devices = Array.from({length: 65}, (_, i) => `d${i}`);\n");
        assertTrue(m.contains("; it has 65"), m);
        m = loadError("num.js", "export const devices = [\"a\", 7];\n");
        assertTrue(m.contains("element 1 is"), m);
        m = loadError("dup.py", "devices = ['a', 'b', 'a']\n");
        assertTrue(m.contains("`devices` names \"a\" twice"), m);
        m = loadError("dots.js", "export const devices = [\"ok\", \"kit/../x\"];\n");
        assertTrue(m.contains("device name \"kit/../x\" must not contain \"..\""), m);
        m = loadError("lead.py", "devices = ['ok', '/dev/x']\n");
        assertTrue(m.contains("device name \"/dev/x\" may use '/' only between path components"), m);
    }

    @Test
    void aNameTakenByAnotherScriptFailsTheWholeScript() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "one.js", "export const name = \"kit/kick\";\n");
            Path p = Harness.write(dir, "kit.js", JS);
            String m = assertThrows(ScriptLoadException.class, () -> h.runtime.loadScript(p))
                    .getMessage();
            assertTrue(m.contains("\"kit/kick\" is already served by") && m.contains("one.js"), m);
            assertEquals(
                    List.of("kit/kick"),
                    h.runtime.devices().stream().map(ScriptDevice::name).toList());
        }
    }

    @Test
    void loadOfAScriptWithSeveralDevicesSaysToUseLoadScript() throws Exception {
        try (Harness h = new Harness()) {
            Path p = Harness.write(dir, "kit.js", JS);
            String m = assertThrows(ScriptLoadException.class, () -> h.runtime.load(p))
                    .getMessage();
            assertTrue(m.contains("defines 3 devices"), m);
            assertEquals(List.of(), h.runtime.devices());
            ScriptDevice one = h.runtime.load(Harness.write(dir, "one.js", "export const devices = [\"solo\"];\n"));
            assertEquals("solo", one.name());
        }
    }
}
