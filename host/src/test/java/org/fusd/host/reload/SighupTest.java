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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fusd-host run --no-watch` in its own JVM: edits are ignored until SIGHUP reloads. */
class SighupTest {
    @TempDir
    Path dir;

    private static String read(Path dev) throws Exception {
        return ReloadFixture.python(
                        "fd = os.open(sys.argv[1], os.O_RDONLY); out(os.read(fd, 100).decode())", dev.toString())
                .finish()
                .strip();
    }

    /**
     * fusd-host in its own JVM, started by python3 with SIGHUP set to the given disposition (the JVM
     * cannot handle a signal it inherits as ignored, as under nohup, and then neither could the test).
     * A watchdog kills a hung host after 180 s, so its output ends and the test fails instead of hanging.
     */
    private static final class Host implements AutoCloseable {
        final Process process;
        private final BufferedReader out;
        private final Path mnt;
        private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        private final ScheduledFuture<?> kill;

        Host(Path mnt, Path script, String sighup) throws Exception {
            this.mnt = mnt;
            process = new ProcessBuilder(List.of(
                            "python3",
                            "-c",
                            "import os, signal, sys; signal.signal(signal.SIGHUP, signal." + sighup + "); "
                                    + "os.execv(sys.argv[1], sys.argv[1:])",
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "--sun-misc-unsafe-memory-access=allow",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "org.fusd.host.cli.Main",
                            "run",
                            "--no-watch",
                            "--channel",
                            "fuse",
                            "--mount",
                            mnt.toString(),
                            script.toString()))
                    .redirectErrorStream(true)
                    .start();
            kill = watchdog.schedule(process::destroyForcibly, 180, TimeUnit.SECONDS);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** The next output line starting with prefix; null if the host ended first. */
        String awaitLine(String prefix) throws Exception {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith(prefix)) {
                System.err.println("host: " + line);
            }
            return line;
        }

        @Override
        public void close() throws Exception {
            kill.cancel(false);
            watchdog.shutdownNow();
            process.destroy(); // SIGTERM: the shutdown hook unmounts
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
    }

    @Test
    void noWatchIgnoresEditsAndSighupReloads() throws Exception {
        Path script = dir.resolve("hup.js");
        String text = "export const name = \"hup\";\nexport function read() { return \"VER\"; }\n";
        Files.writeString(script, text.replace("VER", "v1"));
        Path mnt = dir.resolve("mnt");
        try (Host host = new Host(mnt, script, "SIG_DFL")) {
            assertNotNull(host.awaitLine("fusd: serving hup"), "the host never served");
            assertEquals("v1", read(mnt.resolve("hup")));
            Files.writeString(script, text.replace("VER", "v2"));
            Thread.sleep(500);
            assertEquals("v1", read(mnt.resolve("hup")), "--no-watch: an edit alone does not reload");
            new ProcessBuilder("kill", "-HUP", Long.toString(host.process.pid()))
                    .start()
                    .waitFor();
            String line = host.awaitLine("fusd: reloaded");
            assertNotNull(line, "no reload after SIGHUP");
            assertEquals("fusd: reloaded " + script + ": hup v2", line.substring(0, line.indexOf(" in ")));
            assertEquals("v2", read(mnt.resolve("hup")));
        }
    }

    @Test
    void anInheritedIgnoredSighupIsReportedNotSilent() throws Exception {
        Path script = Files.writeString(dir.resolve("ign.js"), "export const name = \"ign\";\n");
        try (Host host = new Host(dir.resolve("mnt"), script, "SIG_IGN")) {
            String line = host.awaitLine("fusd: SIGHUP is ignored");
            assertNotNull(line, "no word that SIGHUP cannot reload");
            assertTrue(line.contains("edit the scripts"), line);
        }
    }
}
