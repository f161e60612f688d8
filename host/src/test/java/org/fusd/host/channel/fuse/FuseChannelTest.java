package org.fusd.host.channel.fuse;

import static org.fusd.host.channel.fuse.Clients.await;
import static org.fusd.host.channel.fuse.Clients.awaitLine;
import static org.fusd.host.channel.fuse.Clients.finish;
import static org.fusd.host.channel.fuse.Clients.python;
import static org.fusd.host.channel.fuse.Clients.runPython;
import static org.fusd.host.channel.fuse.Clients.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fuse channel through a real mount: devices written in Java here,
 * clients in separate processes (python3, sh) making real syscalls.
 */
class FuseChannelTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static Path base;
    private static FuseChannel channel;

    @BeforeAll
    static void mount() throws IOException {
        base = Files.createTempDirectory("fusd-fuse-test");
        channel = FuseChannel.open(base.resolve("mnt"));
    }

    @AfterAll
    static void unmount() throws IOException {
        if (channel != null) {
            channel.close();
        }
        sh0("rm -rf " + base);
    }

    private static void sh0(String s) {
        try {
            sh(s);
        } catch (Exception | AssertionError ignored) {
            // cleanup only
        }
    }

    private static PipeDevice pipe() throws IOException {
        PipeDevice d = new PipeDevice("pipe" + SEQ.incrementAndGet());
        channel.add(d);
        return d;
    }

    private static String path(PipeDevice d) {
        return channel.pathOf(d.name());
    }

    @Test
    void writeThenReadReturnsTheBytes() throws Exception {
        PipeDevice d = pipe();
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                out("wrote", os.write(fd, b"hello"))
                out("read", os.read(fd, 100).decode())
                """, path(d));
        assertEquals("wrote 5\nread hello\n", out);
    }

    @Test
    void shellRedirectTruncatesAndWrites() throws Exception {
        PipeDevice d = pipe();
        sh("echo from-shell > " + path(d));
        assertEquals("from-shell\n", new String(d.contents(), StandardCharsets.UTF_8));
        sh("printf more >> " + path(d));
        assertEquals("from-shell\nmore", new String(d.contents(), StandardCharsets.UTF_8));
    }

    @Test
    void rootListsOneFilePerDeviceWithItsModeAndTheHostsOwner() throws Exception {
        PipeDevice d = new PipeDevice("ro" + SEQ.incrementAndGet(), 0640);
        channel.add(d);
        String ls = sh("ls -ln " + channel.mountDir());
        String line = ls.lines()
                .filter(l -> l.endsWith(" " + d.name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(ls));
        assertTrue(line.startsWith("-rw-r----- 1 0 0 "), line);
        assertEquals("directory\n", sh("stat -c %F " + channel.mountDir()));
    }

    @Test
    void encodedIoctlsCopyDataInAndOut() throws Exception {
        PipeDevice d = pipe();
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                fcntl.ioctl(fd, ioc(1, 'p', 1, 4), struct.pack('i', 4242))
                buf = bytearray(4)
                r = fcntl.ioctl(fd, ioc(2, 'p', 2, 4), buf, True)
                out("get", r, struct.unpack('i', buf)[0])
                out("reverse", fcntl.ioctl(fd, ioc(3, 'p', 3, 8), b"abcdefgh").decode())
                """, path(d));
        assertEquals("get 7 4242\nreverse hgfedcba\n", out);
        assertEquals(3, d.ioctls.get());
    }

    @Test
    void unencodedIoctlReachesTheDeviceWhichAnswersEnotty() throws Exception {
        PipeDevice d = pipe();
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                try:
                    fcntl.ioctl(fd, 0x1234, 0)
                    out("ok")
                except OSError as e:
                    out(errno.errorcode[e.errno])
                """, path(d));
        assertEquals("ENOTTY\n", out);
        assertEquals(1, d.ioctls.get());
    }

    @Test
    void pollAndSelectWakeUpWhenTheDeviceNotifiesPollers() throws Exception {
        PipeDevice d = pipe();
        Process p = python("""
                fd = os.open(sys.argv[1], os.O_RDONLY)
                p = select.poll()
                p.register(fd, select.POLLIN)
                out("before", p.poll(0))
                out("armed")
                t = time.time()
                ev = p.poll(10000)
                out("poll", ev[0][1] & select.POLLIN, round((time.time() - t) * 1000))
                os.read(fd, 1)
                out("select-armed")
                t = time.time()
                r, w, x = select.select([fd], [], [], 10)
                out("select", len(r), round((time.time() - t) * 1000))
                """, path(d));
        assertEquals("before []", awaitLine(p, "before"));
        awaitLine(p, "armed");
        Thread.sleep(300);
        d.push(new byte[] {1});
        String poll = awaitLine(p, "poll");
        String[] f = poll.split(" ");
        assertEquals("1", f[1], poll);
        assertTrue(Integer.parseInt(f[2]) >= 200, "poll returned before the wake-up: " + poll);
        awaitLine(p, "select-armed");
        Thread.sleep(300);
        d.push(new byte[] {2});
        String sel = awaitLine(p, "select");
        assertEquals("1", sel.split(" ")[1], sel);
        assertTrue(Integer.parseInt(sel.split(" ")[2]) >= 200, sel);
        finish(p);
    }

    @Test
    void nonBlockingFlagReachesTheDeviceAtOpenAndPerCall() throws Exception {
        PipeDevice d = pipe();
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
                r, e, _ = raw_read(fd, 10)
                out("nonblock-open", r, errno.errorcode.get(e))
                fd2 = os.open(sys.argv[1], os.O_RDONLY)
                fcntl.fcntl(fd2, fcntl.F_SETFL, os.O_NONBLOCK)
                r, e, _ = raw_read(fd2, 10)
                out("nonblock-fcntl", r, errno.errorcode.get(e))
                """, path(d));
        assertEquals("nonblock-open -1 EAGAIN\nnonblock-fcntl -1 EAGAIN\n", out);
        assertTrue(OpenFlags.nonBlocking(d.lastReadFlags));
    }

    @Test
    void openFlagsReachTheDevice() throws Exception {
        PipeDevice d = pipe();
        runPython("os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)", path(d));
        assertEquals(OpenFlags.O_WRONLY, d.lastOpenFlags & OpenFlags.O_ACCMODE);
        assertTrue(OpenFlags.nonBlocking(d.lastOpenFlags));
    }

    @Test
    void signalDuringBlockedReadGivesEintrAndRunsOnInterrupt() throws Exception {
        PipeDevice d = pipe();
        Process p = python("""
                signal.signal(signal.SIGUSR1, lambda *a: None)
                fd = os.open(sys.argv[1], os.O_RDONLY)
                out("pid", os.getpid())
                r, e, _ = raw_read(fd, 10)
                out("read", r, errno.errorcode.get(e))
                """, path(d));
        String pid = awaitLine(p, "pid").split(" ")[1];
        await("the read to block in the device", () -> d.waitingReads() == 1);
        new ProcessBuilder("kill", "-USR1", pid).start().waitFor();
        assertEquals("read -1 EINTR", awaitLine(p, "read"));
        finish(p);
        assertEquals(1, d.interrupts.get());
        assertEquals(0, d.waitingReads());
        await(
                "no request left pending (the close's RELEASE may still be in flight)",
                () -> channel.pendingRequests() == 0);
    }

    @Test
    void writeIsNotBlockedBehindAReadOnTheSameFd() throws Exception {
        PipeDevice d = pipe();
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                got = []
                t = threading.Thread(target=lambda: got.append(os.read(fd, 100)))
                t.start()
                time.sleep(0.3)
                start = time.time()
                n = os.write(fd, b"unblock")
                out("write", n, (time.time() - start) < 2)
                t.join(5)
                out("read", got[0].decode())
                """, path(d));
        assertEquals("write 7 True\nread unblock\n", out);
    }

    @Test
    void aWriteWaitingInTheDeviceDoesNotBlockOtherWriters() throws Exception {
        PipeDevice d = pipe();
        d.holdWritesStartingWith((byte) '!');
        Process held = python("""
                signal.signal(signal.SIGUSR1, lambda *a: None)
                fd = os.open(sys.argv[1], os.O_WRONLY)
                out("pid", os.getpid())
                r = libc.write(fd, b"!held", 5)
                out("held write", r, errno.errorcode.get(ctypes.get_errno()))
                """, path(d));
        String pid = awaitLine(held, "pid").split(" ")[1];
        await("the held write to reach the device", () -> d.heldWrites() == 1);
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_WRONLY)
                t = time.time()
                out("other", os.write(fd, b"free"), (time.time() - t) < 2)
                """, path(d));
        assertEquals("other 4 True\n", out);
        new ProcessBuilder("kill", "-USR1", pid).start().waitFor();
        assertEquals("held write -1 EINTR", awaitLine(held, "held write"));
        finish(held);
        assertEquals(0, d.heldWrites());
    }

    @Test
    void flushAndReleaseReachTheDevice() throws Exception {
        PipeDevice d = pipe();
        runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                fd2 = os.dup(fd)
                os.close(fd2)
                os.close(fd)
                """, path(d));
        assertEquals(1, d.opens.get());
        await("flushes", () -> d.flushes.get() == 2);
        await("release", () -> d.releases.get() == 1);
    }

    @Test
    void sixteenConcurrentClientsKeepTheirBytesInOrder() throws Exception {
        EchoDevice echo = new EchoDevice("echo" + SEQ.incrementAndGet());
        channel.add(echo);
        String client = """
                import random, hashlib
                rnd = random.Random(int(sys.argv[2]))
                fd = os.open(sys.argv[1], os.O_RDWR)
                chunks = [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))) for _ in range(150)]
                sent = b"".join(chunks)
                got = bytearray()
                def reader():
                    while len(got) < len(sent):
                        got.extend(os.read(fd, 65536))
                t = threading.Thread(target=reader)
                t.start()
                for c in chunks:
                    assert os.write(fd, c) == len(c)
                t.join(60)
                out("ok" if bytes(got) == sent else "MISMATCH", len(sent))
                """;
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ps.add(python(client, channel.pathOf(echo.name()), Integer.toString(i)));
        }
        for (Process p : ps) {
            String out = finish(p);
            assertTrue(out.startsWith("ok "), out);
        }
    }

    @Test
    void removedDeviceRefusesNewOpensButOpenFilesKeepWorking() throws Exception {
        PipeDevice d = pipe();
        Process p = python("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                out("opened")
                sys.stdin.readline()
                try:
                    os.open(sys.argv[1], os.O_RDWR)
                    out("reopen ok")
                except OSError as e:
                    out("reopen", errno.errorcode[e.errno])
                out("listed", os.path.basename(sys.argv[1]) in os.listdir(os.path.dirname(sys.argv[1])))
                os.write(fd, b"still")
                out("read", os.read(fd, 10).decode())
                os.close(fd)
                """, path(d));
        awaitLine(p, "opened");
        channel.remove(d.name());
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        assertEquals("reopen ENOENT", awaitLine(p, "reopen"));
        assertEquals("listed False", awaitLine(p, "listed"));
        assertEquals("read still", awaitLine(p, "read"));
        finish(p);
        await("release of the removed device's file", () -> d.releases.get() == 1);
        channel.add(new PipeDevice(d.name()));
        runPython("os.close(os.open(sys.argv[1], os.O_RDWR))", path(d));
    }

    @Test
    void addingADuplicateNameIsRefused() throws Exception {
        PipeDevice d = pipe();
        IOException e = assertThrows(IOException.class, () -> channel.add(new PipeDevice(d.name())));
        assertTrue(e.getMessage().contains(d.name()), e.getMessage());
    }

    @Test
    void closeUnmountsCleanly() throws Exception {
        Path dir = base.resolve("closing");
        FuseChannel ch = FuseChannel.open(dir);
        ch.add(new PipeDevice("p"));
        Process reader = python("""
                fd = os.open(sys.argv[1], os.O_RDONLY)
                out("blocked")
                r, e, _ = raw_read(fd, 10)
                out("read", r, errno.errorcode.get(e))
                """, ch.pathOf("p"));
        awaitLine(reader, "blocked");
        assertTrue(Clients.mounted(dir));
        Clients.await("the read to wait in the device", () -> ch.pendingRequests() == 1);
        ch.close();
        assertEquals("read -1 ENODEV", awaitLine(reader, "read"));
        finish(reader);
        assertFalse(Clients.mounted(dir), "still mounted after close");
        await("the connection to end", () -> !ch.isServing());
        ch.close(); // idempotent
    }
}
