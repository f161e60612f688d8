package org.fusd.host.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.ScriptDevice;

/**
 * A real fuse mount, a driver runtime and hot reload watching a scripts
 * directory, with every line they print captured; client processes are
 * python3 snippets making real syscalls.
 */
final class ReloadFixture implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    static final String PRELUDE = """
            import os, sys, time, threading, errno, random
            def out(*a):
                print(*a, flush=True)
            """;

    final Path base;
    final Path scripts;
    final FuseChannel channel;
    final DriverRuntime runtime;
    final HotReload reload;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();

    ReloadFixture(boolean allowIO) throws IOException {
        base = Files.createTempDirectory("fusd-reload-test");
        scripts = Files.createDirectories(base.resolve("scripts"));
        channel = FuseChannel.open(base.resolve("mnt"));
        runtime = new DriverRuntime(allowIO, this::logErr);
        reload = new HotReload(
                runtime,
                channel,
                l -> {
                    out.add(l);
                    System.err.println(l);
                },
                this::logErr);
    }

    private void logErr(String line) {
        err.add(line);
        System.err.println(line);
    }

    /** Writes the script and serves its device with hot reload. */
    ScriptDevice serve(String file, String text) throws IOException {
        Path p = scripts.resolve(file);
        Files.writeString(p, text);
        ScriptDevice d = runtime.load(p);
        channel.add(d);
        reload.add(p, d, d);
        reload.watch(20); // after the first add, as the CLI does; then a no-op
        return d;
    }

    /** Writes a script that may define several devices (`devices`) and serves them all with hot reload. */
    List<ScriptDevice> serveAll(String file, String text) throws IOException {
        Path p = scripts.resolve(file);
        Files.writeString(p, text);
        List<ScriptDevice> all = runtime.loadScript(p);
        for (ScriptDevice d : all) {
            channel.add(d);
            reload.add(p, d, d);
        }
        reload.watch(20);
        return all;
    }

    Path script(String file) {
        return scripts.resolve(file);
    }

    String path(String name) {
        return channel.pathOf(name);
    }

    /** Rewrites in place: truncate, then write (what most editors do). */
    void rewrite(String file, String text) throws IOException {
        Files.writeString(scripts.resolve(file), text);
    }

    /** Writes a temporary file and renames it over the script (vim, atomic savers). */
    void replace(String file, String text) throws IOException {
        Path tmp = scripts.resolve("." + file + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, scripts.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    static void awaitVersion(ScriptDevice d, int version) throws InterruptedException {
        await(d.name() + " v" + version, 10_000, () -> d.version() >= version);
    }

    String awaitErr(String s) throws InterruptedException {
        await(
                "an error line containing '" + s + "' (have " + err + ")",
                10_000,
                () -> err.stream().anyMatch(l -> l.contains(s)));
        return err.stream().filter(l -> l.contains(s)).findFirst().orElseThrow();
    }

    /** A running client: its stdin, and its stdout line by line. */
    static final class Client implements AutoCloseable {
        final Process process;
        final BufferedReader lines;
        final Writer stdin;

        Client(Process process) {
            this.process = process;
            this.lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** The next line starting with prefix (failing if the client ends first). */
        String await(String prefix) throws IOException {
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
                seen.append(line).append('\n');
            }
            throw new AssertionError("no line '" + prefix + "' from client; it said:\n" + seen);
        }

        void send(String line) throws IOException {
            stdin.write(line + "\n");
            stdin.flush();
        }

        /** Waits for the exit (30 s at most); returns the rest of its output; fails on a non-zero exit. */
        String finish() throws Exception {
            stdin.close();
            boolean exited = process.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly();
            }
            StringBuilder b = new StringBuilder();
            String line;
            while (exited && (line = lines.readLine()) != null) {
                b.append(line).append('\n');
            }
            assertTrue(exited, "client did not finish: " + b);
            assertEquals(0, process.exitValue(), "client failed: " + b);
            return b.toString();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    static Client python(String code, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", PRELUDE + code));
        cmd.addAll(List.of(args));
        return new Client(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    @Override
    public void close() throws Exception {
        reload.close();
        channel.close();
        runtime.close();
        new ProcessBuilder("rm", "-rf", base.toString()).start().waitFor();
    }
}
