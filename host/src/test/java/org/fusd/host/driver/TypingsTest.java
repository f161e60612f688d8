package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.Errno;
import org.fusd.host.device.OpenFlags;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * types/members.txt lists what a driver script gets from the host; the
 * typings (types/fusd.d.ts, fusd.pyi) are checked against that list by
 * scripts/check-types. This test checks the list against the runtime, so
 * the typings cannot drift from what the host really provides.
 */
class TypingsTest {
    private static final Path MEMBERS = Path.of("..", "types", "members.txt");

    /** The members listed for object (e.g. "file"), whatever their language tag. */
    private static Set<String> listed(String object, String language) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(MEMBERS, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || !l.startsWith(object + ".")) {
                continue;
            }
            String[] parts = l.split("\\s+", 2);
            String tag = parts.length > 1 ? parts[1] : null;
            if (language == null || tag == null || tag.equals(language)) {
                out.add(parts[0].substring(object.length() + 1));
            }
        }
        return out;
    }

    /** The names of a class's members scripts can reach (@HostAccess.Export). */
    private static Set<String> exported(Class<?> c) {
        Set<String> out = new TreeSet<>();
        for (Field f : c.getFields()) {
            if (f.isAnnotationPresent(HostAccess.Export.class)) {
                out.add(f.getName());
            }
        }
        for (Method m : c.getMethods()) {
            if (m.isAnnotationPresent(HostAccess.Export.class)) {
                out.add(m.getName());
            }
        }
        return out;
    }

    @Test
    void hostObjectsMatchTheList() throws IOException {
        assertEquals(listed("file", null), exported(ScriptFile.class), "file.*");
        assertEquals(listed("deferred", null), exported(Deferred.class), "deferred.*");
        assertEquals(listed("mem", null), exported(MemArg.class), "mem.*");
        assertEquals(listed("device", null), new TreeSet<>(Arrays.asList(ScriptApi.DeviceApi.KEYS)), "device.*");
        assertEquals(listed("Errno", null), new TreeSet<>(Errno.all().keySet()), "Errno.*");
        assertEquals(
                listed("hostio", null),
                new TreeSet<>(new org.fusd.host.io.IoSession(org.fusd.host.io.Grants.none(), Path.of("/"), null)
                        .memberNames()),
                "hostio.*");
    }

    @Test
    void theExportsTheHostReadsMatchTheList() throws IOException {
        Set<String> asked = new TreeSet<>();
        LoadedCode recorder = new LoadedCode(Path.of("recorder.js"), null) {
            @Override
            Object guestData(ByteBuffer data) {
                return null;
            }

            @Override
            Object guestBytes(byte[] bytes) {
                return null;
            }

            @Override
            Value lend(ByteBuffer memory) {
                return null;
            }

            @Override
            Object ioError(org.fusd.host.io.IoError error) {
                return null;
            }
        };
        recorder.bind(name -> {
            asked.add(name);
            return name.equals("name") ? Value.asValue("recorder") : null;
        });
        assertEquals(listed("exports", null), asked, "exports.*");
    }

    @Test
    void jsGlobalsMatchTheList(@TempDir Path dir) throws Exception {
        Set<String> plain = new TreeSet<>();
        // GraalJS's own globals under the same host access (Java, Packages: lookups are refused).
        try (Context bare = Context.newBuilder("js")
                .allowHostAccess(HostAccess.EXPLICIT)
                .allowHostClassLookup(c -> false)
                .build()) {
            Value names = bare.eval("js", "Object.getOwnPropertyNames(globalThis)");
            for (long i = 0; i < names.getArraySize(); i++) {
                plain.add(names.getArrayElement(i).asString());
            }
        }
        String script = """
                export const name = "globals-js";
                export function read(file, size) {
                    if (file.state.done) return "";
                    file.state.done = true;
                    return Object.getOwnPropertyNames(globalThis).join(" ");
                }
                """;
        Set<String> seen = globalsOf(dir, "globals.js", script, "globals-js");
        seen.removeAll(plain);
        assertEquals(listed("global", "js"), seen, "global.* (js)");
    }

    @Test
    void pythonGlobalsMatchTheList(@TempDir Path dir) throws Exception {
        String script = """
                name = "globals-py"
                def read(file, size, offset):
                    if file.state.get("done"):
                        return ""
                    file.state["done"] = True
                    return " ".join(globals().keys())
                """;
        Set<String> seen = globalsOf(dir, "globals.py", script, "globals-py");
        seen.removeIf(n -> n.startsWith("_fusd_") || (n.startsWith("__") && n.endsWith("__")));
        seen.removeAll(List.of("name", "read"));
        assertEquals(listed("global", "py"), seen, "global.* (py)");
    }

    private static Set<String> globalsOf(Path dir, String file, String script, String device) throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, file, script);
            try (LoopbackFile f = h.open(device, OpenFlags.O_RDONLY)) {
                return new TreeSet<>(Arrays.asList(f.readString(1 << 16).split(" ")));
            }
        }
    }
}
