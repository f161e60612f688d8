package org.fusd.host.keeper;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.fusd.host.sys.Libc;
import org.fusd.host.sys.UnixSocket;

/**
 * This host's link to the fusd-keeper that started it (docs/takeover.md,
 * "Crash survival"). fusd-keeper.c sets the environment:
 *
 * - FUSD_KEEPER="SOCKET MEMFD": the socket to the keeper and the
 *   {@link Registry}'s memfd, for every host it starts;
 * - after a crash also FUSD_KEEPER_CHANNEL="FD[,FD...]", the channel fds it
 *   held (this host attaches to them instead of mounting),
 *   FUSD_KEEPER_RESTART="N NANOS WHY": which restart, when the last host
 *   died (CLOCK_REALTIME) and how, and FUSD_KEEPER_HELD: what the last
 *   "hold" said of its fds.
 *
 * The host tells the keeper: "hold fuse DIR" (or "hold fusd") with the
 * channel's fds once it serves them (on fusd again whenever the memfds of
 * its devices change), "serving", and "stop" when it stops in order (the
 * keeper then lets the fds go, so that the unmount or close ends the
 * connection). For an upgrade it asks the keeper to start its successor
 * ("successor", answered "started PID"), and says "handed-over" just before
 * it exits.
 */
public final class KeeperLink {
    /**
     * A start after a crash: the channel fds the keeper held, and what became
     * of the last host. held: the words of the last "hold" frame after "hold"
     * (cuse: "cuse ID:NAME...", the device of each fd), or "".
     */
    @SuppressWarnings("ArrayRecordComponent") // fd numbers: read, never compared
    public record Restart(int number, long crashedAtNanos, String why, int[] channelFds, String held) {}

    private final UnixSocket conn;
    private final Registry registry;
    private final Restart restart;
    private final long keeperPid;
    private boolean broken;

    private KeeperLink(UnixSocket conn, Registry registry, Restart restart, long keeperPid) {
        this.conn = conn;
        this.registry = registry;
        this.restart = restart;
        this.keeperPid = keeperPid;
    }

    /** The link if fusd-keeper started this process, else null. */
    public static KeeperLink fromEnvironment() throws IOException {
        String link = System.getenv("FUSD_KEEPER");
        if (link == null || link.isEmpty()) {
            return null;
        }
        int[] fds = numbers(link, " ", "FUSD_KEEPER");
        if (fds.length != 2) {
            throw new IOException("FUSD_KEEPER='" + link + "' is not 'SOCKET MEMFD'");
        }
        Restart restart = null;
        String channel = System.getenv("FUSD_KEEPER_CHANNEL");
        String info = System.getenv("FUSD_KEEPER_RESTART");
        if (channel != null && !channel.isEmpty() && info != null) {
            String[] f = info.split(" ", 3);
            if (f.length != 3) {
                throw new IOException("FUSD_KEEPER_RESTART='" + info + "' is not 'N NANOS WHY'");
            }
            try {
                restart = new Restart(
                        Integer.parseInt(f[0]),
                        Long.parseLong(f[1]),
                        f[2],
                        numbers(channel, ",", "FUSD_KEEPER_CHANNEL"),
                        java.util.Objects.requireNonNullElse(System.getenv("FUSD_KEEPER_HELD"), ""));
            } catch (NumberFormatException e) {
                throw new IOException("FUSD_KEEPER_RESTART='" + info + "' is not 'N NANOS WHY'", e);
            }
        }
        if (restart != null) {
            for (int fd : restart.channelFds()) {
                // Inherited without close-on-exec: a child of ours must not keep the connection alive.
                try {
                    Libc.Ext.INSTANCE.fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
                } catch (LastErrorException e) {
                    throw new IOException("the keeper's channel fd " + fd + " is not open", e);
                }
            }
        }
        Registry registry = Registry.map(fds[1]);
        Libc.close(fds[1]); // mapped: the fd is not needed any more
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
        return new KeeperLink(UnixSocket.adopt(fds[0]), registry, restart, parent);
    }

    private static int[] numbers(String s, String sep, String what) throws IOException {
        try {
            return Arrays.stream(s.trim().split(sep))
                    .mapToInt(Integer::parseInt)
                    .toArray();
        } catch (NumberFormatException e) {
            throw new IOException(what + "='" + s + "' is not a list of fds", e);
        }
    }

    public Registry registry() {
        return registry;
    }

    /** Null for the keeper's first host; else what the last one left. */
    public Restart restart() {
        return restart;
    }

    public long keeperPid() {
        return keeperPid;
    }

    /**
     * Hands the channel's fds to the keeper (it holds copies: the connection
     * outlives this process), in place of those it held. mountDir: the fuse
     * mount (the keeper unmounts it if it gives up), null on fusd.
     */
    public void hold(String kind, String mountDir, int[] fds) {
        send("hold " + kind + (mountDir == null ? "" : " " + mountDir), fds);
        if (mountDir != null) {
            KeptMounts.mark(mountDir, keeperPid);
        }
    }

    /**
     * cuse: hands the keeper one /dev/cuse fd per device, each named in
     * devices ("ID:NAME" words, in the order of fds), in place of those it held.
     */
    public void holdDevices(String kind, List<String> devices, int[] fds) {
        send("hold " + kind + " " + String.join(" ", devices), fds);
    }

    /** This host serves (a restarted one has attached). */
    public void serving() {
        send("serving");
    }

    /**
     * Has the keeper start a successor (its child: the keeper supervises it
     * once it has taken over) in cwd with command; returns its pid.
     */
    public synchronized long startSuccessor(String cwd, List<String> command) throws IOException {
        if (broken) {
            throw new IOException("the link to fusd-keeper " + keeperPid + " is broken");
        }
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        for (String word : concat("successor", cwd, command)) {
            if (word.indexOf('\0') >= 0) {
                throw new IOException("a NUL in '" + word + "'");
            }
            frame.writeBytes(word.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            frame.write(0);
        }
        conn.send(frame.toByteArray());
        UnixSocket.Frame answer = conn.receive();
        String text = answer == null ? "refused the keeper closed the link" : answer.text();
        if (!text.startsWith("started ")) {
            throw new IOException("fusd-keeper " + keeperPid + " " + text);
        }
        try {
            return Long.parseLong(text.substring("started ".length()));
        } catch (NumberFormatException e) {
            throw new IOException("fusd-keeper " + keeperPid + " answered '" + text + "'", e);
        }
    }

    private static List<String> concat(String first, String second, List<String> rest) {
        List<String> all = new java.util.ArrayList<>(List.of(first, second));
        all.addAll(rest);
        return all;
    }

    /** The successor has taken over and this host exits now: the successor is the keeper's host. */
    public void handedOver() {
        send("handed-over");
    }

    /** An orderly stop: the keeper lets the fds go, and ends when this process does. */
    public void stop() {
        send("stop");
        KeptMounts.unmark(keeperPid);
    }

    private synchronized void send(String text, int... fds) {
        if (broken) {
            return;
        }
        try {
            conn.send(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), fds);
        } catch (IOException e) {
            broken = true;
            System.err.println("fusd: lost the keeper (" + e.getMessage() + "); a crash now takes the devices");
        }
    }
}
