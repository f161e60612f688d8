package org.fusd.host.control;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * fusd-host commands in their own JVMs, with this JVM's class path and a
 * private runtime dir (so hosts that other tests or people run are not
 * seen). Output (stdout and stderr) goes to a file, followed by a thread
 * that collects lines for {@link #awaitLine}: a file, not a pipe, because a
 * successor host goes on writing to the old host's output after the old host
 * has exited, and Java stops reading a process's pipe when it exits.
 */
final class HostProcess implements AutoCloseable {
    final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private HostProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread t = new Thread(this::follow);
        t.setDaemon(true);
        t.start();
    }

    /** Reads the log as it grows, line by line, for as long as this JVM runs. */
    private void follow() {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            StringBuilder partial = new StringBuilder();
            byte[] buf = new byte[8192];
            while (true) {
                int n = f.read(buf);
                if (n <= 0) {
                    Thread.sleep(10);
                    continue;
                }
                partial.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String l = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    System.err.println("[" + process.pid() + "] " + l);
                    lines.add(l);
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // the test is over
        }
    }

    static List<String> command(Path runtimeDir, String... args) {
        return command(runtimeDir, List.of(), args);
    }

    /** The host's command with more JVM options (system properties) before its main class. */
    static List<String> command(Path runtimeDir, List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dpolyglot.engine.WarnInterpreterOnly=false",
                "-Dfusd.runtimeDir=" + runtimeDir));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.fusd.host.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static HostProcess start(Path runtimeDir, String... args) throws IOException {
        return start(command(runtimeDir, args), runtimeDir);
    }

    /** A host under fusd-keeper (target/fusd-keeper, built by mvn compile) with the keeper's options. */
    static HostProcess startKept(Path runtimeDir, List<String> keeperOptions, String... args) throws IOException {
        return startKept(runtimeDir, keeperOptions, List.of(), args);
    }

    /** The same, with more JVM options for each host the keeper starts. */
    static HostProcess startKept(Path runtimeDir, List<String> keeperOptions, List<String> jvmOptions, String... args)
            throws IOException {
        return startKept(runtimeDir, keeperOptions, jvmOptions, java.util.Map.of(), args);
    }

    /** The same, with more environment for the keeper and its hosts. */
    static HostProcess startKept(
            Path runtimeDir,
            List<String> keeperOptions,
            List<String> jvmOptions,
            java.util.Map<String, String> env,
            String... args)
            throws IOException {
        Path keeper = Path.of("target", "fusd-keeper").toAbsolutePath();
        if (!Files.isExecutable(keeper)) {
            throw new IOException(keeper + " is not built (mvn compile builds it from src/main/c)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(keeper.toString());
        cmd.addAll(keeperOptions);
        cmd.add("--");
        cmd.addAll(command(runtimeDir, jvmOptions, args));
        return start(cmd, runtimeDir, env);
    }

    private static HostProcess start(List<String> cmd, Path runtimeDir) throws IOException {
        return start(cmd, runtimeDir, java.util.Map.of());
    }

    private static HostProcess start(List<String> cmd, Path runtimeDir, java.util.Map<String, String> env)
            throws IOException {
        Files.createDirectories(runtimeDir);
        Path log = Files.createTempFile(runtimeDir.getParent(), "host-", ".log");
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().putAll(env);
        Process p = b.redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        return new HostProcess(p, log);
    }

    /** The next line starting with prefix; null if 120 s passed first. */
    String awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (l == null) {
                return null;
            }
            if (l.startsWith(prefix)) {
                return l;
            }
        }
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
        return Files.readString(p.log);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
