package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.Harness;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The examples through a real FUSE mount: the host serves them in this JVM,
 * clients are separate python3 / dd processes making real syscalls.
 * Skipped where /dev/fuse cannot be mounted (not root).
 */
class FuseExamplesTest {
    static final String PRELUDE = """
            import os, sys, fcntl, struct, select, errno, time, threading
            D = sys.argv[1]
            def out(*a): print(*a, flush=True)
            """;

    static Path base;
    static FuseChannel channel;
    static DriverRuntime runtime;
    static final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void serve() throws IOException {
        Assumptions.assumeTrue(
                Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        base = Files.createTempDirectory("fusd-examples");
        channel = FuseChannel.open(base.resolve("mnt"));
        runtime = new DriverRuntime(false, l -> {
            log.add(l);
            System.err.println(l);
        });
        for (String s : new String[] {
            "hello.js",
            "hello.py",
            "pipe.js",
            "counter.py",
            "ticker.js",
            "zero.js",
            "drums.js",
            "drums.py",
            "logring.js",
            "logring.py"
        }) {
            for (ScriptDevice d : runtime.loadScript(Harness.example(s))) {
                channel.add(d);
            }
        }
    }

    @AfterAll
    static void close() {
        if (channel != null) {
            channel.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    static Process start(String... cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    static Process python(String code) throws IOException {
        return start(
                "/usr/bin/python3", "-c", PRELUDE + code, channel.mountDir().toString());
    }

    static String finish(Process p) throws Exception {
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(exited, "client hung: " + out);
        assertEquals(0, p.exitValue(), "client failed: " + out);
        return out;
    }

    static String py(String code) throws Exception {
        return finish(python(code));
    }

    @Test
    void hello() throws Exception {
        assertEquals("Hello from a script!\n", finish(start("cat", channel.mountDir() + "/hello")));
        assertEquals("Hello from a Python script!\n", finish(start("cat", channel.mountDir() + "/hello-py")));
    }

    @Test
    void pipeBlocksUntilWritten() throws Exception {
        Process reader = python("""
                fd = os.open(D + "/pipe", os.O_RDONLY)
                out("open")
                out(os.read(fd, 100).decode().strip())
                """);
        assertEquals(
                "open",
                new java.io.BufferedReader(
                                new java.io.InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8))
                        .readLine());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (channel.pendingRequests() != 1) { // the read waits in the device
            assertTrue(System.nanoTime() < deadline, "the read never reached the device");
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // poll the state
        }
        assertTrue(reader.isAlive(), "read must block until someone writes");
        py("fd = os.open(D + '/pipe', os.O_WRONLY); os.write(fd, b'ping\\n')");
        assertTrue(reader.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, reader.exitValue());
        String rest = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("ping\n", rest);
        // O_NONBLOCK with no data: EAGAIN; select wakes when a writer writes
        String out = py("""
                fd = os.open(D + "/pipe", os.O_RDONLY | os.O_NONBLOCK)
                try:
                    os.read(fd, 10); out("no EAGAIN")
                except BlockingIOError:
                    out("EAGAIN")
                r, w, x = select.select([fd], [], [], 0)
                out("ready" if r else "idle")
                w = os.open(D + "/pipe", os.O_WRONLY)
                os.write(w, b"x")
                r, _, _ = select.select([fd], [], [], 5)
                out("ready" if r else "idle", os.read(fd, 10))
                """);
        assertEquals("EAGAIN\nidle\nready b'x'\n", out);
    }

    @Test
    void counterIoctls() throws Exception {
        String out = py("""
                fd = os.open(D + "/counter", os.O_RDWR)
                GET, SET, RESET, ADD = 0x80086301, 0x40086302, 0x00006303, 0xc0086304
                fcntl.ioctl(fd, SET, struct.pack("<q", 40))
                out(struct.unpack("<q", fcntl.ioctl(fd, ADD, struct.pack("<q", 2)))[0])
                out(struct.unpack("<q", fcntl.ioctl(fd, GET, bytes(8)))[0])
                fcntl.ioctl(fd, RESET, 0)
                out(struct.unpack("<q", fcntl.ioctl(fd, GET, bytes(8)))[0])
                try:
                    fcntl.ioctl(fd, 0x80086399, bytes(8)); out("no error")
                except OSError as e:
                    out(errno.errorcode[e.errno])
                """);
        assertEquals("42\n42\n0\nENOTTY\n", out);
    }

    @Test
    void tickerStreamsAndPollWakes() throws Exception {
        String out = py("""
                fd = os.open(D + "/ticker", os.O_RDONLY)
                p = select.poll(); p.register(fd, select.POLLIN)
                t0 = time.time()
                ev = p.poll(2000)
                out("woke" if ev else "timeout")
                lines = [os.read(fd, 100).decode() for _ in range(4)]
                out(all(l.startswith("tick ") for l in lines), time.time() - t0 < 3)
                """);
        assertEquals("woke\nTrue True\n", out);
    }

    @Test
    void zeroThroughputAndRoundTrip() throws Exception {
        String dev = channel.mountDir() + "/zeros";
        assertEquals(
                "0000000 000000 000000 000000 000000 000000 000000 000000 000000\n*\n0200000\n",
                finish(start("sh", "-c", "head -c 65536 " + dev + " | od")));
        // figures only, never asserted: dd reports the rate on stderr
        for (String[] run : new String[][] {{"1", "200000"}, {"65536", "20000"}}) {
            String ddOut = finish(start(
                    "sh",
                    "-c",
                    "dd if=" + dev + " of=/dev/null bs=" + run[0] + " count=" + run[1] + " 2>&1 | tail -1"));
            System.out.println("zero.js over fuse, bs=" + run[0] + ": " + ddOut.trim());
        }
    }

    @Test
    void drumsAreDevicesInADirectoryEachWithItsOwnState() throws Exception {
        String mnt = channel.mountDir().toString();
        assertEquals("bam\nbang\nbeat\nboom\nbum\ncrash\n", finish(start("ls", mnt + "/drums")));
        assertEquals("bim\nbom\ntss\n", finish(start("ls", mnt + "/drums-py")));
        assertEquals(
                "bam! (hit 1)\nbam! (hit 2)\nboom! (hit 1)\nbim! (hit 1)\ntss! (hit 1)\nbim! (hit 2)\n",
                finish(start(
                        "sh",
                        "-c",
                        "cd " + mnt + " && cat drums/bam && cat drums/bam drums/boom && cat drums-py/bim"
                                + " drums-py/tss && head -n1 drums-py/bim")));
        String out = py("""
                fd = os.open(D + "/drums/crash", os.O_RDONLY)
                out(os.read(fd, 4), os.read(fd, 100), oct(os.stat(D + "/drums/crash").st_mode & 0o777))
                """);
        assertEquals("b'cras' b'' 0o444\n", out, "the rest of a cut read is gone; mode 0o444");
    }

    /** The same checks of the ring log, for logring.js and logring.py. */
    private static String logringSession(String name) throws Exception {
        return py("""
                path = D + "/" + sys.argv[2]
                w = os.open(path, os.O_WRONLY)
                r1 = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                try:
                    os.read(r1, 100); out("data?")
                except BlockingIOError:
                    out("empty: EAGAIN")
                os.write(w, b"one\\n"); os.write(w, b"two")
                r2 = os.open(path, os.O_RDONLY)                     # starts at the oldest message kept
                out(os.read(r1, 100), os.read(r1, 100))
                p = select.poll(); p.register(r1, select.POLLIN)
                out("poll", p.poll(0))
                os.write(w, b"three\\n")
                out("poll", [e & select.POLLIN for _, e in p.poll(2000)])
                out(os.read(r1, 3), os.read(r1, 100))                # a short read keeps the rest
                out(os.read(r2, 100))
                for i in range(70):
                    os.write(w, b"m%d" % i)
                out(os.read(r1, 100), os.read(r1, 100))              # fell a lap behind: told how much
                out(os.read(r2, 100), os.read(r2, 100))
                r3 = os.open(path, os.O_RDONLY)
                while select.select([r3], [], [], 0)[0]:
                    os.read(r3, 100)
                got = []
                t = threading.Thread(target=lambda: got.append(os.read(r3, 100)))
                t.start(); time.sleep(0.3)
                out("blocked", t.is_alive())
                os.write(w, b"wake")
                t.join(10)
                out(got)
                with open(path, "rb") as f:                          # readline from the oldest kept
                    out(f.readline())
                """, name);
    }

    @Test
    void logringReadersTailWithTheirOwnPositions() throws Exception {
        String want = """
                empty: EAGAIN
                b'one\\n' b'two\\n'
                poll []
                poll [1]
                b'thr' b'ee\\n'
                b'one\\n'
                b'logring: 6 messages lost\\n' b'm6\\n'
                b'logring: 8 messages lost\\n' b'm6\\n'
                blocked True
                [b'wake\\n']
                b'm7\\n'
                """;
        assertEquals(want, logringSession("logring"));
        assertEquals(want, logringSession("logring-py"));
    }

    static String py(String code, String arg) throws Exception {
        return finish(start(
                "/usr/bin/python3", "-c", PRELUDE + code, channel.mountDir().toString(), arg));
    }

    static List<String> lines(String s) {
        return new ArrayList<>(List.of(s.split("\n")));
    }
}
