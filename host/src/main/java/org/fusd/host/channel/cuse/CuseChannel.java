package org.fusd.host.channel.cuse;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fusd.host.channel.Channel;
import org.fusd.host.device.Device;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ResentCalls;
import org.fusd.host.fuse.CuseInit;
import org.fusd.host.fuse.DeviceSlot;
import org.fusd.host.fuse.FileOps;
import org.fusd.host.fuse.FuseProtocol;
import org.fusd.host.fuse.FuseSession;
import org.fusd.host.fuse.OpTable;
import org.fusd.host.sys.Libc;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HandsOver;
import org.fusd.host.takeover.HostImage;

/**
 * The `cuse` channel: each device is a real character device /dev/NAME made
 * by the kernel's CUSE module. One /dev/cuse fd per device carries the FUSE
 * wire protocol; the first request, CUSE_INIT, is answered with the device's
 * name (and number, if the driver asked for one), then the per-file requests
 * are served by the same {@link FileOps} as the fuse channel. Unlike a FUSE
 * mount, CUSE passes ioctls unrestricted: a driver can reach memory behind
 * pointers in the argument (FUSE_IOCTL_RETRY rounds).
 *
 * After CUSE_INIT the kernel registers the device; devtmpfs (or udev) makes
 * the node, owned by root with mode 0600. We wait for it (making it with
 * mknod if neither exists), then give it the driver's mode and the host's
 * owner. Closing the channel aborts each connection through
 * /sys/class/cuse/NAME/abort: the node disappears and calls still open on
 * it fail with ENODEV / ENOTCONN.
 *
 * Needs root (or write access to /dev/cuse and /dev). No mmap: CUSE has none.
 */
public final class CuseChannel implements Channel, HandsOver {
    public static final Path CUSE = Path.of("/dev/cuse");
    private static final Path SYS_CLASS = Path.of("/sys/class/cuse");
    private static final int OPEN_FLAGS =
            FuseProtocol.FOPEN_DIRECT_IO | FuseProtocol.FOPEN_NONSEEKABLE | FuseProtocol.FOPEN_STREAM;
    private static final long APPEAR_MS = Long.getLong("fusd.cuse.appearMillis", 10_000);

    private final Path devDir;
    private final ConcurrentHashMap<String, Served> devices = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final int uid = Libc.getuid();
    private final int gid = Libc.getgid();

    /** One device: its connection and what FileOps resolves every request to. */
    private record Served(String name, FuseSession session, DeviceSlot slot, FileOps files) {}

    /** During a takeover: the connection fds in the order the devices' images refer to them. */
    private final java.util.List<Integer> handing = new java.util.ArrayList<>();

    /** Each device's number in the keeper's registry (crash survival): its files are recorded under it. */
    private final ConcurrentHashMap<String, Integer> keptIds = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicInteger nextKeptId =
            new java.util.concurrent.atomic.AtomicInteger();
    /** Told what survives a crash (fusd-keeper's registry); null: nobody. */
    private volatile Log log;

    /**
     * What a host started after this one crashes needs (docs/takeover.md,
     * "Crash survival"): each device's open files, recorded by the log
     * {@link #filesOf} gives for its number, and the devices with their
     * connections ({@link #kept}) whenever they change.
     */
    public interface Log {
        /** Where the files of the device numbered keptId are recorded (before each OPEN reply). */
        org.fusd.host.fuse.OpenFileLog filesOf(int keptId);

        /** Where the requests read and answered on the connection of the device numbered keptId are noted. */
        org.fusd.host.fuse.ReadLog readsOf(int keptId);

        /** {@link #kept} changed; called with the channel's lock held, so calls come in order. */
        void devicesChanged();
    }

    /** A device and its connection, as a keeper holds them. */
    public record KeptDevice(int keptId, String name, int fd) {}

    private CuseChannel(Path devDir) {
        this.devDir = devDir;
    }

    /** True if /dev/cuse can be opened here (the module is loaded and we may use it). */
    public static boolean available() {
        if (!Files.exists(CUSE)) {
            return false;
        }
        try {
            Libc.close(Libc.open(CUSE.toString(), Libc.O_RDWR | Libc.O_CLOEXEC));
            return true;
        } catch (LastErrorException e) {
            return false;
        }
    }

    /** A channel making nodes in /dev. Fails if /dev/cuse is missing or not ours to use. */
    public static CuseChannel open() throws IOException {
        if (!Files.exists(CUSE)) {
            throw new IOException("no " + CUSE + ": the kernel's CUSE module is not loaded (modprobe cuse)");
        }
        if (!Files.isReadable(CUSE) || !Files.isWritable(CUSE)) {
            throw new IOException(CUSE + " is not readable and writable by this user (the cuse channel needs root)");
        }
        return new CuseChannel(Path.of("/dev"));
    }

    @Override
    public String kind() {
        return "cuse";
    }

    @Override
    public void add(Device device) throws IOException {
        String name = device.name();
        if (name.indexOf('!') >= 0) {
            throw new IOException("device name '" + name + "': CUSE cannot take a '!' (the kernel names the device"
                    + " drums!bam in sysfs for drums/bam, and devtmpfs turns every '!' back into '/')");
        }
        for (String other : devices.keySet()) {
            if (other.startsWith(name + "/") || name.startsWith(other + "/")) {
                throw new IOException(
                        "device name '" + name + "': /dev/" + (other.startsWith(name + "/") ? name : other)
                                + " cannot be both a device and the directory of another ('" + other + "')");
            }
        }
        if (device.sharedMemory() != null) {
            System.err.println("fusd: " + device.name() + " exports `memory`: clients can mmap it only on the fusd"
                    + " channel (--channel fusd); CUSE has no mmap: mmap(2) of the node fails (ENODEV)");
        }
        if (closed.get()) {
            throw new IOException("the cuse channel is closed");
        }
        if (devices.putIfAbsent(name, new Served(name, null, null, null)) != null) {
            throw new IOException("a device named '" + name + "' is already served at " + pathOf(name));
        }
        try {
            devices.put(name, start(device));
        } catch (IOException | RuntimeException e) {
            devices.remove(name);
            keptIds.remove(name);
            throw e;
        }
        devicesChanged();
    }

    // ---- crash survival ----

    /** From now on, tells log what a host started after a crash needs; tells it the devices at once. */
    public synchronized void keepIn(Log log) {
        this.log = log;
        for (Served s : devices.values()) {
            Integer id = keptIds.get(s.name());
            if (s.files() != null && id != null) {
                s.files().logTo(log.filesOf(id));
                s.session().logReadsTo(log.readsOf(id));
            }
        }
        devicesChanged();
    }

    private synchronized void devicesChanged() {
        Log l = log;
        if (l != null) {
            l.devicesChanged();
        }
    }

    /** The devices with a live connection, each with its number and connection fd. */
    public synchronized java.util.List<KeptDevice> kept() {
        java.util.List<KeptDevice> out = new java.util.ArrayList<>();
        for (Served s : devices.values()) {
            Integer id = keptIds.get(s.name());
            if (s.session() != null && id != null) { // an ended connection has left devices already
                out.add(new KeptDevice(id, s.name(), s.session().fd()));
            }
        }
        return out;
    }

    /** After a crash: the adopted devices keep the numbers the dead host gave them; new ones come after. */
    public void keptAs(java.util.Map<String, Integer> ids, int highest) {
        keptIds.putAll(ids);
        nextKeptId.set(Math.max(
                highest, ids.values().stream().mapToInt(Integer::intValue).max().orElse(0)));
    }

    /**
     * After {@link #adopt} in a host started after a crash: asks the kernel to
     * send again each connection's requests the dead host had read
     * (FUSE_NOTIFY_RESEND), then reads. False if the kernel has none (before
     * Linux 6.9): the requests in unanswered (the dead host's journal: device
     * number → uniques) are then answered EIO; any others wait until their
     * callers are interrupted.
     */
    public boolean resendAndRead(java.util.Map<Integer, java.util.List<Long>> unanswered) {
        boolean resent = true;
        for (Served s : devices.values()) {
            if (resent) {
                resent = s.session().notifyResend(); // refused once: the kernel has none (said once)
            } else {
                s.session().answerOrphanInterrupts();
            }
        }
        if (!resent) {
            for (Served s : devices.values()) {
                Integer id = keptIds.get(s.name());
                java.util.List<Long> uniques = id == null ? null : unanswered.get(id);
                if (uniques != null) {
                    uniques.forEach(u -> s.session().replyError(u, ResentCalls.ERRNO.number()));
                }
            }
        }
        startReading();
        return resent;
    }

    private Served start(Device device) throws IOException {
        String name = device.name();
        if (Files.exists(sysDir(name))) {
            throw new IOException("a CUSE device named '" + name + "' already exists (another host serves it)");
        }
        int fd;
        try {
            fd = Libc.open(CUSE.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + CUSE + ": " + Errno.byNumber(e.getErrorCode())
                    + (e.getErrorCode() == Errno.EACCES.number() ? " (the cuse channel needs root)" : ""));
        }
        OpTable table = new OpTable();
        FuseSession session = new FuseSession(fd, table, "fusd-cuse-" + name);
        DeviceSlot slot = new DeviceSlot(device, 0, session, () -> removeNode(name));
        new CuseInit(name, device.major(), device.minor()).addTo(table);
        session.addCommonRows(table, (nodeid, nlookup) -> {});
        FileOps files = new FileOps(nodeid -> slot, OPEN_FLAGS);
        files.addTo(table);
        int keptId = nextKeptId.incrementAndGet();
        keptIds.put(name, keptId);
        Log l = log;
        if (l != null) {
            files.logTo(l.filesOf(keptId)); // before the first OPEN can be read
            session.logReadsTo(l.readsOf(keptId));
        }
        device.attach(slot);
        Served s = new Served(name, session, slot, files);
        session.start(1, () -> ended(s));
        try {
            makeNode(device, session);
        } catch (IOException | RuntimeException e) {
            abort(s);
            throw e;
        }
        return s;
    }

    // ---- takeover: one /dev/cuse connection per device, each handed over as it is ----

    @Override
    public synchronized boolean pauseReading(long millis) {
        handing.clear();
        long deadline = System.nanoTime() + millis * 1_000_000L;
        for (Served s : devices.values()) {
            if (s.session() != null
                    && !s.session().pauseReading(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void resumeReading() {
        for (Served s : devices.values()) {
            if (s.session() != null) {
                s.session().resumeReading(1);
            }
        }
    }

    /** The image's nodeid is the index of the device's connection among {@link #fds()}. */
    @Override
    public synchronized HostImage.DeviceImage complete(HostImage.DeviceImage d, Device device) {
        Served s = devices.get(device.name());
        if (s == null || s.session() == null) {
            throw new IllegalStateException(device.name() + " has no CUSE connection");
        }
        handing.add(s.session().fd());
        return s.files().complete(d, device, handing.size() - 1);
    }

    @Override
    public synchronized int[] fds() {
        return handing.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String mountPoint() {
        return null;
    }

    /** The last number a device got for the keeper's registry (crash survival); a successor numbers after it. */
    @Override
    public long nextNodeid() {
        return nextKeptId.get();
    }

    /**
     * Serves the CUSE connections a previous host handed over (fds: one per
     * device, as its image says); the device nodes stay as they are. Nothing is
     * read until {@link #startReading}.
     */
    public static CuseChannel adopt(
            java.util.List<Integer> fds,
            HostImage image,
            java.util.Map<String, Device> byKey,
            java.util.Map<String, Adoption> out)
            throws IOException {
        CuseChannel ch = new CuseChannel(Path.of("/dev"));
        for (HostImage.DeviceImage d : image.devices()) {
            Device device = byKey.get(HostImage.key(d.script(), d.name()));
            if (device == null) {
                throw new IOException("device " + d.name() + " of " + d.script() + " is not among the successor's"
                        + " devices (the script no longer defines it?)");
            }
            if (d.nodeid() < 0 || d.nodeid() >= fds.size()) {
                throw new IOException(d.name() + ": no connection was passed for it");
            }
            String name = device.name();
            OpTable table = new OpTable();
            FuseSession session = new FuseSession(fds.get((int) d.nodeid()), table, "fusd-cuse-" + name);
            DeviceSlot slot = new DeviceSlot(device, 0, session, () -> ch.removeNode(name));
            session.addCommonRows(table, (nodeid, nlookup) -> {});
            FileOps files = new FileOps(nodeid -> slot, OPEN_FLAGS);
            files.addTo(table);
            device.attach(slot);
            if (ch.devices.putIfAbsent(name, new Served(name, session, slot, files)) != null) {
                throw new IOException("two devices named '" + name + "'");
            }
            out.put(HostImage.key(d.script(), d.name()), files.adopt(d, slot, session));
        }
        return ch;
    }

    @Override
    public void startReading() {
        for (Served s : devices.values()) {
            s.session().start(1, () -> ended(s));
        }
    }

    /** Waits for the kernel to register the device and its node to appear; sets mode and owner. */
    private void makeNode(Device device, FuseSession session) throws IOException {
        String name = device.name();
        Path sysDev = sysDir(name).resolve("dev");
        Path node = devDir.resolve(name);
        long deadline = System.nanoTime() + APPEAR_MS * 1_000_000L;
        String numbers = null;
        while (numbers == null) {
            if (!session.isRunning()) {
                throw new IOException("the kernel refused the CUSE device '" + name + "'"
                        + (device.major() != 0
                                ? " (is " + device.major() + ":" + device.minor() + " taken?)"
                                : " (is the name taken?)")
                        + "; see dmesg");
            }
            try {
                numbers = Files.readString(sysDev, StandardCharsets.US_ASCII).trim();
            } catch (NoSuchFileException e) {
                pause(deadline, "the kernel did not register " + name + " in time");
            }
        }
        String[] mm = numbers.split(":");
        long rdev = Libc.makedev(Integer.parseInt(mm[0]), Integer.parseInt(mm[1]));
        long nodeDeadline = Math.min(deadline, System.nanoTime() + 2_000_000_000L);
        while (!CuseNodes.isCharDevice(node, rdev)) {
            if (System.nanoTime() > nodeDeadline) {
                CuseNodes.mknod(node, rdev); // no devtmpfs, no udev: make it ourselves
                break;
            }
            pause(deadline, "no node " + node);
        }
        CuseNodes.setModeAndOwner(node, device.mode(), uid, gid);
    }

    /**
     * The device's directory in sysfs: the kernel names a device drums!bam for
     * the DEVNAME drums/bam (a '/' cannot be in a sysfs name), and devtmpfs
     * makes the node /dev/drums/bam from it.
     */
    private static Path sysDir(String name) {
        return SYS_CLASS.resolve(name.replace('/', '!'));
    }

    private static void pause(long deadline, String why) throws IOException {
        if (System.nanoTime() > deadline) {
            throw new IOException(why);
        }
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting: " + why);
        }
    }

    /** The connection ended (aborted, or the kernel refused CUSE_INIT): the device is gone. */
    private void ended(Served s) {
        if (!closed.get() && devices.remove(s.name(), s)) {
            System.err.println("fusd: cuse: the kernel ended the connection of " + pathOf(s.name()));
            devicesChanged();
        }
    }

    /** Ends a device's connection: the kernel removes the node; readers see ENODEV and close the fd. */
    private void abort(Served s) {
        s.session().stop(Errno.ENODEV);
        try {
            Files.writeString(sysDir(s.name()).resolve("abort"), "1");
        } catch (IOException e) {
            // not registered (refused) or no sysfs: the connection ends when the process exits
        }
        s.session().awaitReaders(2000);
    }

    /** Requests waiting for a deferred reply, over all devices (diagnostics, tests). */
    public int pendingRequests() {
        int n = 0;
        for (Served s : devices.values()) {
            n += s.session() == null ? 0 : s.session().pendingCount();
        }
        return n;
    }

    /**
     * New opens fail with ENOENT; open files keep working, and the node goes
     * away with the last of them (at once if none is open): see NodeLife.
     */
    @Override
    public void remove(String name) {
        Served s = devices.get(name);
        if (s != null && s.slot() != null) {
            s.slot().markRemoved();
        }
    }

    /**
     * The removed device's last file closed: its connection ends, which removes
     * the node. On its own thread, since the last release arrives on the
     * connection's reader, which the abort waits for.
     */
    private void removeNode(String name) {
        Served s = devices.get(name);
        if (s != null && devices.remove(name, s)) {
            Thread t = new Thread(
                    () -> {
                        abort(s);
                        devicesChanged();
                    },
                    "fusd-cuse-remove-" + name);
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public String pathOf(String name) {
        return devDir.resolve(name).toString();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Served s : devices.values()) {
            if (s.session() != null) {
                abort(s);
            }
        }
        devices.clear();
    }
}
