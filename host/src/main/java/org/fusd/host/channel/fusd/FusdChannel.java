package org.fusd.host.channel.fusd;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.fusd.host.channel.Channel;
import org.fusd.host.device.Call;
import org.fusd.host.device.Caller;
import org.fusd.host.device.Device;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.Ioc;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.ResentCalls;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.SharedMemory;
import org.fusd.host.device.WriteReply;
import org.fusd.host.sys.BufferPool;
import org.fusd.host.sys.Libc;
import org.fusd.host.sys.ReaderPool;
import org.fusd.host.sys.ThreadKick;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HandsOver;
import org.fusd.host.takeover.HostImage;

/**
 * The `fusd` channel: devices are real character devices, /dev/NAME, made by
 * the project's kernel module through its control node /dev/fusd. The wire
 * format is kernel-module/include/uapi/fusd.h, mirrored by {@link FusdAbi}:
 * each read(2) of the control fd is one request, each write(2) one message
 * (REGISTER, UNREGISTER, REPLY, POLL_NOTIFY).
 *
 * One reader thread decodes requests and calls the {@link Device}; replies are
 * written by whichever thread completes them, from a per-thread buffer. The
 * kernel never asks for a poll mask: the channel pushes each open file's mask
 * after open and whenever the device calls notifyPollers().
 *
 * Closing the channel closes the fd: the kernel removes every node and fails
 * the calls still waiting with ENODEV. The reader blocks in read(2) on the
 * control fd, one system call per request; close() and a takeover's pause
 * wake it with {@link ThreadKick} (the read fails with EINTR). A
 * non-blocking fd with poll(2) on it and an eventfd cost two more calls per
 * request when the queue is empty, which is every request of a caller
 * waiting for its answer.
 *
 * A successor host takes the control fd over (docs/takeover.md): the
 * channel's devices, open files and queue live as long as an fd of it is
 * open, so nothing in the kernel changes hands but the fd. Under
 * fusd-keeper the keeper holds a copy of the fd, and the channel tells a
 * {@link Log} what a host started after a crash needs ({@link #keepIn}).
 */
public final class FusdChannel implements Channel, HandsOver {
    /** The module's control node. */
    public static final Path CONTROL = Path.of("/dev/fusd");

    private static final int POOLED_BUFFERS = 8;
    /** Readers at most, counting the ones stuck in slow calls. */
    private static final int MAX_READERS = 64;

    private final int fd;
    private final FusdWriter writer;
    private final int uid = Libc.getuid();
    private final int gid = Libc.getgid();
    private final ConcurrentHashMap<String, FusdNode> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, FusdNode> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, FusdFile> files = new ConcurrentHashMap<>();
    /** Files whose OPEN is not answered yet, by OpenFile id: a takeover hands their fh_id over too. */
    private final ConcurrentHashMap<Long, FusdFile> opening = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<Long, Reply> pending = new ConcurrentHashMap<>();
    private final Set<Long> earlyInterrupts = ConcurrentHashMap.newKeySet();
    private final BufferPool<ByteBuffer> buffers = new BufferPool<>(
            POOLED_BUFFERS,
            () -> ByteBuffer.allocateDirect(FusdAbi.FUSD_MSG_MAX).order(FusdAbi.ORDER));
    private final AtomicInteger nextDevId = new AtomicInteger();

    private volatile boolean closed;
    /** A takeover asked the readers to stop: they leave instead of reading. */
    private volatile boolean paused;

    private volatile ReaderPool readers;
    /** The reader threads alive, for waking the one blocked in read(2). */
    private final Set<Reader> liveReaders = ConcurrentHashMap.newKeySet();
    /** The memfds of the devices a takeover hands over, in the order their images refer to them. */
    private final List<Integer> handedMemory = new ArrayList<>();
    /** Told what survives a crash (fusd-keeper's registry); null: nobody. */
    private volatile Log log;

    /**
     * What a host started after this one crashes needs to know, written as
     * it happens (RunCommand writes it to fusd-keeper's registry): the
     * devices ({@link #devices}) at each step of a REGISTER or UNREGISTER,
     * and each open file before the OPEN reply gives the kernel its fh_id.
     * Calls come on reader threads and must be cheap; nothing on the
     * request path (read, write, ioctl) calls it.
     */
    public interface Log {
        /** Records an open file; returns where (given back to {@link #released}), 0 if it is not recorded. */
        int opened(int fhId, int devId, OpenFile file);

        /** The file recorded at slot is being released (the first thing RELEASE does). */
        void released(int slot);

        /** {@link #devices} changed: the caller holds the channel's lock, so calls come in order. */
        void devicesChanged();
    }

    /**
     * A device as the kernel may know it: unsure while it is between its
     * REGISTER and being recorded as registered, or being unregistered;
     * memoryFd: its shared memory's memfd, or -1.
     */
    public record KeptDevice(String name, int devId, boolean unsure, int memoryFd) {}

    private FusdChannel(int fd) {
        this.fd = fd;
        this.writer = new FusdWriter(fd);
        this.readers = newReaders();
    }

    private ReaderPool newReaders() {
        return new ReaderPool("fusd-reader", 1, MAX_READERS, Reader::new, null);
    }

    /** True if the module's control node exists (the module is loaded). */
    public static boolean available() {
        return Files.exists(CONTROL);
    }

    public static FusdChannel open() throws IOException {
        return open(CONTROL);
    }

    /** Opens the control node and starts the reader thread. */
    public static FusdChannel open(Path control) throws IOException {
        int fd;
        try {
            fd = Libc.open(control.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException(control + ": " + strerror(e.getErrorCode())
                    + (e.getErrorCode() == Errno.ENOENT.number() ? " (is fusd.ko loaded?)" : ""));
        }
        int version = abiVersion(fd);
        if (version != FusdAbi.FUSD_ABI_VERSION) {
            Libc.close(fd);
            throw new IOException(control + ": the loaded fusd.ko speaks ABI version " + version
                    + ", this host speaks version " + FusdAbi.FUSD_ABI_VERSION
                    + ": load the fusd.ko built from the same checkout (kernel-module/)");
        }
        return overFd(fd);
    }

    /** The module's ABI version: FUSD_VERSION, which version 1 did not have (ENOTTY). */
    private static int abiVersion(int fd) {
        try {
            return Libc.ioctl(fd, FusdAbi.FUSD_VERSION, 0);
        } catch (LastErrorException e) {
            return 1;
        }
    }

    /**
     * Serves over an fd already open (one message per read and per write;
     * made blocking): the control node, or in tests a SEQPACKET socket whose
     * peer plays the kernel. The channel owns the fd.
     */
    static FusdChannel overFd(int fd) throws IOException {
        FusdChannel ch = unstarted(fd);
        ch.readers.start();
        return ch;
    }

    private static FusdChannel unstarted(int fd) throws IOException {
        try {
            Libc.Ext.INSTANCE.fcntl(fd, Libc.F_SETFL, 0); // blocking reads (an older host's fd was not)
        } catch (LastErrorException e) {
            Libc.close(fd);
            throw new IOException("fcntl: " + strerror(e.getErrorCode()));
        }
        return new FusdChannel(fd);
    }

    @Override
    public String kind() {
        return "fusd";
    }

    @Override
    public String pathOf(String name) {
        return "/dev/" + name;
    }

    /** Registers the device: /dev/NAME with the device's mode, owned by this process's uid and gid. */
    @Override
    public synchronized void add(Device device) throws IOException {
        if (closed) {
            throw new IOException("the fusd channel is closed");
        }
        String name = device.name();
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        String bad = FusdNames.problem(name);
        if (bad != null) {
            throw new IOException("device name '" + name + "' " + bad);
        }
        if (byName.containsKey(name)) {
            throw new IOException("a device named '" + name + "' is already served at " + pathOf(name));
        }
        FusdNode node = new FusdNode(this, device, nextDevId.incrementAndGet(), name);
        device.attach(node);
        node.unsure = true;
        byId.put(node.devId, node);
        devicesChanged(); // recorded as unsure before the kernel knows it: a crash now leaves nothing unknown
        int flags = (device.hasFlush() ? FusdAbi.FUSD_DEV_FLUSH : 0)
                | (device.seekable() ? FusdAbi.FUSD_DEV_SEEKABLE : 0)
                | (device.checksMmap() ? FusdAbi.FUSD_DEV_MMAP_CHECK : 0);
        int err = writer.register(node.devId, raw, device.mode() & 0777, uid, gid, flags);
        if (err != 0) {
            byId.remove(node.devId);
            devicesChanged();
            throw new IOException("cannot register " + pathOf(name) + ": " + registerError(err));
        }
        SharedMemory memory = device.sharedMemory();
        if (memory != null) {
            err = setShm(node.devId, memory);
            if (err != 0) {
                writer.unregister(node.devId);
                byId.remove(node.devId);
                devicesChanged();
                throw new IOException("cannot give " + pathOf(name) + " its shared memory (" + memory.size()
                        + " bytes): " + strerror(err));
            }
        }
        byName.put(name, node);
        node.unsure = false;
        devicesChanged();
    }

    /** FUSD_SET_SHM: the device's sealed memfd becomes what clients' mmap(2) maps; 0 or the errno. */
    private int setShm(int devId, SharedMemory memory) {
        ByteBuffer s = ByteBuffer.allocateDirect(FusdAbi.SHM_SIZE).order(FusdAbi.ORDER);
        s.putInt(FusdAbi.SHM_DEV_ID, devId)
                .putInt(FusdAbi.SHM_FD, memory.fd())
                .putLong(FusdAbi.SHM_SIZE_FIELD, memory.size())
                .putLong(FusdAbi.SHM_RESERVED, 0L);
        try {
            Libc.ioctl(fd, FusdAbi.FUSD_SET_SHM & 0xffffffffL, Libc.address(s));
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /**
     * New opens of the name fail with ENOENT; the node is unregistered once
     * its open files are closed (at once if there are none), because the
     * module fails every call on an unregistered device.
     */
    @Override
    public void remove(String name) {
        FusdNode node = byName.remove(name);
        if (node != null) {
            node.remove();
        }
    }

    synchronized void unregister(FusdNode node) {
        node.unsure = true;
        devicesChanged();
        writer.unregister(node.devId);
        byId.remove(node.devId);
        devicesChanged();
    }

    // ---- crash survival (docs/takeover.md, "Crash survival") ----

    /** From now on, tells log what a host started after a crash needs; tells it the devices at once. */
    public synchronized void keepIn(Log log) {
        this.log = log;
        devicesChanged();
    }

    private synchronized void devicesChanged() {
        Log l = log;
        if (l != null) {
            l.devicesChanged();
        }
    }

    /** The devices the kernel may know (registered, being registered or unregistered). */
    public synchronized List<KeptDevice> devices() {
        List<KeptDevice> out = new ArrayList<>();
        for (FusdNode n : byId.values()) {
            SharedMemory m = n.device.sharedMemory();
            out.add(new KeptDevice(n.name, n.devId, n.unsure, m == null ? -1 : m.fd()));
        }
        return out;
    }

    /** What a keeper holds: the control fd, then the memfd of each device with shared memory. */
    public synchronized int[] keptFds() {
        List<Integer> fds = new ArrayList<>();
        fds.add(fd);
        for (KeptDevice d : devices()) {
            if (d.memoryFd() >= 0) {
                fds.add(d.memoryFd());
            }
        }
        return fds.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * After a crash: unregisters a device the dead host left that this host
     * does not adopt (unsure, or no longer served by its scripts); the
     * kernel fails the calls on its open files with ENODEV.
     */
    public void unregisterLeftover(int devId) {
        writer.unregister(devId);
    }

    /** After a crash: the adopted file fhId stays recorded at the dead host's slot. */
    public void recordedAt(int fhId, int slot) {
        FusdFile f = files.get(fhId);
        if (f != null) {
            f.slot = slot;
        }
    }

    /**
     * After {@link #adopt} in a host started after a crash: asks the kernel
     * to queue again the requests the dead host had read and not answered
     * (FUSD_RESEND; they come with FUSD_REQ_RESENT and are answered by each
     * device's recovery policy, {@link ResentCalls}), then reads.
     */
    public void resendAndRead() {
        writer.resend();
        startReading();
    }

    /** Stops serving: the fd closes, the kernel removes the nodes and fails waiting calls (ENODEV). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stopReaders(2000);
        writer.closeFd();
        for (Reply r : pending.values()) {
            r.error(Errno.ENODEV); // nothing is written any more: this only settles them
        }
        // The module sends no RELEASE for files of a dead device: release them here.
        List<FusdFile> open = new ArrayList<>(files.values());
        files.clear();
        for (FusdFile f : open) {
            releaseToDevice(f);
        }
        byId.clear();
        byName.clear();
    }

    /** Requests waiting for a deferred reply (diagnostics, tests). */
    public int pendingRequests() {
        return pending.size();
    }

    /** True while a reader thread runs. */
    public boolean isServing() {
        return readers.isRunning();
    }

    // ---- takeover (docs/takeover.md) ----

    @Override
    public boolean pauseReading(long millis) {
        synchronized (this) {
            handedMemory.clear();
        }
        paused = true;
        return stopReaders(millis);
    }

    /**
     * Waits up to millis for the readers to leave, waking the one blocked in
     * read(2) every 2 ms: a wake-up sent just before its read began is lost,
     * the next one is not.
     */
    private boolean stopReaders(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        ReaderPool r = readers;
        while (!r.await(2)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            for (Reader reader : liveReaders) {
                if (reader.inRead) {
                    ThreadKick.kick(reader.thread);
                }
            }
        }
        return true;
    }

    @Override
    public synchronized void resumeReading() {
        readers.await(5000);
        paused = false;
        handedMemory.clear();
        readers = newReaders();
        readers.start();
    }

    /** The image's nodeid is the device's dev_id; each file's fh its fh_id (pending opens included). */
    @Override
    public synchronized HostImage.DeviceImage complete(HostImage.DeviceImage d, Device device) {
        FusdNode node = byName.get(device.name());
        if (node == null || node.device != device) {
            throw new IllegalStateException(device.name() + " is not served on this host's fusd channel");
        }
        if (node.isRemoved()) {
            throw new IllegalStateException(
                    pathOf(node.name) + " is being removed (files still open); try again once they are closed");
        }
        java.util.Map<Long, HostImage.FileImage> byId = new java.util.LinkedHashMap<>();
        for (HostImage.FileImage f : d.files()) {
            byId.put(f.id(), f);
        }
        List<HostImage.FileImage> out = new ArrayList<>();
        for (FusdFile f : files.values()) {
            if (f.node == node) {
                out.add(image(f, byId.remove(f.file.id())));
            }
        }
        for (FusdFile f : opening.values()) {
            if (f.node == node) {
                out.add(image(f, byId.remove(f.file.id())));
            }
        }
        out.addAll(byId.values()); // known to the device only: released meanwhile
        int memoryFd = -1;
        SharedMemory memory = device.sharedMemory();
        if (memory != null) {
            handedMemory.add(memory.fd());
            memoryFd = handedMemory.size(); // fds(): the control fd comes first
        }
        return d.withChannel(node.devId, out, memoryFd);
    }

    private static HostImage.FileImage image(FusdFile f, HostImage.FileImage known) {
        Caller c = f.file.opener();
        return new HostImage.FileImage(
                f.fhId,
                0,
                f.file.id(),
                c.pid(),
                c.uid(),
                c.gid(),
                f.file.flags(),
                known == null ? null : known.state());
    }

    /** The control fd, then the memfds the completed images refer to. */
    @Override
    public synchronized int[] fds() {
        int[] out = new int[1 + handedMemory.size()];
        out[0] = fd;
        for (int i = 0; i < handedMemory.size(); i++) {
            out[i + 1] = handedMemory.get(i);
        }
        return out;
    }

    @Override
    public String mountPoint() {
        return null;
    }

    /** The dev_id the last device got: a successor numbers new devices after it. */
    @Override
    public long nextNodeid() {
        return nextDevId.get();
    }

    /**
     * Rebuilds a previous host's channel on its control fd (fds.get(0)): its
     * devices under their dev_ids, with their shared memory, open files and
     * pending calls ({@link FusdAdoption}). Nothing is read until {@link #startReading}.
     */
    public static FusdChannel adopt(
            List<Integer> fds,
            HostImage image,
            java.util.Map<String, Device> byKey,
            java.util.Map<String, Adoption> out)
            throws IOException {
        int version = abiVersion(fds.get(0));
        if (version != FusdAbi.FUSD_ABI_VERSION) {
            throw new IOException("the control fd speaks fusd ABI version " + version + ", this host speaks version "
                    + FusdAbi.FUSD_ABI_VERSION);
        }
        return adoptOverFd(fds, image, byKey, out);
    }

    /** {@link #adopt} without the version check (tests: a socket plays the kernel). */
    static FusdChannel adoptOverFd(
            List<Integer> fds,
            HostImage image,
            java.util.Map<String, Device> byKey,
            java.util.Map<String, Adoption> out)
            throws IOException {
        FusdChannel ch = unstarted(fds.get(0));
        ch.nextDevId.set((int) image.nextNodeid());
        new FusdAdoption(ch, fds).adopt(image, byKey, out);
        return ch;
    }

    /** A device handed over: known under its dev_id and name (FusdAdoption). */
    void adoptNode(FusdNode node) {
        byId.put(node.devId, node);
        byName.put(node.name, node);
    }

    /** A file handed over: open, or with its OPEN pending (FusdAdoption). */
    void adoptFile(FusdFile f, boolean openPending) {
        if (openPending) {
            opening.put(f.file.id(), f);
        } else {
            files.put(f.fhId, f);
            f.node.opened(f);
        }
    }

    /** A request handed over, registered so that its INTERRUPT finds it (FusdAdoption). */
    void adoptPending(Reply r) {
        pend(r);
    }

    int controlFd() {
        return fd;
    }

    /** Reads on an adopted channel; every open file's poll mask is asked for again and pushed. */
    @Override
    public void startReading() {
        readers.start();
        for (FusdNode node : byId.values()) {
            node.notifyPollers();
        }
    }

    // ---- the reader thread ----

    /** One reader thread: its request buffer, and whether it is in read(2) now (what a stop wakes). */
    private final class Reader implements ReaderPool.Reader {
        private ByteBuffer buf = takeBuffer();
        private int length;
        volatile long thread;
        volatile boolean inRead;

        Reader() {
            liveReaders.add(this);
        }

        @Override
        public boolean next() {
            if (thread == 0) {
                thread = ThreadKick.self();
            }
            while (true) {
                if (closed || paused) {
                    return false;
                }
                long n;
                inRead = true;
                try {
                    n = Libc.read(fd, Libc.address(buf), buf.capacity());
                } catch (LastErrorException e) {
                    int errno = e.getErrorCode();
                    if (errno == Errno.EINTR.number() || errno == Errno.EAGAIN.number()) {
                        continue;
                    }
                    if (!closed) {
                        System.err.println("fusd: reading " + CONTROL + " failed: " + strerror(errno) + "; stopping");
                    }
                    return false;
                } finally {
                    inRead = false;
                }
                if (n == 0) {
                    return false; // end of file: only a test's socket peer does this
                }
                if (n >= FusdAbi.MSG_SIZE) {
                    length = (int) n;
                    return true;
                }
            }
        }

        @Override
        public void handle() {
            try {
                if (dispatch(buf, length)) {
                    buf = takeBuffer(); // the old one is lent to a pending request
                }
            } catch (RuntimeException e) {
                System.err.println("fusd: handling a request failed: " + e);
            }
        }

        @Override
        public void close() {
            liveReaders.remove(this);
            buffers.giveBack(buf);
        }
    }

    /** Handles one request; returns true if buf is now lent to it. */
    private boolean dispatch(ByteBuffer buf, int n) {
        int opcode = buf.getShort(FusdAbi.MSG_OPCODE) & 0xffff;
        long reqId = buf.getLong(FusdAbi.MSG_REQ_ID);
        if (buf.getInt(FusdAbi.MSG_MAGIC) != FusdAbi.FUSD_MAGIC || buf.getInt(FusdAbi.MSG_LEN) != n) {
            System.err.println("fusd: malformed message from the kernel (opcode " + opcode + ", " + n + " bytes)");
            return false;
        }
        if (opcode == FusdAbi.FUSD_INTERRUPT) {
            Reply r = pending.get(reqId);
            if (r != null) {
                r.callerGone(); // the caller has returned EINTR already
            } else {
                earlyInterrupt(reqId);
            }
            return false;
        }
        int devId = buf.getInt(FusdAbi.MSG_DEV_ID);
        int fhId = buf.getInt(FusdAbi.MSG_FH_ID);
        int flags = buf.getInt(FusdAbi.MSG_FLAGS);
        // Read by a host that crashed and queued again by FUSD_RESEND: the device's policy decides.
        boolean resent = (buf.getInt(FusdAbi.MSG_XFLAGS) & FusdAbi.FUSD_REQ_RESENT) != 0;
        if (opcode == FusdAbi.FUSD_OPEN) {
            FusdFile stale = resent ? files.remove(fhId) : null;
            if (stale != null) {
                // The dead host recorded the file and died before its OPEN reply: the kernel never had it open.
                release(stale);
            }
            FusdNode node = byId.get(devId);
            if (resent && node != null && ResentCalls.fails(node.device, false)) {
                replyNow(reqId, -ResentCalls.ERRNO.number());
            } else {
                open(buf, reqId, devId, fhId, flags);
            }
            return false;
        }
        FusdFile f = files.get(fhId);
        if (opcode == FusdAbi.FUSD_RELEASE) {
            if (f != null && files.remove(fhId, f)) {
                f.file.setFlags(flags);
                release(f);
            }
            return false;
        }
        if (f == null || f.node.devId != devId) {
            replyNow(reqId, -Errno.EBADF.number());
            return false;
        }
        if (resent && ResentCalls.fails(f.node.device, false)) {
            replyNow(reqId, -ResentCalls.ERRNO.number());
            return false;
        }
        f.file.setFlags(flags);
        f.file.setCompat32((buf.getInt(FusdAbi.MSG_XFLAGS) & FusdAbi.FUSD_REQ_COMPAT32) != 0);
        Device device = f.node.device;
        int size = buf.getInt(FusdAbi.MSG_SIZE_FIELD);
        long offset = buf.getLong(FusdAbi.MSG_OFFSET);
        switch (opcode) {
            case FusdAbi.FUSD_READ -> {
                int want = Math.min(size, FusdAbi.FUSD_MAX_PAYLOAD);
                ReadReply r = pend(new ReadReply(f.encoder, reqId, want));
                call(r, () -> device.read(new Call.Read(f.file, want, offset), r));
            }
            case FusdAbi.FUSD_WRITE -> {
                int len = Math.min(size, n - FusdAbi.MSG_SIZE);
                WriteReply r = pend(new WriteReply(f.encoder, reqId, len));
                ByteBuffer data = buf.slice(FusdAbi.MSG_SIZE, len).order(FusdAbi.ORDER);
                call(r, () -> device.write(new Call.Write(f.file, data, offset), r));
                return !r.isDone() && r.lend(buf);
            }
            case FusdAbi.FUSD_IOCTL -> {
                int cmd = buf.getInt(FusdAbi.MSG_ARG);
                int inLen = Ioc.writes(cmd) ? n - FusdAbi.MSG_SIZE : 0;
                int outLen = Ioc.reads(cmd) ? size : 0;
                IoctlReply r = pend(new IoctlReply(f.encoder, reqId, outLen));
                ByteBuffer in = buf.slice(FusdAbi.MSG_SIZE, inLen).order(FusdAbi.ORDER);
                FusdIoctlMemory mem = new FusdIoctlMemory(fd, reqId, offset, in, outLen);
                call(r, () -> device.ioctl(new Call.Ioctl(f.file, cmd, offset, in, outLen, mem), r));
                return inLen > 0 && !r.isDone() && r.lend(buf);
            }
            case FusdAbi.FUSD_FLUSH -> {
                DoneReply r = pend(new DoneReply(f.encoder, reqId));
                call(r, () -> device.flush(new Call.Flush(f.file), r));
            }
            case FusdAbi.FUSD_LLSEEK -> {
                if (!device.seekable()) {
                    replyNow(reqId, -Errno.ESPIPE.number()); // a reload dropped seeking; the node stays seekable
                    return false;
                }
                SeekReply r = pend(new SeekReply(f.encoder, reqId));
                int whence = buf.getInt(FusdAbi.MSG_ARG);
                call(r, () -> device.llseek(new Call.Llseek(f.file, offset, whence), r));
            }
            case FusdAbi.FUSD_MMAP -> {
                DoneReply r = pend(new DoneReply(f.encoder, reqId));
                int prot = buf.getInt(FusdAbi.MSG_ARG);
                boolean shared = (buf.getInt(FusdAbi.MSG_XFLAGS) & FusdAbi.FUSD_REQ_MAP_SHARED) != 0;
                call(r, () -> device.mmap(new Call.Mmap(f.file, offset, size & 0xffffffffL, prot, shared), r));
            }
            default -> replyNow(reqId, -Errno.ENOSYS.number());
        }
        return false;
    }

    private void open(ByteBuffer buf, long reqId, int devId, int fhId, int flags) {
        FusdNode node = byId.get(devId);
        if (node == null || node.isRemoved()) {
            replyNow(reqId, -Errno.ENOENT.number());
            return;
        }
        Caller caller =
                new Caller(buf.getInt(FusdAbi.MSG_PID), buf.getInt(FusdAbi.MSG_UID), buf.getInt(FusdAbi.MSG_GID));
        FusdFile f = new FusdFile(node, fhId, new OpenFile(caller, flags));
        f.file.setChannelData(f);
        opening.put(f.file.id(), f);
        OpenReply r = pend(new OpenReply(f.encoder, reqId));
        call(r, () -> node.device.open(new Call.Open(f.file), r));
    }

    /**
     * A successful OPEN: the file becomes known, and the caller is answered
     * with the file's first poll mask in the reply (FUSD_REPLY_POLL), which
     * the kernel sets before open(2) returns.
     */
    void opened(FusdFile f, Reply r) {
        files.put(f.fhId, f);
        f.node.opened(f);
        Log l = log;
        if (l != null) {
            f.slot = l.opened(f.fhId, f.node.devId, f.file); // before the reply: the kernel knows no fh_id unrecorded
        }
        f.node.pollForReply(f, mask -> sendReply(f, r, 0, null, 0, mask));
    }

    private void release(FusdFile f) {
        Log l = log;
        if (l != null && f.slot != 0) {
            l.released(f.slot);
            f.slot = 0;
        }
        f.node.released(f);
        releaseToDevice(f);
    }

    private static void releaseToDevice(FusdFile f) {
        DoneReply r = new DoneReply(FusdEncoder.SILENT, 0);
        try {
            f.node.device.release(new Call.Release(f.file), r);
        } catch (RuntimeException e) {
            System.err.println("fusd: release of " + f.node.name + " failed: " + e);
        }
    }

    /** f's OPEN was answered, whichever way. */
    void openSettled(FusdFile f) {
        opening.remove(f.file.id(), f);
    }

    /** The device accepted an open whose caller had given up (signal): it gets the release it expects. */
    void releaseAbandoned(FusdFile f) {
        if (files.remove(f.fhId, f)) {
            release(f);
        } else {
            releaseToDevice(f);
        }
    }

    private <R extends Reply> R pend(R r) {
        pending.put(r.id(), r);
        if (!earlyInterrupts.isEmpty() && earlyInterrupts.remove(r.id())) {
            r.callerGone();
        }
        return r;
    }

    /**
     * An INTERRUPT for a request no reader has registered: already answered,
     * or read by another reader that has not registered it yet (while slow
     * calls keep several readers). Kept, a few, for {@link #pend}.
     */
    private void earlyInterrupt(long reqId) {
        if (earlyInterrupts.size() >= 64) {
            earlyInterrupts.clear(); // the old ones were for requests answered long ago
        }
        earlyInterrupts.add(reqId);
        Reply registered = pending.get(reqId);
        if (registered != null && earlyInterrupts.remove(reqId)) {
            registered.callerGone(); // registered meanwhile
        }
    }

    void unpend(Reply r) {
        pending.remove(r.id(), r);
    }

    private static void call(Reply r, Runnable deviceCall) {
        try {
            deviceCall.run();
        } catch (ErrnoException e) {
            r.error(e.errno());
        } catch (RuntimeException e) {
            System.err.println("fusd: device call failed: " + e);
            r.error(Errno.EIO);
        } catch (OutOfMemoryError e) {
            r.error(Errno.ENOMEM); // the caller must get an answer
        }
    }

    // ---- writing messages ----

    private void replyNow(long reqId, long result) {
        writer.reply(reqId, result);
    }

    /** One FUSD_REPLY to f's request: result and n bytes of payload from its position. */
    void sendReply(FusdFile f, Reply r, long result, ByteBuffer payload, int n) {
        sendReply(f, r, result, payload, n, -1);
    }

    /** The same, carrying the file's new poll mask if pollMask >= 0. */
    void sendReply(FusdFile f, Reply r, long result, ByteBuffer payload, int n, int pollMask) {
        int err = writer.reply(f.node.devId, r.id(), f.fhId, result, payload, n, pollMask);
        if (err == Errno.EINVAL.number() && result >= 0) {
            // The module refused the reply's shape; the caller must not wait forever.
            System.err.println("fusd: " + f.node.name + ": the kernel rejected a "
                    + r.getClass().getSimpleName() + " (result " + result + ", " + n + " bytes); answering EIO");
            replyNow(r.id(), -Errno.EIO.number());
        } else if (err == Errno.ENOENT.number() && r instanceof OpenReply && result == 0) {
            releaseAbandoned(f); // the opener was interrupted meanwhile
        }
    }

    void sendPollNotify(int devId, int fhId, int mask) {
        writer.pollNotify(devId, fhId, mask);
    }

    // ---- request buffers lent to pending requests ----

    private ByteBuffer takeBuffer() {
        return buffers.take();
    }

    void giveBack(ByteBuffer b) {
        buffers.giveBack(b);
    }

    /** Why REGISTER failed, in words that name the fix. */
    private static String registerError(int errno) {
        if (errno == Errno.EEXIST.number()) {
            return "the name is taken (a device or file of that name exists)";
        }
        if (errno == Errno.EINVAL.number()) {
            return "invalid name, mode, owner or flags (names: [A-Za-z0-9_.-] and '/', no component starting"
                    + " with '.')";
        }
        if (errno == Errno.EPROTO.number()) {
            return "the loaded fusd.ko speaks another ABI version (this host speaks version " + FusdAbi.FUSD_ABI_VERSION
                    + "): load the fusd.ko built from this checkout";
        }
        if (errno == Errno.EPERM.number()) {
            return "not permitted to give the node this owner";
        }
        return strerror(errno);
    }

    private static String strerror(int errno) {
        Errno e = Errno.byNumber(errno);
        return e.name();
    }
}
