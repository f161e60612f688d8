package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state objects as each language uses them: items, attributes, append/push, nesting, iteration. */
class StateTest {
    @TempDir
    Path dir;

    @Test
    void pythonIdioms() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "st.py", """
                    name = "st-py"
                    device.state["items"] = []
                    device.state["m"] = {"a": 1}
                    def read(file, size, offset):
                        s = device.state
                        s["items"].append(len(s["items"]))
                        s.m["b"] = s.m.get("b", 0) + 1
                        file.state.seen = True
                        keys = ",".join(sorted(k for k in s.m))
                        return "%s %d %s %s %s" % (list(s["items"]), s.m["b"], keys, file.state.seen, "zz" in s)
                    """);
            try (LoopbackFile f = h.open("st-py", OpenFlags.O_RDONLY)) {
                assertEquals("[0] 1 a,b True False", f.readString(100));
                assertEquals("[0, 1] 2 a,b True False", f.readString(100));
            }
        }
    }

    @Test
    void javascriptIdioms() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "st.js", """
                    export const name = "st-js";
                    device.state.items = [];
                    device.state.m = {a: 1};
                    export function read(file, size, offset) {
                      const s = device.state;
                      s.items.push(s.items.length);
                      s.m.b = (s.m.b ?? 0) + 1;
                      return `${JSON.stringify(Array.from(s.items))} ${s.m.b} ${Object.keys(s.m).join(",")} ${"zz" in s}`;
                    }
                    """);
            try (LoopbackFile f = h.open("st-js", OpenFlags.O_RDONLY)) {
                assertEquals("[0] 1 a,b false", f.readString(100));
                assertEquals("[0,1] 2 a,b false", f.readString(100));
            }
        }
    }
}
