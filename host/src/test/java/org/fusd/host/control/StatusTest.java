package org.fusd.host.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fusd-host status` against a real host in its own JVM, through its control socket. */
class StatusTest {
    @TempDir
    Path dir;

    @Test
    void statusShowsDevicesOpenFilesAndPendingCalls() throws Exception {
        Path script = Files.writeString(dir.resolve("blk.js"), """
                export const name = "blk";
                export function read(file) { device.state.r = file.defer(); return device.state.r; }
                """);
        Path runtime = dir.resolve("rt");
        Path mnt = dir.resolve("mnt");
        try (HostProcess host = HostProcess.start(
                runtime, "run", "--no-watch", "--channel", "fuse", "--mount", mnt.toString(), script.toString())) {
            assertNotNull(host.awaitLine("fusd: serving blk"));
            assertTrue(Files.exists(runtime.resolve(host.process.pid() + ".sock")), "no control socket");
            try (RandomAccessFile f = new RandomAccessFile(mnt.resolve("blk").toFile(), "r")) {
                Thread reader = new Thread(() -> {
                    try {
                        f.read();
                    } catch (java.io.IOException ignored) {
                        // closed at the end of the test
                    }
                });
                reader.setDaemon(true);
                reader.start();
                String text = "";
                for (int i = 0; i < 200 && !text.contains("pending calls: 1"); i++) {
                    text = HostProcess.run(runtime, "status");
                    Thread.sleep(50);
                }
                assertTrue(text.startsWith("host " + host.process.pid() + ": fuse channel at " + mnt), text);
                assertTrue(text.contains("blk v1 (" + script + ") at " + mnt.resolve("blk") + ": serving"), text);
                assertTrue(text.contains("open files: 1, pending calls: 1"), text);
                assertTrue(text.matches("(?s).*\n      pending read on file 1, waiting [0-9]+ ms\n.*"), text);
                assertTrue(text.matches("(?s).*file 1: pid [0-9]+ uid 0 flags 0100000.*"), text);
                String json = HostProcess.run(runtime, "status", "--json");
                assertTrue(json.startsWith("{\"pid\":" + host.process.pid() + ","), json);
                assertTrue(json.contains("\"name\":\"blk\""), json);
                assertTrue(json.contains("\"pending\":1"), json);
                assertTrue(json.contains("\"calls\":[{\"op\":\"read\",\"file\":1,\"waitedMillis\":"), json);
            }
            host.close();
            assertFalse(Files.exists(runtime.resolve(host.process.pid() + ".sock")), "socket left behind");
        }
        String none = HostProcess.run(runtime, "status");
        assertEquals("fusd-host: no running host (no control socket in " + runtime + ")\n", none);
    }
}
