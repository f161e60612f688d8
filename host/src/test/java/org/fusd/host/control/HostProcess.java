package org.fusd.host.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * fusd-host commands in their own JVMs, with this JVM's class path and a
 * private runtime dir (so hosts that other tests or people run are not
 * seen). Output lines (stdout and stderr merged) are collected for {@link
 * #awaitLine}; a hung process is killed after 5 minutes.
 */
final class HostProcess implements AutoCloseable {
    final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private HostProcess(Process process) {
        this.process = process;
        Thread t = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    System.err.println("[" + process.pid() + "] " + l);
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            lines.add("\u0000EOF");
        });
        t.setDaemon(true);
        t.start();
    }

    static List<String> command(Path runtimeDir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dpolyglot.engine.WarnInterpreterOnly=false",
                "-Dfusd.runtimeDir=" + runtimeDir,
                "-cp",
                System.getProperty("java.class.path"),
                "org.fusd.host.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static HostProcess start(Path runtimeDir, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(runtimeDir, args)).redirectErrorStream(true);
        pb.environment()
                .put(
                        "FUSD_SUCCESSOR_JAVA",
                        String.join("\u001f", command(runtimeDir).subList(0, 7)));
        return new HostProcess(pb.start());
    }

    /** The next line starting with prefix; null if the output ended or 120 s passed first. */
    String awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (l == null || l.equals("\u0000EOF")) {
                if (l != null) {
                    lines.add(l);
                }
                return null;
            }
            seen.add(l);
            if (l.startsWith(prefix)) {
                return l;
            }
        }
    }

    /** Every line read so far by awaitLine. */
    List<String> seen() {
        return seen;
    }

    /** Waits for the process to end; its exit status. */
    int await() throws InterruptedException {
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return process.waitFor();
    }

    /** Runs a command to its end and returns its output. */
    static String run(Path runtimeDir, String... args) throws Exception {
        HostProcess p = start(runtimeDir, args);
        p.await();
        StringBuilder b = new StringBuilder();
        String l;
        while ((l = p.lines.poll()) != null && !l.equals("\u0000EOF")) {
            b.append(l).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
