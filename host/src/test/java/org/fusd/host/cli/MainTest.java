package org.fusd.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes and messages of the command line, in process. */
class MainTest {
    @TempDir
    Path dir;

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    /** run's own messages go to System.err (picocli's writer only gets usage errors): captured here. */
    private static String stderrOf(Runnable r) {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(b, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(saved);
        }
        return b.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void usageErrorsAre2() {
        assertEquals(Main.EXIT_USAGE, run(new StringWriter(), "run"));
        assertEquals(Main.EXIT_USAGE, run(new StringWriter(), "run", "--channel", "carrier-pigeon", "x.js"));
        assertEquals(Main.EXIT_USAGE, run(new StringWriter(), "--no-such-option"));
        assertEquals(Main.EXIT_USAGE, run(new StringWriter()));
    }

    @Test
    void aNegativeBudgetOrStateLimitIsAUsageError() throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.js"), "export const name = \"ok\";\n");
        for (String option : new String[] {"--call-timeout", "--state-limit"}) {
            String err = stderrOf(() -> assertEquals(
                    Main.EXIT_USAGE,
                    run(new StringWriter(), "run", "--channel", "loopback", option, "-5", ok.toString())));
            assertTrue(err.contains("--call-timeout and --state-limit must be >= 0"), err);
        }
    }

    @Test
    void keeperNeedsAKernelChannelAndTheKeeper() throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.js"), "export const name = \"ok\";\n");
        String refused = stderrOf(() -> assertEquals(
                Main.EXIT_USAGE, run(new StringWriter(), "run", "--keeper", "--channel", "loopback", ok.toString())));
        assertTrue(refused.contains("--keeper: the loopback channel has nothing to keep"), refused);
        for (String kept : new String[] {"fuse", "fusd", "cuse"}) {
            String err = stderrOf(() -> assertEquals(
                    Main.EXIT_USAGE, run(new StringWriter(), "run", "--keeper", "--channel", kept, ok.toString())));
            assertTrue(err.contains("--keeper: not started by fusd-keeper; run host/bin/fusd-host run --keeper"), err);
        }
    }

    @Test
    void grantsMissingAre3AndBadPatternsAre2() throws Exception {
        Path needs = Files.writeString(
                dir.resolve("needs.js"),
                "export const name = \"needs\";\nexport const grants = { net: [\"127.0.0.1:7000\"] };\n");
        String err = stderrOf(() -> assertEquals(
                Main.EXIT_LOAD, run(new StringWriter(), "run", "--channel", "loopback", needs.toString())));
        assertTrue(err.contains("run fusd-host with --allow-net 127.0.0.1:7000"), err);
        String bad = stderrOf(() -> assertEquals(
                Main.EXIT_USAGE,
                run(new StringWriter(), "run", "--channel", "loopback", "--allow-net", "localhost", needs.toString())));
        assertTrue(bad.contains("--allow-net localhost: want HOST:PORT"), bad);
    }

    @Test
    void helpAndVersionAre0() {
        assertEquals(Main.EXIT_OK, run(new StringWriter(), "--help"));
        assertEquals(Main.EXIT_OK, run(new StringWriter(), "--version"));
        assertEquals(Main.EXIT_OK, run(new StringWriter(), "run", "--help"));
    }

    @Test
    void loadFailuresAre3() throws Exception {
        assertEquals(
                Main.EXIT_LOAD,
                run(
                        new StringWriter(),
                        "run",
                        "--channel",
                        "loopback",
                        dir.resolve("missing.js").toString()));
        Path bad = Files.writeString(
                dir.resolve("bad.js"), "export const name = \"x\";\nexport function read() { return 1 +* 2; }\n");
        assertEquals(Main.EXIT_LOAD, run(new StringWriter(), "run", "--channel", "loopback", bad.toString()));
    }

    /** The channel opens while scripts load; a script that fails must not leave the mount behind. */
    @Test
    void loadFailureOnTheFuseChannelLeavesNoMount() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path bad = Files.writeString(dir.resolve("bad.js"), "export const name = \"x\";\nthrow new Error('no');\n");
        String err = stderrOf(() -> assertEquals(
                Main.EXIT_LOAD,
                run(
                        new StringWriter(),
                        "run",
                        "--channel",
                        "fuse",
                        "--mount",
                        mnt.toString(),
                        "--no-watch",
                        bad.toString())));
        assertTrue(err.contains(bad + ":2"), err);
        String want = " " + mnt.toAbsolutePath() + " ";
        assertFalse(
                Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(want)),
                "still mounted: " + mnt);
    }

    @Test
    void aChannelThatCannotStartIs1() throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.js"), "export const name = \"ok\";\n");
        Path notADirectory = Files.writeString(dir.resolve("file"), "");
        String err = stderrOf(() -> assertEquals(
                Main.EXIT_FAILURE,
                run(
                        new StringWriter(),
                        "run",
                        "--channel",
                        "fuse",
                        "--mount",
                        notADirectory.toString(),
                        "--no-watch",
                        ok.toString())));
        assertTrue(
                err.contains("cannot start the fuse channel: " + notADirectory + ": exists and is not a directory"),
                err);
    }
}
