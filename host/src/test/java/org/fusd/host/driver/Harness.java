package org.fusd.host.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fusd.host.channel.loopback.LoopbackChannel;
import org.fusd.host.channel.loopback.LoopbackFile;

/**
 * A driver runtime on a loopback channel, with the error log captured: what
 * the tests of drivers and examples share. Scripts come from examples/ or are
 * written to a temporary directory.
 */
public final class Harness implements AutoCloseable {
    public final List<String> log = new CopyOnWriteArrayList<>();
    public final DriverRuntime runtime;
    public final LoopbackChannel channel = new LoopbackChannel();

    public Harness() {
        this(false);
    }

    public Harness(boolean allowIO) {
        this(allowIO ? org.fusd.host.io.Grants.all() : org.fusd.host.io.Grants.none());
    }

    public Harness(org.fusd.host.io.Grants grants) {
        runtime = new DriverRuntime(grants, line -> {
            log.add(line);
            System.err.println(line);
        });
    }

    /** The repository's examples/ directory (tests run in host/). */
    public static Path example(String file) {
        Path p = Path.of("..", "examples", file);
        return Files.exists(p) ? p : Path.of("examples", file);
    }

    /** A file of the repository by its path from the top (tests run in host/). */
    public static Path repoFile(String path) {
        Path p = Path.of("..").resolve(path);
        return Files.exists(p) ? p : Path.of(path);
    }

    /** Loads a script and adds its device to the loopback channel. */
    public ScriptDevice serve(Path script) {
        ScriptDevice d = runtime.load(script);
        channel.add(d);
        return d;
    }

    /** Writes text to a temporary script file named file and serves it. */
    public ScriptDevice serve(Path dir, String file, String text) throws IOException {
        return serve(write(dir, file, text));
    }

    public static Path write(Path dir, String file, String text) throws IOException {
        Path p = dir.resolve(file);
        Files.writeString(p, text);
        return p;
    }

    public LoopbackFile open(String name, int flags) {
        return channel.open(name, flags);
    }

    /** Waits until a log line containing s appears (log lines are written on device threads). */
    public String awaitLog(String s, String... more) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            for (String l : log) {
                if (l.contains(s) && java.util.Arrays.stream(more).allMatch(l::contains)) {
                    return l;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no log line containing '" + s + "' in " + log);
    }

    @Override
    public void close() {
        channel.close();
        runtime.close();
    }
}
