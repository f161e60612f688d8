package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bytes kept in device.state can be read back by the script's top level, on the first load and on a reload. */
class TopLevelStateTest {

    @Test
    void jsReadsBytesFromStateAtTopLevel(@TempDir Path dir) throws Exception {
        String script = """
                device.state.b ??= new Uint8Array([1, 2, 3]);
                const kept = device.state.b;
                export const name = "toplevel-js";
                export function read(file, size) {
                    return file.state.done ? "" : (file.state.done = true, String(kept.length));
                }
                """;
        check(dir, "toplevel.js", script, "toplevel-js");
    }

    @Test
    void pythonReadsBytesFromStateAtTopLevel(@TempDir Path dir) throws Exception {
        String script = """
                if device.state.get("b") is None:
                    device.state["b"] = b"\\x01\\x02\\x03"
                kept = device.state["b"]
                name = "toplevel-py"
                def read(file, size, offset):
                    if file.state.get("done"):
                        return ""
                    file.state["done"] = True
                    return str(len(kept))
                """;
        check(dir, "toplevel.py", script, "toplevel-py");
    }

    private static void check(Path dir, String file, String script, String device) throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, file, script);
            try (LoopbackFile f = h.open(device, OpenFlags.O_RDONLY)) {
                assertEquals("3", f.readString(10), "first load");
            }
            d.reload(); // the state now holds bytes from the first context
            try (LoopbackFile f = h.open(device, OpenFlags.O_RDONLY)) {
                assertEquals("3", f.readString(10), "after a reload");
            }
        }
    }
}
