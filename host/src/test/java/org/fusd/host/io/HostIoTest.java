package org.fusd.host.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.driver.Harness;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host I/O API from both languages, on the loopback channel: files, TCP,
 * UDP and unix sockets, refusals naming the grant, handles closed by a
 * reload, completions under the budget. Devices and the terminal are tested
 * through real mounts with the examples.
 */
class HostIoTest {
    @TempDir
    Path dir;

    private static String readOnce(Harness h, String name) {
        try (LoopbackFile f = h.open(name, OpenFlags.O_RDONLY)) {
            return f.readString(4000);
        }
    }

    private Grants grants(List<Path> rw, List<String> net) {
        return Grants.of(List.of(), rw, net, List.of());
    }

    @Test
    void jsFilesWithAwait() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Harness h = new Harness(grants(List.of(data), List.of()))) {
            h.serve(dir, "f.js", """
                    export const name = "f-js";
                    const D = "%s";
                    const text = (b) => String.fromCharCode(...b);
                    export async function read(file, size) {
                        const f = await hostio.open(D + "/x.bin", "w+");
                        await f.write("hello world");
                        await f.seek(6);
                        const tail = text(await f.read(100));
                        f.close();
                        const whole = text(await hostio.readFile(D + "/x.bin"));
                        const eof = (await (await hostio.open(D + "/x.bin")).read(0)).length;
                        let refused;
                        try { await hostio.readFile("/etc/hostname"); } catch (e) { refused = e.name + " " + e.message; }
                        return [tail, whole, eof, refused].join("|");
                    }
                    """.formatted(data));
            String[] got = readOnce(h, "f-js").split("\\|");
            assertEquals("world", got[0]);
            assertEquals("hello world", got[1]);
            assertEquals("0", got[2]);
            assertTrue(
                    got[3].startsWith("Errno access to /etc/hostname denied")
                            && got[3].contains("--allow-read /etc/hostname"),
                    got[3]);
        }
    }

    @Test
    void pythonFilesWithCallbacks() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "from a file");
        try (Harness h = new Harness(grants(List.of(data), List.of()))) {
            h.serve(dir, "f.py", """
                    name = "f-py"
                    def read(file, size, offset):
                        d = file.defer()
                        def done(err, data):
                            d.reply(data if err is None else "error: " + str(err))
                        hostio.readFile("%s", done)
                        return d
                    def write(file, data, offset):
                        d = file.defer()
                        def opened(err, f):
                            if err is not None:
                                d.fail(err._fusd_errno)
                                return
                            f.write(data, lambda err, n: (f.close(), d.reply(n)))
                        hostio.open("%s", "a", opened)
                        return d
                    """.formatted(data.resolve("in.txt"), data.resolve("out.txt")));
            assertEquals("from a file", readOnce(h, "f-py"));
            try (LoopbackFile f = h.open("f-py", OpenFlags.O_WRONLY)) {
                assertEquals(3, f.write("abc"));
                assertEquals(3, f.write("def"));
            }
            assertEquals("abcdef", Files.readString(data.resolve("out.txt")));
        }
    }

    @Test
    void tcpClientAndServerWithGrants() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                Harness h =
                        new Harness(grants(List.of(), List.of("127.0.0.1:" + server.getLocalPort(), "127.0.0.1:0")))) {
            int port = server.getLocalPort();
            Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    BufferedReader in =
                            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = s.getOutputStream();
                    String line;
                    while ((line = in.readLine()) != null) {
                        out.write(("echo " + line + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                } catch (java.io.IOException e) {
                    // the test ends the connection
                }
            });
            h.serve(dir, "t.js", """
                    export const name = "t-js";
                    let conn;
                    export async function read(file, size) {
                        conn ??= await hostio.connect("127.0.0.1", %d);
                        await conn.write("ping\\n");
                        return await conn.read(size);
                    }
                    export async function write(file, data) {
                        try { await hostio.connect("127.0.0.2", %d); } catch (e) { return e.message; }
                    }
                    export async function ioctl(file, cmd) {
                        const srv = await hostio.listen("127.0.0.1", 0);
                        const accepted = srv.accept();
                        const c = await hostio.connect("127.0.0.1", srv.port());
                        const s = await accepted;
                        await c.write("xy");
                        const got = await s.read(10);
                        srv.close(); c.close(); s.close();
                        return got.length;
                    }
                    """.formatted(port, port));
            assertEquals("echo ping\n", readOnce(h, "t-js"));
            assertEquals("echo ping\n", readOnce(h, "t-js"));
            try (LoopbackFile f = h.open("t-js", OpenFlags.O_RDWR)) {
                org.fusd.host.device.ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.fusd.host.device.ErrnoException.class, () -> f.write("x"));
                assertEquals("EIO", e.errno().name(), "a refused grant rejects with EACCES only to the driver");
            }
            h.awaitLog("connection to 127.0.0.2:" + port + " denied", "--allow-net 127.0.0.2:" + port);
        }
    }

    @Test
    void udpAndUnixSocketsFromPython() throws Exception {
        Path sock = dir.resolve("s.sock");
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                Harness h = new Harness(grants(List.of(dir), List.of("127.0.0.1:" + "*")))) {
            int port = peer.getLocalPort();
            Thread.ofVirtual().start(() -> {
                try {
                    DatagramPacket p = new DatagramPacket(new byte[100], 100);
                    peer.receive(p);
                    byte[] back = ("re:" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    peer.send(new DatagramPacket(back, back.length, p.getSocketAddress()));
                } catch (java.io.IOException e) {
                    // the test fails on the missing answer
                }
            });
            h.serve(dir, "u.py", """
                    name = "u-py"
                    def read(file, size, offset):
                        d = file.defer()
                        def bound(err, u):
                            def got(err, msg):
                                u.close()
                                d.reply(msg.data)
                            u.send(b"hi", "127.0.0.1", %d, lambda err, n: u.recv(got))
                        hostio.udp("127.0.0.1", 0, bound)
                        return d
                    def write(file, data, offset):
                        d = file.defer()
                        def listening(err, srv):
                            def accepted(err, s):
                                s.read(100, lambda err, b: d.reply(len(b)))
                            srv.accept(accepted)
                            hostio.connectUnix("%s", lambda err, c: c.write(data, lambda e, n: None))
                        hostio.listenUnix("%s", listening)
                        return d
                    """.formatted(port, sock, sock));
            assertEquals("re:hi", readOnce(h, "u-py"));
            try (LoopbackFile f = h.open("u-py", OpenFlags.O_WRONLY)) {
                assertEquals(5, f.write("hello"));
            }
        }
    }

    @Test
    void aReloadClosesTheOldHandlesAndCallbacksHaveABudget() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                Harness h = new Harness(grants(List.of(), List.of("127.0.0.1:*")))) {
            int port = server.getLocalPort();
            Path script = Harness.write(dir, "r.js", """
                    export const name = "r-js";
                    export const callTimeoutMs = 300;
                    device.state.log ??= [];
                    hostio.connect("127.0.0.1", %d).then(async (c) => {
                        const b = await c.read(10);
                        device.state.log.push("v1 got " + b.length);
                    });
                    export function read() { return device.state.log.join(","); }
                    """.formatted(port));
            ScriptDevice d = h.serve(script);
            Socket first = server.accept();
            Files.writeString(script, """
                    export const name = "r-js";
                    export const callTimeoutMs = 300;
                    hostio.connect("127.0.0.1", %d).then(async (c) => {
                        await c.read(10);
                        for (;;) {}
                    });
                    export function read() { return device.state.log.join(","); }
                    """.formatted(port));
            d.reload();
            assertEquals(-1, first.getInputStream().read(), "the reload closed v1's connection");
            Socket second = server.accept();
            second.getOutputStream().write('x');
            h.awaitLog("I/O callback", "budget");
            assertEquals("", readOnce(h, "r-js"), "v1's read never completed into v2");
            first.close();
            second.close();
        }
    }

    @Test
    void aFullSocketBufferGivesEagainToNonBlockingWriters() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                Harness h = new Harness(grants(List.of(), List.of("127.0.0.1:*")))) {
            h.serve(dir, "bp.js", """
                    export const name = "bp-js";
                    const conn = hostio.connect("127.0.0.1", %d);
                    let c = null;
                    conn.then((x) => { c = x; });
                    export function write(file, data) {
                        if (c === null) throw Errno.EAGAIN;
                        if (!c.writable()) throw Errno.EAGAIN;
                        c.write(data.slice()).then(() => device.notify()); // pollers learn of the room
                        return data.length;
                    }
                    export function poll(file) { return c !== null && c.writable() ? POLLOUT : 0; }
                    """.formatted(server.getLocalPort()));
            try (Socket peer = server.accept(); // it never reads: the socket buffers fill up
                    LoopbackFile f = h.open("bp-js", OpenFlags.O_WRONLY | OpenFlags.O_NONBLOCK)) {
                byte[] chunk = new byte[65536];
                long written = 0;
                org.fusd.host.device.ErrnoException refused = null;
                for (int i = 0; i < 100_000 && refused == null; i++) {
                    try {
                        written += f.write(chunk);
                    } catch (org.fusd.host.device.ErrnoException e) {
                        if (written == 0) {
                            Thread.sleep(10); // not connected yet
                            continue;
                        }
                        refused = e;
                    }
                }
                assertTrue(refused != null && refused.errno().name().equals("EAGAIN"), "no EAGAIN after " + written);
                peer.getInputStream().readNBytes((int) Math.min(written, 8 << 20)); // the peer drains some
                assertTrue(f.pollFor(0x004, 10_000) != 0, "writable again once the peer read");
            }
        }
    }
}
