package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.Harness;
import org.fusd.host.io.Grants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The examples that use the world (serial-tap, netsensor, replay,
 * console-read) through a real FUSE mount, with separate client processes
 * and real peers: a pty pair for the serial port, a TCP service on
 * localhost, the capture file, a host whose stdin is a pty. Skipped where
 * /dev/fuse cannot be mounted (not root).
 */
class IoExamplesTest {
    static Path base;
    static FuseChannel channel;
    static DriverRuntime runtime;
    static final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void serve() throws IOException {
        Assumptions.assumeTrue(
                Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        base = Files.createTempDirectory("fusd-io-examples");
        channel = FuseChannel.open(base.resolve("mnt"));
        Grants grants = Grants.of(List.of(), List.of(), List.of("127.0.0.1:*"), List.of(Path.of("/dev/pts")));
        runtime = new DriverRuntime(grants, l -> {
            log.add(l);
            System.err.println(l);
        });
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

    /** A copy of an example with one line changed (the port it uses), served. */
    static void serveCopy(String example, String line, String replacement) throws IOException {
        String text = Files.readString(Harness.example(example));
        assertTrue(text.contains(line), example + " has no line " + line);
        Path copy = Files.createDirectories(base.resolve(example + ".d")).resolve(example);
        Files.writeString(copy, text.replace(line, replacement));
        channel.add(runtime.load(copy));
    }

    static Process python(String code, String... args) throws IOException {
        String[] cmd = new String[3 + args.length];
        cmd[0] = "/usr/bin/python3";
        cmd[1] = "-c";
        cmd[2] = "import os, sys, select, errno, time, termios\nD = "
                + q(channel.mountDir().toString()) + "\n" + "def out(*a): print(*a, flush=True)\n" + code;
        System.arraycopy(args, 0, cmd, 3, args.length);
        return new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    static String q(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static String finish(Process p) throws Exception {
        boolean exited = p.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(exited, "client hung: " + out);
        assertEquals(0, p.exitValue(), "client failed: " + out);
        return out;
    }

    @Test
    void serialTapOverAPtyPair() throws Exception {
        // the far end of the "serial port": holds the pty's master, answers each chunk upper-cased
        Process far = python("""
                m, s = os.openpty()
                out(os.ttyname(s))
                while True:
                    b = os.read(m, 4096)
                    os.write(m, b.upper())
                """);
        BufferedReader farOut = new BufferedReader(new InputStreamReader(far.getInputStream(), StandardCharsets.UTF_8));
        String tty = farOut.readLine();
        assertTrue(tty != null && tty.startsWith("/dev/pts/"), "no pty: " + tty);
        try {
            serveCopy("serial-tap.js", "const PORT = \"/dev/ttyUSB0\";", "const PORT = \"" + tty + "\";");
            String out = finish(python("""
                    fd = os.open(D + "/serial-tap", os.O_RDWR)
                    os.write(fd, b"hello port")
                    got = b""
                    while len(got) < 10:
                        got += os.read(fd, 100)
                    out(got.decode())
                    p = select.poll(); p.register(fd, select.POLLIN | select.POLLOUT)
                    out(sorted(ev for _, ev in p.poll(0)) == [select.POLLOUT])
                    t = termios.tcgetattr(os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY))
                    out(t[4] == termios.B115200, t[3] & termios.ECHO == 0, t[3] & termios.ICANON == 0)
                    """, tty));
            assertEquals("HELLO PORT\nTrue\nTrue True True\n", out);
            // the far end goes away: the port hangs up, readers get EIO and poll says so
            far.destroyForcibly().waitFor();
            String gone = finish(python("""
                    fd = os.open(D + "/serial-tap", os.O_RDONLY)
                    p = select.poll(); p.register(fd, select.POLLIN)
                    out(bool(p.poll(10000)))
                    try:
                        os.read(fd, 10); out("no error")
                    except OSError as e:
                        out(errno.errorcode[e.errno])
                    """));
            assertEquals("True\nEIO\n", gone);
        } finally {
            far.destroyForcibly();
        }
    }

    /** A sensor service: answers each "READ" line with a reading, unless told to be silent. */
    static final class Sensor implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        volatile boolean silent;
        final List<Socket> open = new CopyOnWriteArrayList<>();

        Sensor() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        open.add(s);
                        Thread.ofVirtual().start(() -> answer(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void answer(Socket s) {
            try (s) {
                s.setTcpNoDelay(true);
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                while (in.readLine() != null) {
                    if (!silent) {
                        out.write("21.5\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    void netsensorReadsFromATcpServiceAndTimesOutWithEio() throws Exception {
        Sensor sensor = new Sensor();
        int port = sensor.port();
        serveCopy("netsensor.js", "const PORT = 7000;", "const PORT = " + port + ";");
        String client = """
                import socket
                def reading():
                    fd = os.open(D + "/netsensor", os.O_RDONLY)
                    try:
                        return os.read(fd, 100).decode().strip()
                    except OSError as e:
                        return errno.errorcode[e.errno]
                    finally:
                        os.close(fd)
                """;
        assertEquals("21.5\n21.5\n", finish(python(client + "out(reading()); out(reading())")));
        // the round trip against a direct TCP request from the same client (figures only, never asserted)
        System.out.println("netsensor round trip: "
                + finish(python(client + """
                N = 2000
                fd = os.open(D + "/netsensor", os.O_RDONLY)
                for _ in range(200): os.read(fd, 100)
                t0 = time.perf_counter()
                for _ in range(N): os.read(fd, 100)
                dev = (time.perf_counter() - t0) / N * 1e6
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                f = s.makefile("rb")
                for _ in range(200): s.sendall(b"READ\\n"); f.readline()
                t0 = time.perf_counter()
                for _ in range(N): s.sendall(b"READ\\n"); f.readline()
                direct = (time.perf_counter() - t0) / N * 1e6
                out("device %.1f us, direct %.1f us, overhead %.1f us" % (dev, direct, dev - direct))
                """, Integer.toString(port))).trim());
        sensor.silent = true;
        assertEquals("EIO\n", finish(python(client + "out(reading())")));
        sensor.silent = false;
        assertEquals("21.5\n", finish(python(client + "out(reading())")), "a new connection after the time-out");
        sensor.close();
        assertEquals("EIO\nEIO\n", finish(python(client + "out(reading()); out(reading())")), "service gone");
    }

    @Test
    void replayServesTheCaptureAtItsRateWithPoll() throws Exception {
        Path dir = Files.createDirectories(base.resolve("replay"));
        // six lines of the capture at 2 a second: a line is due long after the read before it, even on a busy machine
        List<String> capture = Files.readAllLines(Harness.example("replay-capture.txt"));
        Files.write(dir.resolve("replay-capture.txt"), capture.subList(0, 6));
        String text = Files.readString(Harness.example("replay.py"));
        assertTrue(text.contains("RATE = 10 "), "replay.py has no RATE = 10");
        Files.writeString(dir.resolve("replay.py"), text.replace("RATE = 10 ", "RATE = 2 "));
        channel.add(runtime.load(dir.resolve("replay.py")));
        String out = finish(python("""
                fd = os.open(D + "/replay", os.O_RDONLY | os.O_NONBLOCK)
                first = None
                for _ in range(100):  # the capture may still be loading
                    try:
                        first = os.read(fd, 100); break
                    except BlockingIOError:
                        select.select([fd], [], [], 0.2)
                os.close(fd)
                fd = os.open(D + "/replay", os.O_RDONLY | os.O_NONBLOCK)  # the capture is loaded: the clock starts now
                out(os.read(fd, 100).decode().strip())
                try:
                    os.read(fd, 100); out("no EAGAIN")
                except BlockingIOError:
                    out("EAGAIN")
                p = select.poll(); p.register(fd, select.POLLIN)
                out(bool(p.poll(5000)))
                out(os.read(fd, 100).decode().strip())
                os.close(fd)
                fd = os.open(D + "/replay", os.O_RDONLY)
                t0 = time.monotonic()
                lines = []
                while True:
                    b = os.read(fd, 100)
                    if not b: break
                    lines.append(b.decode())
                took = time.monotonic() - t0
                out(len(lines), lines[-1].strip(), took > 1.5)
                """));
        assertEquals("000 sample reading 0\nEAGAIN\nTrue\n001 sample reading 7\n6 005 sample reading 35 True\n", out);
    }

    @Test
    void consoleReadAnswersWithLinesTypedOnTheHostsTerminal() throws Exception {
        Path mnt = Files.createDirectories(base.resolve("console-mnt"));
        String java = ProcessHandle.current().info().command().orElse("java");
        // a host whose stdin is a pty: the test types on the pty's master
        String out = finish(python(
                """
                import pty, subprocess, threading
                java, cp, mnt, script = sys.argv[1:5]
                m, s = os.openpty()
                host = subprocess.Popen([java, "--enable-native-access=ALL-UNNAMED",
                        "--sun-misc-unsafe-memory-access=allow", "-cp", cp, "org.fusd.host.cli.Main", "run",
                        "--channel", "fuse", "--mount", mnt, "--no-watch", "--allow-device", "/dev/stdin", script],
                        stdin=s, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                waits = threading.Event()
                def watch():
                    for l in host.stderr:
                        sys.stderr.write(l.decode())
                        if b"a reader waits" in l: waits.set()
                threading.Thread(target=watch, daemon=True).start()
                try:
                    ready = host.stdout.readline().decode()
                    out(ready.startswith("fusd: serving console-read"))
                    got = []
                    reader = threading.Thread(target=lambda: got.append(
                            os.read(os.open(mnt + "/console-read", os.O_RDONLY), 100)))
                    reader.start()
                    out(waits.wait(60))
                    os.write(m, b"typed on the terminal\\n")
                    reader.join(60)
                    out(got)
                finally:
                    host.terminate()
                    host.wait(30)
                """,
                java,
                System.getProperty("java.class.path"),
                mnt.toString(),
                Harness.example("console-read.js").toAbsolutePath().toString()));
        assertEquals("True\nTrue\n[b'typed on the terminal\\n']\n", out);
    }
}
