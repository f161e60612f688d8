package org.fusd.host.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fusd-host run --no-watch` in its own JVM: edits are ignored until SIGHUP reloads. */
class SighupTest {
    @TempDir
    Path dir;

    private static String read(Path dev) throws Exception {
        return ReloadFixture.python("fd = os.open(sys.argv[1], os.O_RDONLY); out(os.read(fd, 100).decode())",
                dev.toString()).finish().strip();
    }

    /**
     * The host in its own JVM, started by python3 with SIGHUP set to the given disposition (the JVM cannot
     * handle a signal it inherits as ignored, as under nohup, and then neither can the test).
     */
    private Process startHost(Path mnt, Path script, String sighup) throws Exception {
        return new ProcessBuilder(List.of(
                "python3", "-c", "import os, signal, sys; signal.signal(signal.SIGHUP, signal." + sighup + "); "
                        + "os.execv(sys.argv[1], sys.argv[1:])",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), "org.fusd.host.cli.Main",
                "run", "--no-watch", "--channel", "fuse", "--mount", mnt.toString(), script.toString()))
                .redirectErrorStream(true).start();
    }

    /** The next line of out starting with prefix; null if the host ended first (a watchdog ends a hung one). */
    private static String awaitLine(BufferedReader out, String prefix) throws Exception {
        String line;
        while ((line = out.readLine()) != null && !line.startsWith(prefix)) {
            System.err.println("host: " + line);
        }
        return line;
    }

    private static void stop(Process host, Path mnt) throws Exception {
        host.destroy();                             // SIGTERM: the shutdown hook unmounts
        if (!host.waitFor(20, TimeUnit.SECONDS)) {
            host.destroyForcibly();
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }

    @Test
    void noWatchIgnoresEditsAndSighupReloads() throws Exception {
        Path script = dir.resolve("hup.js");
        String text = "export const name = \"hup\";\nexport function read() { return \"VER\"; }\n";
        Files.writeString(script, text.replace("VER", "v1"));
        Path mnt = dir.resolve("mnt");
        Process host = startHost(mnt, script, "SIG_DFL");
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        watchdog.schedule(host::destroyForcibly, 180, TimeUnit.SECONDS);
        BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        try {
            assertNotNull(awaitLine(out, "fusd: serving hup"), "the host never served");
            assertEquals("v1", read(mnt.resolve("hup")));
            Files.writeString(script, text.replace("VER", "v2"));
            Thread.sleep(500);
            assertEquals("v1", read(mnt.resolve("hup")), "--no-watch: an edit alone does not reload");
            new ProcessBuilder("kill", "-HUP", Long.toString(host.pid())).start().waitFor();
            String line = awaitLine(out, "fusd: reloaded");
            assertNotNull(line, "no reload after SIGHUP");
            assertEquals("fusd: reloaded " + script + ": hup v2", line.substring(0, line.indexOf(" in ")));
            assertEquals("v2", read(mnt.resolve("hup")));
        } finally {
            watchdog.shutdownNow();
            stop(host, mnt);
        }
    }

    @Test
    void anInheritedIgnoredSighupIsReportedNotSilent() throws Exception {
        Path script = Files.writeString(dir.resolve("ign.js"), "export const name = \"ign\";\n");
        Path mnt = dir.resolve("mnt");
        Process host = startHost(mnt, script, "SIG_IGN");
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        watchdog.schedule(host::destroyForcibly, 180, TimeUnit.SECONDS);
        BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        try {
            String line = awaitLine(out, "fusd: SIGHUP is ignored");
            assertNotNull(line, "no word that SIGHUP cannot reload");
            assertTrue(line.contains("edit the scripts"), line);
        } finally {
            watchdog.shutdownNow();
            stop(host, mnt);
        }
    }
}
