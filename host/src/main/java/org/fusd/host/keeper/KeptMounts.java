package org.fusd.host.keeper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.control.RuntimeDir;

/**
 * Which fuse mounts a fusd-keeper keeps for a host it is restarting: a
 * mount whose server is gone looks stale (stat fails or hangs), but this one
 * is about to be served again and must not be unmounted by a host that
 * starts meanwhile. One file per keeper in the runtime dir, kept-PID,
 * holding the mount dir; a file whose keeper is gone means nothing.
 */
public final class KeptMounts {
    private KeptMounts() {}

    static void mark(String mountDir, long keeperPid) {
        try {
            Path f = RuntimeDir.create().resolve("kept-" + keeperPid);
            Files.writeString(f, mountDir, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("fusd: cannot note the kept mount in the runtime dir (" + e.getMessage()
                    + "); a host started on " + mountDir + " during a restart would unmount it");
        }
    }

    static void unmark(long keeperPid) {
        try {
            Files.deleteIfExists(RuntimeDir.path().resolve("kept-" + keeperPid));
        } catch (IOException ignored) {
            // a file whose keeper is gone means nothing
        }
    }

    /** The pid of a live keeper that keeps dir, or 0. */
    public static long keeperOf(Path dir) throws IOException {
        Path runtime = RuntimeDir.path();
        if (!Files.isDirectory(runtime)) {
            return 0;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runtime, "kept-*")) {
            for (Path p : ds) {
                long pid;
                try {
                    pid = Long.parseLong(p.getFileName().toString().substring("kept-".length()));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    Files.deleteIfExists(p);
                } else if (Path.of(Files.readString(p, StandardCharsets.UTF_8)).equals(dir)) {
                    return pid;
                }
            }
        }
        return 0;
    }
}
