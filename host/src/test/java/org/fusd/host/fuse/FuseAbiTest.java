package org.fusd.host.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FuseProtocol} against the installed &lt;linux/fuse.h&gt;, as FusdAbiTest
 * checks FusdAbi against fusd.h: compiles src/test/c/fuse_abi_dump.c, runs
 * it, and compares every "NAME VALUE" line with the Java constant of the
 * matching name. Struct lines map by rule: {@code fuse_read_in.sizeof} is
 * READ_IN, {@code fuse_read_in.offset} is READ_IN_OFFSET, {@code cuse_init_out.flags}
 * is CUSE_INIT_OUT_FLAGS; constants drop a leading FUSE_. A line without its
 * constant, a constant no line checks (unless it is ours, not the header's),
 * or a different value fails.
 */
class FuseAbiTest {
    /** FuseProtocol's own choices, not numbers from the header (NOTIFY_RESEND: Linux 6.9, newer than it). */
    private static final Set<String> OURS = Set.of(
            "MAX_MINOR", "MIN_MINOR", "INT_REQ_BIT", "MAX_WRITE", "REQUEST_BUFFER", "INIT_IN_MIN", "NOTIFY_RESEND");

    @TempDir
    Path tmp;

    @Test
    void everyLineOfTheHeaderMatchesFuseProtocol() throws Exception {
        Map<String, Long> java = constants();
        List<String> problems = new ArrayList<>();
        Set<String> checked = new HashSet<>();
        dump().forEach((cName, value) -> {
            String name = javaName(cName);
            Long j = java.get(name);
            if (j == null) {
                problems.add(cName + ": in fuse.h (" + value + "), no FuseProtocol." + name);
            } else if (!j.equals(value)) {
                problems.add(cName + ": fuse.h says " + value + ", FuseProtocol." + name + " says " + j);
            }
            checked.add(name);
        });
        java.keySet().stream()
                .filter(n -> !checked.contains(n) && !OURS.contains(n))
                .forEach(n -> problems.add("FuseProtocol." + n + ": not printed by fuse_abi_dump.c"));
        if (!problems.isEmpty()) {
            fail("FuseProtocol does not mirror linux/fuse.h:\n  " + String.join("\n  ", problems));
        }
    }

    /** fuse_read_in.offset -> READ_IN_OFFSET, fuse_read_in.sizeof -> READ_IN, FUSE_READ -> READ. */
    static String javaName(String cName) {
        int dot = cName.indexOf('.');
        if (dot < 0) {
            return cName.startsWith("FUSE_") ? cName.substring(5) : cName;
        }
        String struct = cName.substring(0, dot);
        String field = cName.substring(dot + 1);
        String s = (struct.startsWith("fuse_") ? struct.substring(5) : struct).toUpperCase(Locale.ROOT);
        return field.equals("sizeof") ? s : s + "_" + field.toUpperCase(Locale.ROOT);
    }

    private static Map<String, Long> constants() throws IllegalAccessException {
        Map<String, Long> m = new TreeMap<>();
        for (Field f : FuseProtocol.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && Modifier.isFinal(mod)) {
                if (f.getType() == int.class) {
                    m.put(f.getName(), (long) f.getInt(null));
                } else if (f.getType() == long.class) {
                    m.put(f.getName(), f.getLong(null));
                }
            }
        }
        return m;
    }

    private Map<String, Long> dump() throws IOException, InterruptedException {
        Path src = source();
        Path exe = tmp.resolve("fuse_abi_dump");
        run(List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), src.toString()));
        Map<String, Long> c = new LinkedHashMap<>();
        for (String line : run(List.of(exe.toString())).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            assertEquals(2, f.length, "fuse_abi_dump line: " + line);
            c.put(f[0], Long.parseUnsignedLong(f[1]));
        }
        assertTrue(c.size() > 100, "fuse_abi_dump printed only " + c.size() + " lines");
        return c;
    }

    private static Path source() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path c :
                    List.of(p.resolve("src/test/c/fuse_abi_dump.c"), p.resolve("host/src/test/c/fuse_abi_dump.c"))) {
                if (Files.isRegularFile(c)) {
                    return c;
                }
            }
        }
        throw new IllegalStateException(
                "src/test/c/fuse_abi_dump.c not found above " + Path.of("").toAbsolutePath());
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed (is gcc with linux-libc-dev installed?):\n" + out);
        }
        return out;
    }
}
