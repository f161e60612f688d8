package org.fusd.host.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void noWatchIgnoresEditsAndSighupReloads() throws Exception {
        Path script = dir.resolve("hup.js");
        String text = "export const name = \"hup\";\nexport function read() { return \"VER\"; }\n";
        Files.writeString(script, text.replace("VER", "v1"));
        Path mnt = dir.resolve("mnt");
        Process host = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), "org.fusd.host.cli.Main",
                "run", "--no-watch", "--channel", "fuse", "--mount", mnt.toString(), script.toString()))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("fusd: serving hup")) {
                System.err.println("host: " + line);
            }
            assertEquals("v1", read(mnt.resolve("hup")));
            Files.writeString(script, text.replace("VER", "v2"));
            Thread.sleep(500);
            assertEquals("v1", read(mnt.resolve("hup")), "--no-watch: an edit alone does not reload");
            new ProcessBuilder("kill", "-HUP", Long.toString(host.pid())).start().waitFor();
            while ((line = out.readLine()) != null && !line.startsWith("fusd: reloaded")) {
                System.err.println("host: " + line);
            }
            assertEquals("fusd: reloaded " + script + ": hup v2", line.substring(0, line.indexOf(" in ")));
            assertEquals("v2", read(mnt.resolve("hup")));
        } finally {
            host.destroy();                         // SIGTERM: the shutdown hook unmounts
            if (!host.waitFor(20, TimeUnit.SECONDS)) {
                host.destroyForcibly();
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
    }
}
