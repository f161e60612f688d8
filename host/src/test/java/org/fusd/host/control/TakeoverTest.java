package org.fusd.host.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `fusd-host takeover` on the fuse channel, with real host JVMs, a real mount
 * and client processes making real syscalls through it.
 */
class TakeoverTest {
    private static final Pattern TAKEOVER = Pattern.compile(
            "fusd: takeover: pid (\\d+) -> (\\d+), gap ([0-9.]+) ms \\((\\d+) devices, (\\d+) open files, (\\d+) pending calls\\)");
    private static final Pattern HANDED = Pattern.compile("fusd-host: host (\\d+) handed over to (\\d+)");

    @TempDir
    Path dir;

    private Path runtime;
    private Path mnt;
    private final List<Process> clients = new ArrayList<>();

    private Path resource(String name) throws Exception {
        try (InputStream in = TakeoverTest.class.getResourceAsStream(name)) {
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    private List<String> runArgs = List.of();

    private HostProcess startHost(Path... scripts) throws Exception {
        runtime = dir.resolve("rt");
        mnt = dir.resolve("mnt");
        List<String> args =
                new ArrayList<>(List.of("run", "--no-watch", "--channel", "fuse", "--mount", mnt.toString()));
        for (Path s : scripts) {
            args.add(s.toString());
        }
        runArgs = args;
        HostProcess host = HostProcess.start(runtime, args.toArray(new String[0]));
        for (Path s : scripts) {
            assertNotNull(host.awaitLine("fusd: serving "), "the host did not serve " + s);
        }
        return host;
    }

    /** Runs `fusd-host takeover --pid old`; the new host's pid. */
    private long takeover(long old) throws Exception {
        String out = HostProcess.run(runtime, "takeover", "--pid", Long.toString(old));
        Matcher m = HANDED.matcher(out);
        assertTrue(m.find(), "takeover failed: " + out);
        assertEquals(old, Long.parseLong(m.group(1)));
        return Long.parseLong(m.group(2));
    }

    /**
     * Starts a successor the way `fusd-host takeover` does, without the
     * command's own JVM (it only finds the host and waits): half the JVMs
     * for the rounds of the long test. Returns the new host's pid.
     */
    private long successor(long old) throws Exception {
        List<String> args = new ArrayList<>(runArgs);
        args.addAll(1, List.of("--take-over", Long.toString(old)));
        return HostProcess.start(runtime, args.toArray(new String[0])).process.pid();
    }

    private Process python(Path script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        clients.add(p);
        return p;
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process c : clients) {
            c.destroyForcibly();
        }
        if (runtime != null && Files.isDirectory(runtime)) {
            try (var socks = Files.list(runtime)) {
                for (Path s : socks.toList()) {
                    String n = s.getFileName().toString();
                    ProcessHandle.of(Long.parseLong(n.substring(0, n.indexOf('.'))))
                            .ifPresent(ProcessHandle::destroy);
                }
            }
        }
        if (mnt != null) {
            for (int i = 0;
                    i < 100 && Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " ");
                    i++) {
                Thread.sleep(100);
            }
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }

    @Test
    void twentyTakeoversUnderEightClientsLoseNoByte() throws Exception {
        int rounds = Integer.getInteger("fusd.test.takeovers", 20);
        Path echo = resource("echo.js");
        Path client = resource("echo_client.py");
        Path stop = dir.resolve("stop");
        HostProcess first = startHost(echo);
        List<BufferedReader> outs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Process p = python(client, mnt.resolve("echo").toString(), stop.toString(), Integer.toString(i));
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", r.readLine(), "client " + i + " did not start");
            outs.add(r);
        }
        long pid = first.process.pid();
        List<Double> gaps = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long next = i == 0 || i == rounds - 1 ? takeover(pid) : successor(pid);
            String l = first.awaitLine("fusd: takeover: pid " + pid + " -> " + next);
            assertNotNull(l, "no takeover line for round " + i);
            Matcher m = TAKEOVER.matcher(l);
            assertTrue(m.matches(), l);
            assertEquals("1", m.group(4), l);
            gaps.add(Double.parseDouble(m.group(3)));
            long old = pid;
            for (int k = 0;
                    k < 500 && ProcessHandle.of(old).map(ProcessHandle::isAlive).orElse(false);
                    k++) {
                Thread.sleep(20); // it halts right after its "go"
            }
            assertTrue(ProcessHandle.of(old).map(h -> !h.isAlive()).orElse(true), "the old host lives on");
            pid = next;
        }
        Thread.sleep(500); // the clients make round trips on the last host too
        Files.writeString(stop, "");
        double slowest = 0;
        for (int i = 0; i < outs.size(); i++) {
            String l;
            StringBuilder seen = new StringBuilder();
            while ((l = outs.get(i).readLine()) != null && !l.startsWith("done ")) {
                seen.append(l).append('\n');
            }
            assertNotNull(l, "client " + i + " ended without a result: " + seen);
            assertTrue(l.matches("done ops=\\d+ errors=0 maxms=[0-9.]+"), "client " + i + ": " + l + "\n" + seen);
            slowest = Math.max(slowest, Double.parseDouble(l.substring(l.indexOf("maxms=") + 6)));
            assertTrue(clients.get(i).waitFor(30, TimeUnit.SECONDS));
        }
        gaps.sort(null);
        System.err.printf(
                "takeover gaps (host): p50 %.1f ms, max %.1f ms; slowest client round trip %.1f ms%n",
                gaps.get(gaps.size() / 2), gaps.get(gaps.size() - 1), slowest);
    }

    @Test
    void blockedReadersGetTheirAnswerFromTheSuccessor() throws Exception {
        Path pipe = Files.copy(Path.of("../examples/pipe.js"), dir.resolve("pipe.js"));
        Path late = resource("late.js");
        HostProcess host = startHost(pipe, late);
        // A reader waiting on a Deferred kept in device.state, and one waiting on a promise.
        Process pipeReader = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print('open', flush=True); "
                                + "print(os.read(fd, 100).decode().strip(), flush=True)",
                        mnt.resolve("pipe").toString())
                .redirectErrorStream(true)
                .start();
        clients.add(pipeReader);
        Process lateReader = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print('open', flush=True); "
                                + "print(os.read(fd, 100).decode().strip(), flush=True)",
                        mnt.resolve("late").toString())
                .redirectErrorStream(true)
                .start();
        clients.add(lateReader);
        BufferedReader pipeOut =
                new BufferedReader(new InputStreamReader(pipeReader.getInputStream(), StandardCharsets.UTF_8));
        BufferedReader lateOut =
                new BufferedReader(new InputStreamReader(lateReader.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("open", pipeOut.readLine());
        assertEquals("open", lateOut.readLine());
        String status = "";
        for (int i = 0; i < 100 && status.split("pending calls: 1\n", -1).length < 3; i++) {
            status = HostProcess.run(runtime, "status");
        }
        long next = takeover(host.process.pid());
        String l = host.awaitLine("fusd: takeover: pid " + host.process.pid() + " -> " + next);
        assertNotNull(l);
        assertTrue(l.endsWith("(2 devices, 2 open files, 2 pending calls)"), l);
        Files.writeString(mnt.resolve("late"), "go\n");
        assertEquals("late", lateOut.readLine(), "the promise's call, run again by the successor");
        try (var w = Files.newOutputStream(mnt.resolve("pipe"))) {
            w.write("through\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("through", pipeOut.readLine(), "the Deferred kept in state, answered by the successor");
    }

    @Test
    void aSuccessorThatFailsLeavesTheOldHostServing() throws Exception {
        Path pipe = Files.copy(Path.of("../examples/pipe.js"), dir.resolve("pipe.js"));
        HostProcess host = startHost(pipe);
        Files.writeString(pipe, "export const name = ;\n");
        String out = HostProcess.run(runtime, "takeover");
        assertTrue(out.contains("SyntaxError"), out);
        assertTrue(
                out.contains(
                        "fusd-host: the new host failed (exit status 3); host " + host.process.pid() + " serves on"),
                out);
        assertTrue(host.process.isAlive());
        Files.writeString(mnt.resolve("pipe"), "still\n");
        Process reader = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print(os.read(fd, 100).decode().strip())",
                        mnt.resolve("pipe").toString())
                .redirectErrorStream(true)
                .start();
        clients.add(reader);
        assertEquals("still", new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }
}
