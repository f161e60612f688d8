package org.fusd.host.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.sys.UnixSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash survival on the fuse channel (docs/takeover.md): a host under
 * fusd-keeper is killed with SIGKILL while client processes block, read and
 * write through a real mount; the keeper starts a new host JVM, which serves
 * the same devices and open files. Also: a mount kept for a restarting host
 * is not unmounted by another host, SIGTERM still stops everything in order,
 * and past the restart limit the keeper gives up cleanly.
 */
class CrashTest {
    private static final Pattern RECOVERED = Pattern.compile(
            "fusd: recovered after a crash \\(killed by SIGKILL\\): pid (\\d+) serves again ([0-9.]+) ms after it"
                    + " \\((\\d+) devices, (\\d+) open files");

    /** A client: `block PATH` (a read that waits, then a write and read on the same fd) or `loop PATH STOP`. */
    private static final String CLIENT = """
            import errno, os, sys, time

            def say(*a):
                print(*a, flush=True)

            def name(e):
                return errno.errorcode.get(e.errno, str(e.errno))

            mode, path = sys.argv[1], sys.argv[2]
            fd = os.open(path, os.O_RDWR)
            say("ready")
            if mode == "block":
                try:
                    say("got", os.read(fd, 100).decode())
                except OSError as e:
                    say("error", name(e))
                try:
                    say("wrote", os.write(fd, b"after"))
                    say("got", os.read(fd, 100).decode())
                except OSError as e:
                    say("error", name(e))
            else:
                n = errors = resets = last = 0
                gap = 0.0
                while not os.path.exists(sys.argv[3]):
                    t = time.monotonic()
                    try:
                        if os.write(fd, b"x" * 100) != 100:
                            errors += 1
                        count = int(os.read(fd, 100))
                        resets += count < last
                        last = count
                        n += 1
                        if n == 20:
                            say("warm")
                    except OSError as e:
                        errors += 1
                        say("error", name(e))
                    gap = max(gap, time.monotonic() - t)
                say("done", n, errors, resets, "%.0f" % (gap * 1000))
            """;

    /** Counts writes in file.state (lost in a crash), and reads say the count; calls are reissued. */
    private static final String SINK = """
            export const name = "sink";
            export const recovery = "reissue";
            export function write(file, data) {
                file.state.count = (file.state.count ?? 0) + 1;
                return data.length;
            }
            export function read(file, size) {
                return String(file.state.count ?? 0);
            }
            """;

    @TempDir
    Path dir;

    private Path runtime;
    private Path mnt;
    private final List<Process> clients = new ArrayList<>();
    private HostProcess keeper;

    @AfterEach
    void stopEverything() throws Exception {
        if (keeper != null && keeper.process.isAlive()) {
            keeper.process.descendants().forEach(ProcessHandle::destroyForcibly); // its host first: it would serve on
            keeper.process.destroyForcibly();
        }
        for (Process p : clients) {
            p.destroyForcibly();
        }
        if (mnt != null && mounted()) {
            new ProcessBuilder("umount", "-l", mnt.toString())
                    .inheritIO()
                    .start()
                    .waitFor();
        }
    }

    /** pipe.js under another name, with a recovery policy (null: the default). */
    private Path pipe(String name, String recovery) throws IOException {
        String js = Files.readString(Path.of("..", "examples", "pipe.js"))
                .replace("export const name = \"pipe\";", "export const name = \"" + name + "\";");
        if (recovery != null) {
            js += "\nexport const recovery = \"" + recovery + "\";\n";
        }
        Path p = dir.resolve(name + ".js");
        Files.writeString(p, js);
        return p;
    }

    private HostProcess startKept(List<String> keeperOptions, Path... scripts) throws Exception {
        return startKept(keeperOptions, List.of(), scripts);
    }

    private HostProcess startKept(List<String> keeperOptions, List<String> jvmOptions, Path... scripts)
            throws Exception {
        return startKept(keeperOptions, jvmOptions, List.of(), java.util.Map.of(), scripts);
    }

    private HostProcess startKept(
            List<String> keeperOptions,
            List<String> jvmOptions,
            List<String> runOptions,
            java.util.Map<String, String> env,
            Path... scripts)
            throws Exception {
        runtime = dir.resolve("rt");
        mnt = dir.resolve("mnt");
        List<String> args = new ArrayList<>(
                List.of("run", "--keeper", "--no-watch", "--channel", "fuse", "--mount", mnt.toString()));
        args.addAll(runOptions);
        for (Path s : scripts) {
            args.add(s.toString());
        }
        keeper = HostProcess.startKept(runtime, keeperOptions, jvmOptions, env, args.toArray(new String[0]));
        for (Path s : scripts) {
            assertNotNull(keeper.awaitLine("fusd: serving "), "the host did not serve " + s);
        }
        return keeper;
    }

    /** A client process and the lines it prints. */
    private final class Client {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Client(String... args) throws IOException {
            Path script = dir.resolve("client.py");
            if (!Files.exists(script)) {
                Files.writeString(script, CLIENT);
            }
            List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            clients.add(process);
            Thread t = new Thread(() -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // the client ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        String next() throws InterruptedException {
            String l = lines.poll(120, TimeUnit.SECONDS);
            assertNotNull(l, "the client said nothing for 120 s");
            return l;
        }
    }

    private static long hostOf(HostProcess keeper) throws Exception {
        for (int i = 0; i < 6000; i++) {
            List<ProcessHandle> kids = keeper.process.children().toList();
            if (!kids.isEmpty()) {
                return kids.get(0).pid();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the keeper has no host");
    }

    /** The host's status text, through its control socket. */
    private String status(long host) throws IOException {
        try (UnixSocket s = UnixSocket.connect(runtime.resolve(host + ".sock"))) {
            s.sendText("fusd-control\n1\nstatus");
            UnixSocket.Frame ok = s.receive();
            assertEquals("ok", ok == null ? null : ok.text());
            return s.receive().text();
        }
    }

    /** Waits until the host has `calls` calls waiting for a deferred answer. */
    private void awaitPending(long host, int calls) throws Exception {
        String last = "";
        for (int i = 0; i < 1000; i++) {
            last = status(host);
            int pending = 0;
            Matcher m = Pattern.compile("pending calls: (\\d+)").matcher(last);
            while (m.find()) {
                pending += Integer.parseInt(m.group(1));
            }
            if (pending >= calls) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the host never had " + calls + " pending calls:\n" + last);
    }

    /** Ends a `loop` client; its "done N ERRORS RESETS GAP" fields, asserted to hold no error. */
    private static String[] stopLoop(Client looping, Path stop) throws Exception {
        Files.writeString(stop, "");
        String done = looping.next();
        String[] f = done.split(" ");
        assertEquals("done", f[0], done);
        assertEquals("0", f[2], "errors in the loop: " + done);
        return f;
    }

    /** SIGTERM to the keeper: the host stops in order (status 143) and unmounts. */
    private void stopInOrder(HostProcess keeper) throws Exception {
        signal(keeper.process.pid(), "TERM");
        assertEquals(143, keeper.await(), "the host's exit status on SIGTERM");
        assertFalse(mounted(), "SIGTERM left the mount");
    }

    private boolean mounted() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " ");
    }

    /** Waits until pid is gone or a zombie (its parent, the keeper, may be stopped and not reap it). */
    private static void awaitDead(long pid) throws Exception {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        for (int i = 0; i < 3000; i++) {
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                    return;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                return;
            }
            Thread.sleep(10);
        }
        fail("pid " + pid + " did not die");
    }

    private static void signal(long pid, String sig) throws Exception {
        assertEquals(
                0,
                new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
                        .start()
                        .waitFor());
    }

    /** Writes bytes through a new open of name (a new open works after the crash). */
    private void write(String name, String text) throws IOException {
        Files.writeString(mnt.resolve(name), text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.WRITE);
    }

    @Test
    void aKilledHostIsReplacedAndItsDevicesStay() throws Exception {
        HostProcess keeper = startKept(
                List.of("--restarts", "1", "--window", "600"),
                pipe("pipefail", null),
                pipe("pipere", "reissue"),
                Files.writeString(dir.resolve("sink.js"), SINK));
        long host = hostOf(keeper);
        Client failing = new Client("block", mnt.resolve("pipefail").toString());
        Client reissued = new Client("block", mnt.resolve("pipere").toString());
        Path stop = dir.resolve("stop");
        Client looping = new Client("loop", mnt.resolve("sink").toString(), stop.toString());
        assertEquals("ready", failing.next());
        assertEquals("ready", reissued.next());
        assertEquals("ready", looping.next());
        assertEquals("warm", looping.next());
        awaitPending(host, 2); // both readers wait in the host

        // No host for a while: the keeper is stopped, so it cannot start one yet.
        signal(keeper.process.pid(), "STOP");
        signal(host, "KILL");
        awaitDead(host);
        String old = System.getProperty("fusd.runtimeDir");
        System.setProperty("fusd.runtimeDir", runtime.toString());
        try {
            FuseChannel.open(mnt).close();
            fail("a second host mounted over the kept mount");
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("is kept by fusd-keeper " + keeper.process.pid()), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("fusd.runtimeDir");
            } else {
                System.setProperty("fusd.runtimeDir", old);
            }
        }
        assertTrue(mounted(), "the kept mount was unmounted");
        signal(keeper.process.pid(), "CONT");

        String line = keeper.awaitLine("fusd: recovered after a crash");
        assertNotNull(line, "no host served again");
        Matcher m = RECOVERED.matcher(line);
        assertTrue(m.find(), line);
        assertEquals("3", m.group(3));
        assertEquals("3", m.group(4)); // the three clients' files
        long second = Long.parseLong(m.group(1));
        assertEquals(second, hostOf(keeper));

        // policy "fail": the read the dead host had taken gets EIO; the same fd then works
        assertEquals("error EIO", failing.next());
        assertEquals("wrote 5", failing.next());
        assertEquals("got after", failing.next());
        // policy "reissue": the read runs again on the new host and waits for data
        write("pipere", "hello");
        assertEquals("got hello", reissued.next());
        assertEquals("wrote 5", reissued.next());
        assertEquals("got after", reissued.next());
        // the loop wrote and read through the crash without an error; file.state began anew once
        String[] f = stopLoop(looping, stop);
        assertEquals("1", f[3], "file.state should restart once: " + String.join(" ", f));
        System.err.println("crash test: " + line.substring(line.indexOf("serves again"))
                + "; longest client round trip " + f[4] + " ms");

        // SIGTERM to the keeper: the host stops in order and unmounts; the keeper exits as it did.
        signal(keeper.process.pid(), "TERM");
        int status = keeper.await();
        assertEquals(143, status, "the host's exit status on SIGTERM");
        assertFalse(mounted(), "SIGTERM left the mount");
        assertFalse(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false));
    }

    /**
     * As on a kernel without FUSE_NOTIFY_RESEND (the VM's 6.1; here by a test
     * switch): the new host answers EIO, from the dead host's journal, every
     * call that host had read, whatever the device's policy; no signal needed.
     */
    @Test
    void withoutResendTheJournalAnswersEio() throws Exception {
        HostProcess keeper = startKept(
                List.of("--restarts", "1", "--window", "600"),
                List.of("-Dfusd.test.noResend=true"),
                pipe("pipefail", null),
                pipe("pipere", "reissue"));
        long host = hostOf(keeper);
        Client failing = new Client("block", mnt.resolve("pipefail").toString());
        Client reissued = new Client("block", mnt.resolve("pipere").toString());
        assertEquals("ready", failing.next());
        assertEquals("ready", reissued.next());
        awaitPending(host, 2);

        signal(host, "KILL");
        String line = keeper.awaitLine("fusd: recovered after a crash");
        assertNotNull(line, "no host served again");
        // the two blocked reads, and any other call in flight at the kill
        assertTrue(
                line.matches(
                        ".*no FUSE_NOTIFY_RESEND: ([2-9]|\\d\\d+) calls the dead host had read were answered EIO.*"),
                line);
        for (Client c : List.of(failing, reissued)) {
            assertEquals("error EIO", c.next());
            assertEquals("wrote 5", c.next());
            assertEquals("got after", c.next());
        }
    }

    /**
     * An upgrade under the keeper: `fusd-host takeover` has the keeper start
     * the successor, which takes over with a reader blocked and a client
     * looping; the keeper then supervises the successor: killed, it is
     * restarted with the same devices and files.
     */
    @Test
    void aKeptHostIsTakenOverAndItsSuccessorIsKept() throws Exception {
        HostProcess keeper = startKept(
                List.of("--restarts", "1", "--window", "600"),
                pipe("pipe", null),
                Files.writeString(dir.resolve("sink.js"), SINK));
        long host = hostOf(keeper);
        Client reader = new Client("block", mnt.resolve("pipe").toString());
        Path stop = dir.resolve("stop");
        Client looping = new Client("loop", mnt.resolve("sink").toString(), stop.toString());
        assertEquals("ready", reader.next());
        assertEquals("ready", looping.next());
        assertEquals("warm", looping.next());
        awaitPending(host, 1);

        String out = HostProcess.run(runtime, "takeover", "--pid", Long.toString(host));
        Matcher handed = Pattern.compile(
                        "fusd-host: host " + host + " handed over to (\\d+) \\(under the same fusd-keeper\\)")
                .matcher(out);
        assertTrue(handed.find(), "takeover failed: " + out);
        long successor = Long.parseLong(handed.group(1));
        assertEquals(
                keeper.process.pid(),
                ProcessHandle.of(successor)
                        .flatMap(ProcessHandle::parent)
                        .map(ProcessHandle::pid)
                        .orElse(0L),
                "the successor is not the keeper's child");
        assertNotNull(keeper.awaitLine("fusd-keeper: host " + host + " handed over to " + successor));
        awaitDead(host);
        write("pipe", "crossed");
        assertEquals("got crossed", reader.next()); // the call the old host had deferred, answered by the successor
        assertEquals("wrote 5", reader.next());
        assertEquals("got after", reader.next());

        // The keeper supervises the successor now: a crash of it is survived as any.
        signal(successor, "KILL");
        String line = keeper.awaitLine("fusd: recovered after a crash");
        assertNotNull(line, "no host served again after the successor was killed");
        Matcher m = RECOVERED.matcher(line);
        assertTrue(m.find(), line);
        assertEquals("2", m.group(3));
        stopLoop(looping, stop); // no error across the takeover and the crash
        stopInOrder(keeper);
    }

    /**
     * A successor the keeper starts that cannot load the scripts: the command
     * says so, the keeper says which host serves on, and it does, still kept.
     */
    @Test
    void aKeptSuccessorThatFailsLeavesTheHostServing() throws Exception {
        Path pipe = pipe("pipe", null);
        HostProcess keeper = startKept(List.of("--restarts", "1"), pipe);
        long host = hostOf(keeper);
        Files.writeString(pipe, "export const name = ;\n"); // the successor loads this
        String out = HostProcess.run(runtime, "takeover", "--pid", Long.toString(host));
        assertTrue(
                out.contains(
                        "fusd-host: the new host failed (its keeper's output says why); host " + host + " serves on"),
                out);
        String line = keeper.awaitLine("fusd-keeper: the successor ");
        assertNotNull(line, "the keeper did not say the successor failed");
        assertTrue(
                line.matches("fusd-keeper: the successor \\d+ exited with status 3 before it took over; host " + host
                        + " serves on"),
                line);
        write("pipe", "still");
        Client reader = new Client("block", mnt.resolve("pipe").toString());
        assertEquals("ready", reader.next());
        assertEquals("got still", reader.next());
        assertEquals(host, hostOf(keeper));
        stopInOrder(keeper);
    }

    /**
     * Fast start under the keeper (host/bin/fusd-host run --keeper): the
     * keeper's first host serves, then has the keeper start the JIT host
     * (FUSD_JIT_SUCCESSOR; here the same JVM command), which takes over while
     * a client loops and becomes the host the keeper supervises.
     */
    @Test
    void underTheKeeperTheFirstHostHandsOverToTheJitHost() throws Exception {
        String jitCommand = String.join("\n", HostProcess.command(dir.resolve("rt"))); // java ... Main
        HostProcess keeper = startKept(
                List.of("--restarts", "1"),
                List.of(),
                List.of("--jit-successor"),
                java.util.Map.of("FUSD_JIT_SUCCESSOR", jitCommand),
                Files.writeString(dir.resolve("sink.js"), SINK));
        long first = hostOf(keeper);
        Matcher m = Pattern.compile("fusd-keeper: host " + first + " handed over to (\\d+)")
                .matcher(java.util.Objects.requireNonNullElse(keeper.awaitLine("fusd-keeper: host "), ""));
        assertTrue(m.find(), "the first host did not hand over to the JIT host");
        long jit = Long.parseLong(m.group(1));
        assertNotNull(keeper.awaitLine("fusd: takeover: pid " + first + " -> " + jit));
        awaitDead(first);
        assertEquals(
                keeper.process.pid(),
                ProcessHandle.of(jit)
                        .flatMap(ProcessHandle::parent)
                        .map(ProcessHandle::pid)
                        .orElse(0L),
                "the JIT host is not the keeper's child");
        for (int i = 0; i < 1000 && !Files.exists(runtime.resolve(jit + ".sock")); i++) {
            Thread.sleep(20); // its control socket comes once it serves
        }
        try (UnixSocket s = UnixSocket.connect(runtime.resolve(jit + ".sock"))) {
            s.sendText("fusd-control\n1\ndescribe");
            assertEquals("ok", s.receive().text());
            String described = s.receive().text();
            assertTrue(described.contains("--keeper"), described);
            assertFalse(described.contains("--jit-successor"), "the JIT host would hand over again: " + described);
        }
        Path stop = dir.resolve("stop");
        Client looping = new Client("loop", mnt.resolve("sink").toString(), stop.toString());
        assertEquals("ready", looping.next());
        assertEquals("warm", looping.next());
        stopLoop(looping, stop);
        stopInOrder(keeper);
    }

    @Test
    void pastTheRestartLimitTheKeeperGivesUp() throws Exception {
        HostProcess keeper = startKept(List.of("--restarts", "0"), pipe("pipe", null));
        long host = hostOf(keeper);
        Client reader = new Client("block", mnt.resolve("pipe").toString());
        assertEquals("ready", reader.next());
        awaitPending(host, 1);
        signal(host, "KILL");
        assertNotNull(keeper.awaitLine("fusd-keeper: host " + host + " killed by SIGKILL, crash 1 within 60 s"
                + " (--restarts 0); giving up: the devices are removed"));
        assertEquals(1, keeper.await());
        assertFalse(mounted(), "the keeper left the mount after giving up");
        String got = reader.next();
        assertTrue(got.startsWith("error "), "the blocked reader should fail, not " + got);
        assertTrue(reader.process.waitFor(30, TimeUnit.SECONDS));
    }
}
