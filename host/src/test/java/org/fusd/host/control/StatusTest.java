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
                assertTrue(text.startsWith("host " + host.process.pid() + " (root): fuse channel at " + mnt), text);
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

    /** A client process's calls, one answered EAGAIN and one ENOTTY, counted per op; p50 latency; `list`. */
    @Test
    void statusCountsCallsAndErrorsPerOp() throws Exception {
        Path script = Files.writeString(dir.resolve("cnt.js"), """
                export const name = "cnt";
                export function read(file, size) {
                    file.state.reads = (file.state.reads ?? 0) + 1;
                    if (file.state.reads > 2) throw Errno.EAGAIN;
                    return "ab";
                }
                export function write(file, data) { return data.length; }
                export function ioctl(file, cmd) { throw Errno.ENOTTY; }
                """);
        Path runtime = dir.resolve("rt");
        Path mnt = dir.resolve("mnt");
        try (HostProcess host = HostProcess.start(
                runtime, "run", "--no-watch", "--channel", "fuse", "--mount", mnt.toString(), script.toString())) {
            assertNotNull(host.awaitLine("fusd: serving cnt"));
            String before = HostProcess.run(runtime, "status");
            assertTrue(before.contains("\n    calls: none yet\n"), before);
            Process client = new ProcessBuilder(
                            "python3", "-c", """
                            import fcntl, os, sys
                            fd = os.open(sys.argv[1], os.O_RDWR)
                            os.write(fd, b"x")
                            os.write(fd, b"yz")
                            os.read(fd, 10)
                            os.read(fd, 10)
                            try:
                                os.read(fd, 10)
                            except BlockingIOError:
                                print("EAGAIN")
                            try:
                                fcntl.ioctl(fd, 0x1234)
                            except OSError as e:
                                print(os.strerror(e.errno))
                            os.close(fd)
                            """, mnt.resolve("cnt").toString())
                    .redirectErrorStream(true)
                    .start();
            String said = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, client.waitFor(), said);
            assertEquals("EAGAIN\nInappropriate ioctl for device\n", said);
            String json = "";
            for (int i = 0; i < 200 && !json.contains("\"release\":{\"calls\":1,"); i++) {
                json = HostProcess.run(runtime, "status", "--json"); // the release comes after close(2) returns
                Thread.sleep(50);
            }
            assertTrue(json.contains("\"protocol\":1,\"uid\":0,\"user\":\"root\""), json);
            assertTrue(json.contains("\"open\":{\"calls\":1,\"errors\":0,\"errnos\":{},\"p50Nanos\":"), json);
            assertTrue(json.contains("\"write\":{\"calls\":2,\"errors\":0,"), json);
            assertTrue(json.contains("\"read\":{\"calls\":3,\"errors\":1,\"errnos\":{\"EAGAIN\":1},"), json);
            assertTrue(json.contains("\"ioctl\":{\"calls\":1,\"errors\":1,\"errnos\":{\"ENOTTY\":1},"), json);
            assertTrue(json.contains("\"release\":{\"calls\":1,\"errors\":0,"), json);
            assertTrue(
                    json.matches("(?s).*\"stats\":\\{\"calls\":[0-9]+,\"errors\":2,\"p50Nanos\":[1-9][0-9]*,.*"), json);
            assertTrue(json.contains("\"running\":null,\"queued\":0,"), json);
            String text = HostProcess.run(runtime, "status");
            assertTrue(text.matches("(?s).*\n    calls: [0-9]+, errors: 2, p50 [0-9.]+ (ns|us|ms)\n.*"), text);
            assertTrue(text.matches("(?s).*\n      read +3 +1 +[0-9.]+ (ns|us|ms)  \\(EAGAIN 1\\)\n.*"), text);
            assertTrue(text.matches("(?s).*\n      ioctl +1 +1 +[0-9.]+ (ns|us|ms)  \\(ENOTTY 1\\)\n.*"), text);
            assertTrue(text.matches("(?s).*\n      write +2 +0 +[0-9.]+ (ns|us|ms)\n.*"), text);
            String list = HostProcess.run(runtime, "list");
            assertEquals(
                    host.process.pid() + " root fuse at " + mnt + ", up ", list.substring(0, list.indexOf("up ") + 3));
            assertTrue(list.matches("[0-9]+ root fuse at \\S+, up [0-9.hms]+, in \\S+: cnt v1 \\(0 open\\)\n"), list);
            String listJson = HostProcess.run(runtime, "list", "--json");
            assertTrue(
                    listJson.contains("\"devices\":[{\"name\":\"cnt\",\"version\":1,\"faulted\":null,"
                            + "\"openFiles\":0,\"pending\":0}]}"),
                    listJson);
        }
    }
}
