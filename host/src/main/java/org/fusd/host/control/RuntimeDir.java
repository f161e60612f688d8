package org.fusd.host.control;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.sys.Libc;

/**
 * Where hosts put their control sockets, one per host, named PID.sock:
 * /run/fusd-host as root, else $XDG_RUNTIME_DIR/fusd-host (or
 * /tmp/fusd-host-UID). Never the fuse channel's mount dir (/run/fusd,
 * $XDG_RUNTIME_DIR/fusd): a socket there would be hidden by the mount, or
 * would keep a stale mount dir busy.
 */
public final class RuntimeDir {
    private RuntimeDir() {}

    public static Path path() {
        String override = System.getProperty("fusd.runtimeDir");
        if (override != null && !override.isEmpty()) {
            return Path.of(override);
        }
        if (Libc.getuid() == 0) {
            return Path.of("/run/fusd-host");
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "fusd-host");
        }
        return Path.of("/tmp", "fusd-host-" + Libc.getuid());
    }

    /** The socket of the host with this pid. */
    public static Path socketOf(long pid) {
        return path().resolve(pid + ".sock");
    }

    /** Creates the directory (0700: only this user's hosts and clients). */
    public static Path create() throws IOException {
        Path dir = path();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return dir;
    }

    /** The pids that have a socket here, alive or not, in order. */
    public static List<Long> hostPids() throws IOException {
        List<Long> pids = new ArrayList<>();
        Path dir = path();
        if (!Files.isDirectory(dir)) {
            return pids;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.sock")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    pids.add(Long.parseLong(n.substring(0, n.length() - ".sock".length())));
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        }
        pids.sort(null);
        return pids;
    }

    /** A running host's control socket. */
    public record Host(long pid, Path socket) {}

    /**
     * The hosts this user may ask: its own (as {@link #liveHosts}); root also
     * those of every user, in /run/user/UID/fusd-host and /tmp/fusd-host-UID
     * (a user whose XDG_RUNTIME_DIR is elsewhere is not found). Only the
     * own directory when {@code -Dfusd.runtimeDir} moves it (tests).
     */
    public static List<Host> visibleHosts() throws IOException {
        List<Host> hosts = new ArrayList<>();
        for (long pid : liveHosts()) {
            hosts.add(new Host(pid, socketOf(pid)));
        }
        String override = System.getProperty("fusd.runtimeDir");
        if (Libc.getuid() != 0 || (override != null && !override.isEmpty())) {
            return hosts;
        }
        List<Path> dirs = new ArrayList<>();
        addMatching(dirs, Path.of("/run/user"), "[0-9]*", "fusd-host");
        addMatching(dirs, Path.of("/tmp"), "fusd-host-[0-9]*", null);
        for (Path dir : dirs) {
            if (dir.equals(path())) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.sock")) {
                for (Path p : ds) {
                    long pid = pidOf(p);
                    if (pid > 0
                            && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        hosts.add(new Host(pid, p));
                    }
                }
            } catch (IOException ignored) {
                // gone meanwhile
            }
        }
        hosts.sort(java.util.Comparator.comparingLong(Host::pid));
        return hosts;
    }

    private static void addMatching(List<Path> into, Path parent, String glob, String child) {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, glob)) {
            for (Path p : ds) {
                Path dir = child == null ? p : p.resolve(child);
                if (Files.isDirectory(dir)) {
                    into.add(dir);
                }
            }
        } catch (IOException ignored) {
            // unreadable: nothing found there
        }
    }

    private static long pidOf(Path socket) {
        String n = socket.getFileName().toString();
        try {
            return Long.parseLong(n.substring(0, n.length() - ".sock".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The pids of hosts that are alive (a socket left by a killed host is removed). */
    public static List<Long> liveHosts() throws IOException {
        List<Long> live = new ArrayList<>();
        for (long pid : hostPids()) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                live.add(pid);
            } else {
                Files.deleteIfExists(socketOf(pid));
            }
        }
        return live;
    }
}
