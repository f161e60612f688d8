package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.ResentCalls;
import org.fusd.host.device.WriteReply;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HostImage;
import org.fusd.host.takeover.ResumedCall;

/**
 * The per-file requests of a FUSE connection (OPEN, READ, WRITE, IOCTL, POLL,
 * FLUSH, RELEASE), turned into {@link Device} calls. Independent of inodes
 * and directories: the channel says which device a nodeid names (a FUSE
 * mount by inode, CUSE always its one device), so both channels share it.
 *
 * Device calls run on the reader thread and must return quickly; a device
 * that answers later makes the request pending (INTERRUPT can find it) and,
 * if it was handed a slice of the request buffer (WRITE data, IOCTL input),
 * keeps that buffer until it answers.
 */
public final class FileOps {

    /** Which device a request's nodeid names, or null (ENOENT). */
    @FunctionalInterface
    public interface Resolver {
        DeviceSlot slot(long nodeid);
    }

    /** The FOPEN_* flags an OPEN reply carries, by device and the caller's open flags. */
    @FunctionalInterface
    public interface OpenReplyFlags {
        int of(Device device, int openFlags);
    }

    private final Resolver resolver;
    private final OpenReplyFlags openFlags;
    private final HandleTable handles = new HandleTable();
    private final FuseIoctlMemory.Rounds ioctlRounds = new FuseIoctlMemory.Rounds();
    /** Told of open files for a host started after a crash (fusd-keeper); null: nobody. */
    private volatile OpenFileLog log;

    /**
     * @param openFlags the FOPEN_* flags every OPEN reply carries (a FUSE
     *                  mount wants DIRECT_IO | NONSEEKABLE | STREAM)
     */
    public FileOps(Resolver resolver, int openFlags) {
        this(resolver, (device, flags) -> openFlags);
    }

    /** openFlags: the FOPEN_* flags of each OPEN reply, chosen per open (see FuseChannel). */
    public FileOps(Resolver resolver, OpenReplyFlags openFlags) {
        this.resolver = resolver;
        this.openFlags = openFlags;
    }

    public void addTo(OpTable t) {
        t.add(FuseProtocol.OPEN, "OPEN", FuseProtocol.OPEN_IN, this::open);
        t.add(FuseProtocol.READ, "READ", FuseProtocol.READ_IN, this::read);
        t.add(FuseProtocol.WRITE, "WRITE", FuseProtocol.WRITE_IN, this::write);
        t.add(FuseProtocol.IOCTL, "IOCTL", FuseProtocol.IOCTL_IN, this::ioctl);
        t.add(FuseProtocol.POLL, "POLL", FuseProtocol.POLL_IN, this::poll);
        t.add(FuseProtocol.FLUSH, "FLUSH", FuseProtocol.FLUSH_IN, this::flush);
        t.add(FuseProtocol.RELEASE, "RELEASE", FuseProtocol.RELEASE_IN, this::release);
    }

    /** From now on, tells log of every file opened, armed for poll and released. */
    public void logTo(OpenFileLog log) {
        this.log = log;
    }

    /** Gives an opened file its fh (and tells the log) before the OPEN reply carries it. */
    private long opened(OpenFile file, DeviceSlot slot) {
        FileHandle h = handles.add(file, slot);
        file.setChannelData(h);
        slot.opened(h);
        OpenFileLog l = log;
        if (l != null) {
            l.opened(h.fh, slot.nodeid(), file);
        }
        return h.fh;
    }

    /** The open file behind an fh, or null. */
    public FileHandle handle(long fh) {
        return handles.get(fh);
    }

    // ---- takeover ----

    /** Every open file of this connection (a takeover hands them over). */
    public java.util.List<FileHandle> handles() {
        return handles.all();
    }

    /**
     * Adds to a device's image what this connection knows: each open file's
     * fh and poll handle (files whose open is pending have none), and the
     * given nodeid.
     */
    public HostImage.DeviceImage complete(HostImage.DeviceImage d, Device device, long nodeid) {
        java.util.Map<Long, HostImage.FileImage> byId = new java.util.LinkedHashMap<>();
        for (HostImage.FileImage f : d.files()) {
            byId.put(f.id(), f);
        }
        java.util.List<HostImage.FileImage> out = new java.util.ArrayList<>();
        for (FileHandle h : handles.all()) {
            if (h.slot().device() != device) {
                continue;
            }
            OpenFile file = h.file();
            HostImage.FileImage f = byId.remove(file.id());
            org.fusd.host.device.Caller c = file.opener();
            out.add(new HostImage.FileImage(
                    h.fh, h.kh, file.id(), c.pid(), c.uid(), c.gid(), file.flags(), f == null ? null : f.state()));
        }
        out.addAll(byId.values()); // opens still pending: no fh yet
        return d.withChannel(nodeid, out, -1);
    }

    /**
     * Rebuilds a device's open files and pending calls from a previous
     * host's image on this connection (a successor, before it reads).
     */
    public Adoption adopt(HostImage.DeviceImage d, DeviceSlot slot, FuseSession session) {
        java.util.Map<Long, OpenFile> opened = new java.util.HashMap<>();
        for (HostImage.FileImage f : d.files()) {
            OpenFile file = new OpenFile(f.id(), new org.fusd.host.device.Caller(f.pid(), f.uid(), f.gid()), f.flags());
            opened.put(f.id(), file);
            if (f.fh() != 0) {
                restore(f.fh(), f.kh(), file, slot);
            }
        }
        java.util.Map<Long, ResumedCall> calls = new java.util.HashMap<>();
        for (HostImage.CallImage c : d.calls()) {
            OpenFile file = opened.get(c.fileId());
            if (file != null) {
                calls.put(c.unique(), resume(session, c, file, slot));
            }
        }
        return new Adoption(opened, calls);
    }

    /** Keeps fh from being given out: a file the kernel still has open that no device of this host serves. */
    public void reserve(long fh) {
        handles.reserve(fh);
    }

    /** Gives an open file handed over by a previous host its fh and poll handle again. */
    public void restore(long fh, long kh, OpenFile file, DeviceSlot slot) {
        FileHandle h = handles.put(fh, file, slot);
        h.kh = kh;
        file.setChannelData(h);
        slot.opened(h);
    }

    /**
     * Rebuilds a call a previous host had read and not answered, on this
     * session: the same request id, op and arguments, registered so that an
     * INTERRUPT finds it.
     */
    public ResumedCall resume(FuseSession session, HostImage.CallImage c, OpenFile file, DeviceSlot slot) {
        FuseEncoder enc = session.encoder();
        ResumedCall rc = switch (c.op()) {
            case "OPEN" -> {
                OpenReply reply = new OpenReply(
                        enc.forOpen(new FuseEncoder.OpenCompletion() {
                            @Override
                            public long opened() {
                                return FileOps.this.opened(file, slot);
                            }

                            @Override
                            public int openFlags() {
                                return openFlags.of(slot.device(), file.flags());
                            }
                        }),
                        c.unique());
                yield new ResumedCall(new Call.Open(file), reply);
            }
            case "READ" ->
                new ResumedCall(new Call.Read(file, c.size(), c.offset()), new ReadReply(enc, c.unique(), c.size()));
            case "WRITE" -> {
                ByteBuffer data =
                        ByteBuffer.allocateDirect(c.data().length).put(c.data()).flip();
                yield new ResumedCall(
                        new Call.Write(file, data, c.offset()), new WriteReply(enc, c.unique(), data.remaining()));
            }
            case "IOCTL" -> {
                FuseIoctlMemory mem = FuseIoctlMemory.restricted(c.cmd(), c.arg(), c.data(), c.size());
                yield new ResumedCall(
                        new Call.Ioctl(file, c.cmd(), c.arg(), mem.structIn(), mem.structOut(), mem),
                        new IoctlReply(enc.forIoctl(mem), c.unique(), mem.outSize()));
            }
            case "POLL" -> new ResumedCall(new Call.Poll(file), new PollReply(enc, c.unique()));
            case "FLUSH" -> new ResumedCall(new Call.Flush(file), new DoneReply(enc, c.unique()));
            case "RELEASE" -> new ResumedCall(new Call.Release(file), new DoneReply(enc, c.unique()));
            default -> throw new IllegalArgumentException("a pending " + c.op() + " cannot be handed over");
        };
        session.register(rc.reply());
        return rc;
    }

    private void open(FuseRequest req) {
        DeviceSlot slot = resolver.slot(req.nodeid);
        if (slot == null || slot.isRemoved()) {
            req.session.replyError(req.unique, Errno.ENOENT.number());
            return;
        }
        OpenFile file = new OpenFile(req.caller(), req.u32(FuseProtocol.OPEN_IN_FLAGS));
        FuseEncoder encoder = req.session.encoder().forOpen(new FuseEncoder.OpenCompletion() {
            @Override
            public long opened() {
                return FileOps.this.opened(file, slot);
            }

            @Override
            public int openFlags() {
                return openFlags.of(slot.device(), file.flags());
            }
        });
        OpenReply reply = new OpenReply(encoder, req.unique);
        call(req, slot, reply, false, () -> slot.device().open(new Call.Open(file), reply));
    }

    private void read(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(FuseProtocol.READ_IN_FH)));
        if (h == null) {
            return;
        }
        long offset = offsetFor(h, req.u64(FuseProtocol.READ_IN_OFFSET));
        int size = req.u32(FuseProtocol.READ_IN_SIZE);
        h.file.setFlags(req.u32(FuseProtocol.READ_IN_FLAGS));
        ReadReply reply = new ReadReply(req.session.encoder(), req.unique, size);
        call(req, h.slot, reply, false, () -> h.slot.device().read(new Call.Read(h.file, size, offset), reply));
    }

    private void write(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(FuseProtocol.WRITE_IN_FH)));
        if (h == null) {
            return;
        }
        long offset = offsetFor(h, req.u64(FuseProtocol.WRITE_IN_OFFSET));
        int size = req.u32(FuseProtocol.WRITE_IN_SIZE);
        h.file.setFlags(req.u32(FuseProtocol.WRITE_IN_FLAGS));
        ByteBuffer data = req.payload(FuseProtocol.WRITE_IN, size);
        WriteReply reply = new WriteReply(req.session.encoder(), req.unique, data.remaining());
        call(req, h.slot, reply, true, () -> h.slot.device().write(new Call.Write(h.file, data, offset), reply));
    }

    /**
     * The offset a read or write passes to the device: the kernel's for a
     * seekable device; 0 for a stream, whose position is the driver's own
     * (a read-only open may be lseek'd, for head and tail, without moving it).
     */
    private static long offsetFor(FileHandle h, long kernelOffset) {
        return h.slot.device().seekable() ? kernelOffset : 0;
    }

    /** The request's open file, or null after answering EBADF for a handle we never gave out. */
    private static FileHandle handleOf(FuseRequest req, FileHandle h) {
        if (h == null) {
            req.session.replyError(req.unique, Errno.EBADF.number());
        }
        return h;
    }

    private void ioctl(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(FuseProtocol.IOCTL_IN_FH)));
        if (h == null) {
            return;
        }
        int cmd = req.u32(FuseProtocol.IOCTL_IN_CMD);
        long arg = req.u64(FuseProtocol.IOCTL_IN_ARG);
        int inSize = req.u32(FuseProtocol.IOCTL_IN_IN_SIZE);
        int outSize = req.u32(FuseProtocol.IOCTL_IN_OUT_SIZE);
        FuseIoctlMemory mem;
        if ((req.u32(FuseProtocol.IOCTL_IN_FLAGS) & FuseProtocol.IOCTL_UNRESTRICTED) != 0) {
            // CUSE: the device may ask for more of the caller's memory (FUSE_IOCTL_RETRY rounds).
            mem = FuseIoctlMemory.unrestricted(req, ioctlRounds, h.fh, cmd, arg, inSize, outSize);
            if (mem == null) {
                return; // answered: a retry for the encoded struct, or an error
            }
        } else {
            // _IO commands and unencoded numbers arrive with no data and the raw arg;
            // the device answers them (ENOTTY for those it does not know).
            mem = FuseIoctlMemory.restricted(req, cmd, arg, inSize, outSize);
        }
        Call.Ioctl call = new Call.Ioctl(h.file, cmd, arg, mem.structIn(), mem.structOut(), mem);
        IoctlReply reply = new IoctlReply(req.session.encoder().forIoctl(mem), req.unique, mem.outSize());
        call(req, h.slot, reply, true, () -> h.slot.device().ioctl(call, reply));
    }

    private void poll(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(FuseProtocol.POLL_IN_FH)));
        if (h == null) {
            return;
        }
        if ((req.u32(FuseProtocol.POLL_IN_FLAGS) & FuseProtocol.POLL_SCHEDULE_NOTIFY) != 0) {
            long kh = req.u64(FuseProtocol.POLL_IN_KH);
            OpenFileLog l = log;
            if (l != null && h.kh != kh) {
                l.polled(h.fh, kh);
            }
            h.kh = kh;
        }
        PollReply reply = new PollReply(req.session.encoder(), req.unique);
        call(req, h.slot, reply, false, () -> h.slot.device().poll(new Call.Poll(h.file), reply));
    }

    private void flush(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(FuseProtocol.FLUSH_IN_FH)));
        if (h == null) {
            return;
        }
        DoneReply reply = new DoneReply(req.session.encoder(), req.unique);
        call(req, h.slot, reply, false, () -> h.slot.device().flush(new Call.Flush(h.file), reply));
    }

    private void release(FuseRequest req) {
        FileHandle h = handleOf(req, handles.remove(req.u64(FuseProtocol.RELEASE_IN_FH)));
        if (h == null) {
            return;
        }
        h.slot.released(h);
        OpenFileLog l = log;
        if (l != null) {
            l.released(h.fh);
        }
        h.file.setFlags(req.u32(FuseProtocol.RELEASE_IN_FLAGS));
        DoneReply reply = new DoneReply(req.session.encoder(), req.unique);
        call(req, h.slot, reply, false, () -> h.slot.device().release(new Call.Release(h.file), reply));
    }

    /**
     * Makes the device call, findable by INTERRUPT while it runs (a script
     * may compute for long right on this reader) and until it is answered. A
     * call handed a slice of the request buffer keeps that buffer until it
     * answers; the reader takes another.
     */
    private static void call(FuseRequest req, DeviceSlot slot, Reply reply, boolean lends, Runnable deviceCall) {
        if (req.unique < 0 && ResentCalls.fails(slot.device(), req.opcode == FuseProtocol.RELEASE)) {
            // Read by a host that crashed, sent again (FUSE_NOTIFY_RESEND sets bit 63): the policy is "fail".
            req.session.replyError(req.unique, ResentCalls.ERRNO.number());
            return;
        }
        req.session.register(reply);
        try {
            deviceCall.run();
        } catch (ErrnoException e) {
            reply.error(e.errno());
        } catch (RuntimeException e) {
            System.err.println("fusd: device call failed: " + e);
            reply.error(Errno.EIO);
        } catch (OutOfMemoryError e) {
            reply.error(Errno.ENOMEM); // the caller must get an answer
        }
        if (reply.isDone()) {
            return;
        }
        if (lends && reply.lend(req.buffer)) {
            req.buffer = req.session.takeBuffer();
        }
    }
}
