package org.fusd.host.channel.fusd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java codec against the C header: compiles
 * kernel-module/selftests/abi_dump.c with gcc, runs it and compares every
 * "NAME VALUE" line with {@link FusdAbi#dump()}. Any name missing on either
 * side, or any different value, fails.
 */
class FusdAbiTest {
    @TempDir
    static Path tmp;

    static Map<String, Long> c;

    @BeforeAll
    static void runAbiDump() throws Exception {
        Path src = repo().resolve("kernel-module/selftests/abi_dump.c");
        Path exe = tmp.resolve("abi_dump");
        run(List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), src.toString()));
        c = new LinkedHashMap<>();
        for (String line : run(List.of(exe.toString())).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            assertEquals(2, f.length, "abi_dump line: " + line);
            c.put(f[0], Long.parseUnsignedLong(f[1]));
        }
        assertTrue(c.size() > 40, "abi_dump printed only " + c.size() + " lines");
    }

    @Test
    void everyLineOfTheHeaderMatchesTheCodec() {
        Map<String, Long> java = FusdAbi.dump();
        List<String> problems = new ArrayList<>();
        c.forEach((name, value) -> {
            Long j = java.get(name);
            if (j == null) {
                problems.add(name + ": in fusd.h (" + value + "), missing in FusdAbi");
            } else if (!j.equals(value)) {
                problems.add(name + ": fusd.h says " + value + ", FusdAbi says " + j);
            }
        });
        java.keySet().stream()
                .filter(n -> !c.containsKey(n))
                .forEach(n -> problems.add(n + ": in FusdAbi, not printed by abi_dump"));
        if (!problems.isEmpty()) {
            fail("FusdAbi does not mirror fusd.h:\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void headerAndRegisterAreEncodedAtTheDumpedOffsets() {
        ByteBuffer b = ByteBuffer.allocate(FusdAbi.MSG_SIZE + FusdAbi.REG_SIZE).order(FusdAbi.ORDER);
        FusdAbi.putHeader(b, FusdAbi.FUSD_REPLY, 200, 7, 0x1122334455L, 9, 0x15f, -11);
        assertEquals(FusdAbi.FUSD_MAGIC, b.getInt(c.get("fusd_msg.magic").intValue()));
        assertEquals(
                FusdAbi.FUSD_ABI_VERSION, b.getShort(c.get("fusd_msg.version").intValue()));
        assertEquals(FusdAbi.FUSD_REPLY, b.getShort(c.get("fusd_msg.opcode").intValue()));
        assertEquals(200, b.getInt(c.get("fusd_msg.len").intValue()));
        assertEquals(7, b.getInt(c.get("fusd_msg.dev_id").intValue()));
        assertEquals(0x1122334455L, b.getLong(c.get("fusd_msg.req_id").intValue()));
        assertEquals(9, b.getInt(c.get("fusd_msg.fh_id").intValue()));
        assertEquals(0x15f, b.getInt(c.get("fusd_msg.arg").intValue()));
        assertEquals(0, b.getInt(c.get("fusd_msg.xflags").intValue()));
        assertEquals(-11L, b.getLong(c.get("fusd_msg.result").intValue()));
        int off = FusdAbi.MSG_SIZE;
        assertTrue(FusdAbi.putRegister(b, off, "ab".getBytes(StandardCharsets.US_ASCII), 0640, 1000, 100, 0, 5));
        assertEquals('a', b.get(off + c.get("fusd_register.name").intValue()));
        assertEquals(0, b.get(off + c.get("fusd_register.name").intValue() + 2));
        assertEquals(0640, b.getInt(off + c.get("fusd_register.mode").intValue()));
        assertEquals(1000, b.getInt(off + c.get("fusd_register.uid").intValue()));
        assertEquals(100, b.getInt(off + c.get("fusd_register.gid").intValue()));
        assertEquals(5, b.getInt(off + c.get("fusd_register.poll_mask").intValue()));
        assertEquals(0, b.getInt(off + c.get("fusd_register.reserved").intValue()));
        byte[] tooLong = new byte[FusdAbi.FUSD_NAME_MAX];
        assertTrue(!FusdAbi.putRegister(b, off, tooLong, 0600, 0, 0, 0, 0), "a 64-byte name has no room for NUL");
    }

    private static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("kernel-module/include/uapi/fusd.h"))) {
                return p;
            }
        }
        throw new IllegalStateException("kernel-module/include/uapi/fusd.h not found above "
                + Path.of("").toAbsolutePath());
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed (is gcc with linux-libc-dev installed?):\n" + outText);
        }
        return outText;
    }
}
