package org.fusd.host.channel.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Client processes for the tests: python3 snippets and shell commands making real syscalls. */
final class Clients {
    static final String PYTHON = "/usr/bin/python3";

    /** Python prelude every client gets: ioctl numbers and a raw read that reports errno. */
    static final String PRELUDE = """
            import os, sys, fcntl, struct, select, signal, ctypes, time, threading, errno
            def ioc(d, t, nr, sz): return (d << 30) | (sz << 16) | (ord(t) << 8) | nr
            libc = ctypes.CDLL(None, use_errno=True)
            def raw_read(fd, n):
                buf = ctypes.create_string_buffer(n)
                r = libc.read(fd, buf, n)
                return (r, ctypes.get_errno(), buf.raw[:max(r, 0)])
            def out(*a):
                print(*a, flush=True)
            """;

    private static final Map<Process, BufferedReader> READERS = new ConcurrentHashMap<>();

    private Clients() {}

    private static BufferedReader reader(Process p) {
        return READERS.computeIfAbsent(
                p, k -> new BufferedReader(new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8)));
    }

    /** Starts python3 running PRELUDE + code with the given argv. */
    static Process python(String code, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", PRELUDE + code));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Runs a python client to completion (30 s at most); returns its output, failing on a non-zero exit. */
    static String runPython(String code, String... args) throws Exception {
        return finish(python(code, args));
    }

    static String sh(String script) throws Exception {
        return finish(
                new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start());
    }

    static String finish(Process p) throws Exception {
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        StringBuilder b = new StringBuilder();
        BufferedReader r = reader(p);
        if (!exited) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            while (r.ready()) {
                b.append((char) r.read());
            }
        } else {
            String line;
            while ((line = r.readLine()) != null) {
                b.append(line).append('\n');
            }
        }
        READERS.remove(p);
        String text = b.toString();
        assertTrue(exited, "client did not finish: " + text);
        assertEquals(0, p.exitValue(), "client failed: " + text);
        return text;
    }

    /** Reads lines of p's output until one starts with prefix; returns it. */
    static String awaitLine(Process p, String prefix) throws IOException {
        BufferedReader r = reader(p);
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("no line '" + prefix + "' from client; it said:\n" + seen);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    static boolean mounted(Path dir) throws IOException {
        String want = " " + dir.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .anyMatch(l -> l.contains(want) && l.contains(" - fuse"));
    }

    /** A java command line running a test main in a child JVM with this JVM's class path. */
    static List<String> javaCommand(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
