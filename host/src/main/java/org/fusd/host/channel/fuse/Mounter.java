package org.fusd.host.channel.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fusd.host.device.Errno;
import org.fusd.host.keeper.KeptMounts;
import org.fusd.host.sys.Libc;

/**
 * Mounting and unmounting a FUSE file system for the channel: as root with
 * mount(2) on a /dev/fuse fd we open; otherwise through the setuid helper
 * fusermount3, which mounts and passes the fd back over a unix socket
 * (SCM_RIGHTS, the socket named by _FUSE_COMMFD). Also finds and clears a
 * stale mount left at the mount dir by a host that was killed.
 */
final class Mounter {
    private static final String FUSERMOUNT = "fusermount3";

    private Mounter() {}

    static boolean isRoot() {
        return Libc.getuid() == 0;
    }

    /** Mounts a file system at dir and returns the connection's fd. */
    static int mount(Path dir, int uid, int gid) throws IOException {
        if (isRoot()) {
            int fd;
            try {
                fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new IOException("cannot open /dev/fuse: " + Errno.byNumber(e.getErrorCode()), e);
            }
            String data = "fd=" + fd + ",rootmode=40000,user_id=" + uid + ",group_id=" + gid
                    + ",default_permissions,allow_other";
            try {
                Libc.mount("fusd", dir.toString(), "fuse.fusd", Libc.MS_NOSUID | Libc.MS_NODEV, data);
            } catch (LastErrorException e) {
                Libc.close(fd);
                throw new IOException("cannot mount FUSE at " + dir + ": " + Errno.byNumber(e.getErrorCode()), e);
            }
            return fd;
        }
        return fusermount(dir, "fsname=fusd,subtype=fusd,default_permissions");
    }

    /** Unmounts dir: a plain unmount, lazily (detached) if still busy. */
    static void unmount(Path dir) {
        if (isRoot()) {
            try {
                Libc.umount2(dir.toString(), 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EBUSY.number()) {
                    try {
                        Libc.umount2(dir.toString(), Libc.MNT_DETACH);
                    } catch (LastErrorException ignored) {
                        // gone meanwhile
                    }
                }
            }
        } else {
            runQuietly(FUSERMOUNT, "-u", "-z", "--", dir.toString());
        }
    }

    private static void lazyUnmount(Path dir) {
        if (isRoot()) {
            try {
                Libc.umount2(dir.toString(), Libc.MNT_DETACH);
            } catch (LastErrorException ignored) {
                // not mounted any more
            }
        } else {
            runQuietly(FUSERMOUNT, "-u", "-z", "--", dir.toString());
        }
    }

    private static void runQuietly(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.err.println("fusd: cannot run " + cmd[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * If a FUSE file system is mounted at dir and its server is gone (stat
     * fails with ENOTCONN) or hangs, unmounts it lazily and says so on stderr.
     * A live one is left alone: that is an error for the caller; so is one a
     * fusd-keeper keeps for the host it is restarting.
     */
    static void clearStale(Path dir) throws IOException {
        for (int round = 0; round < 4 && fuseMountedAt(dir); round++) {
            String why = probe(dir);
            if (why == null) {
                throw new IOException(dir + " is already a FUSE mount with a live server"
                        + " (another fusd-host?); stop it or choose another mount dir");
            }
            long keeper = KeptMounts.keeperOf(dir);
            if (keeper != 0) {
                throw new IOException(dir + " is kept by fusd-keeper " + keeper + ", which is starting a new host"
                        + " for it after a crash; wait for it, stop it (kill " + keeper
                        + "), or choose another mount dir");
            }
            lazyUnmount(dir);
            System.err.println("fusd: " + dir + ": unmounted a stale FUSE mount (" + why
                    + "), left by a host that did not exit cleanly");
        }
    }

    /** null if stat of dir works; else why the mount is dead. */
    private static String probe(Path dir) {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(
                () -> {
                    try (Memory st = new Memory(256)) {
                        Libc.Ext.INSTANCE.stat(dir.toString(), st);
                        return null;
                    } catch (LastErrorException e) {
                        return e.getErrorCode() == Errno.ENOTCONN.number()
                                ? "server gone"
                                : "stat " + Errno.byNumber(e.getErrorCode());
                    }
                },
                r -> {
                    Thread t = new Thread(r, "fusd-stale-probe");
                    t.setDaemon(true);
                    t.start();
                });
        try {
            return f.get(2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "server not answering";
        } catch (ExecutionException e) {
            return "stat failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** True if /proc/self/mountinfo lists a fuse (or fuse.*) mount at dir. */
    static boolean fuseMountedAt(Path dir) throws IOException {
        String want = dir.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) {
                continue;
            }
            String type = line.substring(dash + 3).split(" ")[0];
            if ((type.equals("fuse") || type.startsWith("fuse."))
                    && unescape(f[4]).equals(want)) {
                return true;
            }
        }
        return false;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Mounts through fusermount3 and receives the /dev/fuse fd it opened. */
    private static int fusermount(Path dir, String options) throws IOException {
        Libc.Ext c = Libc.Ext.INSTANCE;
        int[] sv = new int[2];
        try {
            c.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM, 0, sv);
        } catch (LastErrorException e) {
            throw new IOException("socketpair failed: " + Errno.byNumber(e.getErrorCode()), e);
        }
        int fd = -1;
        try {
            // Our end must not leak into the child; its end must.
            c.fcntl(sv[1], Libc.F_SETFD, Libc.FD_CLOEXEC);
            List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                if (!e.getKey().equals("_FUSE_COMMFD")) {
                    env.add(e.getKey() + "=" + e.getValue());
                }
            }
            env.add("_FUSE_COMMFD=" + sv[0]);
            int[] pid = new int[1];
            String[] argv = {FUSERMOUNT, "-o", options, "--", dir.toString()};
            int rc = c.posix_spawnp(pid, FUSERMOUNT, null, null, argv, env.toArray(new String[0]));
            if (rc == Errno.ENOENT.number() || rc == Errno.EACCES.number()) {
                throw new IOException(FUSERMOUNT + " is not installed: as root, run"
                        + " `apt-get install fuse3` (or run fusd-host as root)");
            }
            if (rc != 0) {
                throw new IOException("cannot run " + FUSERMOUNT + ": " + Errno.byNumber(rc));
            }
            Libc.close(sv[0]);
            sv[0] = -1;
            fd = receiveFd(sv[1]);
            int[] status = new int[1];
            c.waitpid(pid[0], status, 0);
            if (fd < 0) {
                throw new IOException(FUSERMOUNT + " could not mount " + dir + " (exit status "
                        + ((status[0] >> 8) & 0xff) + "; see its message above)");
            }
            c.fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
            return fd;
        } finally {
            if (sv[0] >= 0) {
                Libc.close(sv[0]);
            }
            Libc.close(sv[1]);
        }
    }

    /** recvmsg with room for one SCM_RIGHTS fd; -1 if the peer sent none. */
    private static int receiveFd(int sock) {
        try (Memory msg = new Memory(56);
                Memory iov = new Memory(16);
                Memory data = new Memory(8);
                Memory control = new Memory(64)) {
            msg.clear();
            control.clear();
            iov.setPointer(0, data);
            iov.setLong(8, 1);
            msg.setPointer(16, iov); // msg_iov
            msg.setLong(24, 1); // msg_iovlen
            msg.setPointer(32, control); // msg_control
            msg.setLong(40, 64); // msg_controllen
            long n;
            while (true) {
                try {
                    n = Libc.Ext.INSTANCE.recvmsg(sock, msg, 0);
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Errno.EINTR.number()) {
                        return -1;
                    }
                }
            }
            long controlLen = msg.getLong(40);
            if (n <= 0 || controlLen < 20) {
                return -1;
            }
            Pointer cmsg = control;
            int level = cmsg.getInt(8);
            int type = cmsg.getInt(12);
            if (level != Libc.SOL_SOCKET || type != Libc.SCM_RIGHTS) {
                return -1;
            }
            return cmsg.getInt(16);
        }
    }
}
