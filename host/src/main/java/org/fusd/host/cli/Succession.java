package org.fusd.host.cli;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.cuse.CuseChannel;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.control.ControlServer;
import org.fusd.host.device.Device;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.sys.Libc;
import org.fusd.host.sys.UnixSocket;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HandsOver;
import org.fusd.host.takeover.HostImage;

/**
 * The successor's side of a takeover ({@code run --take-over PID}): with its
 * scripts loaded, it asks the running host for its channel, takes the fds
 * and the image, restores every device, says "ready", and reads only once
 * the old host has answered "go" (by then it reads no more). Its stdout and
 * stderr become the old host's, so the host's output goes on where it went.
 */
final class Succession implements AutoCloseable {
    private final long oldPid;
    private final UnixSocket conn;
    private final HostImage image;
    private final List<Integer> fds;
    private HandsOver channel;
    private final Map<ScriptDevice, List<Runnable>> rerun = new HashMap<>();
    private int openFiles;
    private int calls;

    private Succession(long oldPid, UnixSocket conn, HostImage image, List<Integer> fds) {
        this.oldPid = oldPid;
        this.conn = conn;
        this.image = image;
        this.fds = fds;
    }

    /** Asks the host with pid for its channel and image; the host has stopped reading when this returns. */
    static Succession begin(long pid) throws IOException {
        UnixSocket conn = ControlServer.request(pid, "takeover");
        try {
            UnixSocket.Frame f = conn.receive();
            if (f == null) {
                throw new IOException("host " + pid + " closed the connection");
            }
            if (f.fds().size() < 3) {
                for (int fd : f.fds()) {
                    Libc.close(fd);
                }
                throw new IOException("host " + pid + " passed " + f.fds().size() + " fds, not 3 or more");
            }
            return new Succession(pid, conn, HostImage.decode(f.bytes()), f.fds());
        } catch (IOException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    HostImage image() {
        return image;
    }

    /** Restores the channel and the devices (both by HostImage.key: the script as the old host was given it, and the name). */
    Channel adopt(Map<String, ScriptDevice> devices, Map<String, Device> served) throws IOException {
        Map<String, Adoption> adoptions = new HashMap<>();
        List<Integer> channelFds = fds.subList(0, fds.size() - 2);
        Channel ch = switch (image.channel()) {
            case "fuse" -> FuseChannel.adopt(channelFds.get(0), image, served, adoptions);
            case "cuse" -> CuseChannel.adopt(channelFds, image, served, adoptions);
            case "fusd" -> FusdChannel.adopt(channelFds, image, served, adoptions);
            default -> throw new IOException("the " + image.channel() + " channel cannot be taken over yet");
        };
        channel = (HandsOver) ch;
        for (HostImage.DeviceImage d : image.devices()) {
            String key = HostImage.key(d.script(), d.name());
            ScriptDevice device = devices.get(key);
            Adoption a = adoptions.get(key);
            rerun.put(device, device.restore(d, a.files(), a.calls()));
            openFiles += d.files().size();
            calls += d.calls().size();
        }
        return ch;
    }

    /**
     * Tells the old host this one is ready and waits for its "go"; then takes
     * over its stdout/stderr, reads, reruns the handed-over calls and prints
     * the takeover line. False if the old host did not let go (it serves on).
     */
    boolean serve() throws IOException {
        conn.sendText("ready");
        UnixSocket.Frame go = conn.receive();
        if (go == null || !go.text().equals("go")) {
            return false;
        }
        System.out.flush();
        System.err.flush();
        try {
            Libc.Ext.INSTANCE.dup2(fds.get(fds.size() - 2), 1);
            Libc.Ext.INSTANCE.dup2(fds.get(fds.size() - 1), 2);
        } catch (LastErrorException e) {
            System.err.println("fusd: cannot take over the host's output: " + e.getMessage());
        }
        Libc.close(fds.get(fds.size() - 2));
        Libc.close(fds.get(fds.size() - 1));
        channel.startReading();
        Instant now = Instant.now();
        long gapNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - image.pausedAtNanos();
        for (Map.Entry<ScriptDevice, List<Runnable>> e : rerun.entrySet()) {
            e.getKey().rerun(e.getValue());
        }
        System.err.printf(
                "fusd: takeover: pid %d -> %d, gap %.1f ms (%d devices, %d open files, %d pending calls)%n",
                oldPid,
                ProcessHandle.current().pid(),
                gapNanos / 1e6,
                image.devices().size(),
                openFiles,
                calls);
        System.err.flush();
        return true;
    }

    /** A failure before "ready": the old host is told why and serves on. */
    void fail(String why) {
        try {
            conn.sendText("failed: " + why);
        } catch (IOException ignored) {
            // it will notice the closed connection instead
        }
        for (int fd : fds) {
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // closed already
            }
        }
        close();
    }

    long oldPid() {
        return oldPid;
    }

    @Override
    public void close() {
        conn.close();
    }
}
