package org.fusd.host.channel.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fusd.host.channel.Channel;
import org.fusd.host.device.Device;
import org.fusd.host.device.Errno;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.ResentCalls;
import org.fusd.host.fuse.DeviceSlot;
import org.fusd.host.fuse.FileOps;
import org.fusd.host.fuse.FuseInit;
import org.fusd.host.fuse.FuseProtocol;
import org.fusd.host.fuse.FuseSession;
import org.fusd.host.fuse.OpTable;
import org.fusd.host.fuse.OpenFileLog;
import org.fusd.host.sys.Libc;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HandsOver;
import org.fusd.host.takeover.HostImage;

/**
 * The `fuse` channel: devices appear as regular files in a FUSE mount
 * (/run/fusd as root, $XDG_RUNTIME_DIR/fusd otherwise). The wire protocol is
 * spoken by {@link FuseSession} over the raw /dev/fuse fd; this class mounts,
 * composes the op table (INIT, the root directory, the per-file ops) and
 * unmounts on {@link #close()}.
 *
 * Usage: {@code FuseChannel ch = FuseChannel.open(dir).closeOnExit(); ch.add(device);}
 */
public final class FuseChannel implements Channel, HandsOver {
    /**
     * Every call reaches the device (direct io), and writes do not take the
     * inode lock exclusively (parallel direct writes: a write waiting in the
     * device does not hold up other writers; see RootDir's file size for the
     * other half).
     */
    private static final int DIRECT = FuseProtocol.FOPEN_DIRECT_IO | FuseProtocol.FOPEN_PARALLEL_DIRECT_WRITES;

    /**
     * The FOPEN_* flags of an open (docs/channels.md, "Seeking and shell
     * tools"). A stream (nonseekable, stream) has no f_pos lock, so a write
     * never waits behind a read blocked on the same fd, but lseek fails, and
     * GNU tools take that as an error on a regular file (head -n1: "cannot
     * seek to relative offset"). Both cannot hold for one fd, so: an open
     * that can write stays a stream; a read-only open of a stream device
     * (nothing to wait behind) lets the kernel keep a position that lseek and
     * pread may move, while the driver still reads from its own position
     * (offset 0); a seekable device has the kernel's positions on every open.
     */
    static int openFlags(Device device, int flags) {
        if (device.seekable() || (flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY) {
            return DIRECT;
        }
        return DIRECT | FuseProtocol.FOPEN_NONSEEKABLE | FuseProtocol.FOPEN_STREAM;
    }

    private final Path dir;
    private final RootDir root;
    private final FuseSession session;
    private FileOps files;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Thread shutdownHook;
    private volatile Runnable devicesChanged = () -> {};

    private FuseChannel(Path dir, RootDir root, FuseSession session) {
        this.dir = dir;
        this.root = root;
        this.session = session;
    }

    /** Where devices appear by default: /run/fusd for root, $XDG_RUNTIME_DIR/fusd (or /tmp/fusd-UID) otherwise. */
    public static Path defaultMountDir() {
        if (Mounter.isRoot()) {
            return Path.of("/run/fusd");
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "fusd");
        }
        return Path.of("/tmp", "fusd-" + Libc.getuid());
    }

    /** Mounts at the default dir with one reader thread. */
    public static FuseChannel open() throws IOException {
        return open(defaultMountDir());
    }

    /** Mounts at mountDir (created if missing) with one reader thread. */
    public static FuseChannel open(Path mountDir) throws IOException {
        return open(mountDir, 1);
    }

    /**
     * Mounts at mountDir, clearing a stale mount left there by a killed host.
     * readers: threads reading requests (1 is fastest for a single client).
     */
    public static FuseChannel open(Path mountDir, int readers) throws IOException {
        Path dir = mountDir.toAbsolutePath().normalize();
        Mounter.clearStale(dir);
        Files.createDirectories(dir);
        int uid = Libc.getuid();
        int gid = Libc.getgid();
        RootDir root = new RootDir(uid, gid);
        OpTable table = new OpTable();
        int fd = Mounter.mount(dir, uid, gid);
        FuseSession session = new FuseSession(fd, table, "fusd-fuse");
        new FuseInit().addTo(table);
        session.addCommonRows(table, root::forget);
        FileOps files = new FileOps(root::slot, FuseChannel::openFlags);
        files.addTo(table);
        root.addTo(table);
        FuseChannel channel = new FuseChannel(dir, root, session);
        channel.files = files;
        session.start(Math.max(1, readers), null);
        return channel;
    }

    // ---- takeover ----

    /**
     * Serves the connection a previous host handed over (fd: its /dev/fuse fd,
     * received by SCM_RIGHTS), mounted at dir: the devices keep their nodeids,
     * the open files their fh and poll handle, and the calls waiting for an
     * answer are rebuilt (returned per device, by HostImage.key). No INIT: the kernel
     * and the previous host did that. Nothing is read until {@link #startReading}.
     */
    public static FuseChannel adopt(int fd, HostImage image, Map<String, Device> byKey, Map<String, Adoption> out)
            throws IOException {
        Path dir = Path.of(image.mountDir());
        RootDir root = new RootDir(Libc.getuid(), Libc.getgid());
        root.continueFrom(image.nextNodeid());
        OpTable table = new OpTable();
        FuseSession session = new FuseSession(fd, table, "fusd-fuse");
        new FuseInit().addTo(table);
        session.addCommonRows(table, root::forget);
        FileOps files = new FileOps(root::slot, FuseChannel::openFlags);
        files.addTo(table);
        root.addTo(table);
        FuseChannel channel = new FuseChannel(dir, root, session);
        channel.files = files;
        for (HostImage.DeviceImage d : image.devices()) {
            Device device = byKey.get(HostImage.key(d.script(), d.name()));
            if (device == null) {
                throw new IOException("device " + d.name() + " of " + d.script() + " is not among the successor's"
                        + " devices (the script no longer defines it?)");
            }
            DeviceSlot slot = new DeviceSlot(device, d.nodeid(), session, () -> {});
            device.attach(slot);
            if (!root.add(device.name(), slot)) {
                throw new IOException("two devices named '" + device.name() + "'");
            }
            out.put(HostImage.key(d.script(), d.name()), files.adopt(d, slot, session));
        }
        return channel;
    }

    // ---- crash survival (fusd-keeper) ----

    /** Tells log of every file opened, armed for poll or released from now on (a host under fusd-keeper). */
    public void logFilesTo(OpenFileLog log) {
        files.logTo(log);
    }

    /** Tells log of every request read and answered from now on (fusd-keeper's journal). */
    public void logReadsTo(org.fusd.host.fuse.ReadLog log) {
        session.logReadsTo(log);
    }

    /** Keeps fh from being given out: a file the kernel has open on a device this host does not serve. */
    public void reserve(long fh) {
        files.reserve(fh);
    }

    /** Device name → nodeid for the devices served now. */
    public Map<String, Long> nodeids() {
        return root.nodeids();
    }

    /** Every device inode the kernel may still use → its device's name now (renamed devices' old inodes too). */
    public Map<Long, String> inodeNames() {
        return root.inodeNames();
    }

    /** Runs after each device added or removed (fusd-keeper's registry follows the table). */
    public void onDevicesChanged(Runnable r) {
        devicesChanged = r;
    }

    /**
     * After {@link #adopt} in a host started after a crash: asks the kernel
     * to send again the requests the dead host had read (FUSE_NOTIFY_RESEND),
     * then reads. False if the kernel has no resend (before Linux 6.9): the
     * requests in unanswered (the dead host's journal) are then answered EIO;
     * any others wait until their callers are interrupted.
     */
    public boolean resendAndRead(java.util.List<Long> unanswered) {
        boolean resent = session.notifyResend();
        if (!resent) {
            unanswered.forEach(u -> session.replyError(u, ResentCalls.ERRNO.number()));
        }
        startReading();
        return resent;
    }

    /** Reads requests, after {@link #adopt} (the devices have restored their state). */
    @Override
    public void startReading() {
        session.start(1, null);
    }

    /** The /dev/fuse fd, to hand to a successor. */
    @Override
    public int[] fds() {
        return new int[] {session.fd()};
    }

    @Override
    public String mountPoint() {
        return dir.toString();
    }

    /**
     * Stops reading requests for a takeover; false if a reader was still busy
     * after millis (then {@link #resumeReading}).
     */
    @Override
    public boolean pauseReading(long millis) {
        return session.pauseReading(millis);
    }

    @Override
    public void resumeReading() {
        session.resumeReading(1);
    }

    /** Fills in what only the channel knows of a device's image: its nodeid, and each open file's fh and kh. */
    @Override
    public HostImage.DeviceImage complete(HostImage.DeviceImage d, Device device) {
        DeviceSlot slot = root.slotNamed(device.name());
        return files.complete(d, device, slot == null ? 0 : slot.nodeid());
    }

    /** The nodeid the next device gets. */
    @Override
    public long nextNodeid() {
        return root.peekNodeid();
    }

    /** Unmounts when the JVM exits (SIGINT, SIGTERM, System.exit). Returns this. */
    public synchronized FuseChannel closeOnExit() {
        if (shutdownHook == null && !closed.get()) {
            shutdownHook = new Thread(this::close, "fusd-fuse-unmount");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        return this;
    }

    public Path mountDir() {
        return dir;
    }

    /** True until the connection ends (unmounted and every open file closed). */
    public boolean isServing() {
        return session.isRunning();
    }

    /** Requests waiting for a deferred reply (diagnostics, tests). */
    public int pendingRequests() {
        return session.pendingCount();
    }

    @Override
    public String kind() {
        return "fuse";
    }

    @Override
    public void add(Device device) throws IOException {
        if (device.sharedMemory() != null) {
            System.err.println("fusd: " + device.name() + " exports `memory`: clients can mmap it only on the fusd"
                    + " channel (--channel fusd); here a MAP_SHARED mmap(2) fails (ENODEV) and a MAP_PRIVATE one"
                    + " is a private copy filled by read calls");
        }
        if (closed.get()) {
            throw new IOException("the fuse channel at " + dir + " is closed");
        }
        if (root.has(device.name())) {
            throw new IOException(
                    "a device named '" + device.name() + "' is already served at " + pathOf(device.name()));
        }
        String conflict = root.conflict(device.name());
        if (conflict != null) {
            throw new IOException("device name '" + device.name() + "': " + conflict);
        }
        // Gone: nothing more to do here; the inode itself lives until the kernel forgets it.
        DeviceSlot slot = new DeviceSlot(device, root.newNodeid(), session, () -> {});
        device.attach(slot);
        if (!root.add(device.name(), slot)) {
            throw new IOException(
                    "a device named '" + device.name() + "' is already served at " + pathOf(device.name()));
        }
        devicesChanged.run();
    }

    @Override
    public void remove(String name) {
        root.remove(name);
        devicesChanged.run();
    }

    @Override
    public String pathOf(String name) {
        return dir.resolve(name).toString();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        session.stop(Errno.ENODEV);
        Mounter.unmount(dir);
        session.awaitReaders(2000);
        synchronized (this) {
            if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
        }
    }
}
