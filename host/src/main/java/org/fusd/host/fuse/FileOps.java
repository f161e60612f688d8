package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import org.fusd.host.device.Device;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFile;

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

    private final Resolver resolver;
    private final int openFlags;
    private final HandleTable handles = new HandleTable();
    private final IoctlCall.Rounds ioctlRounds = new IoctlCall.Rounds();

    /**
     * @param openFlags the FOPEN_* flags every OPEN reply carries (a FUSE
     *                  mount wants DIRECT_IO | NONSEEKABLE | STREAM)
     */
    public FileOps(Resolver resolver, int openFlags) {
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

    /** The open file behind an fh, or null. */
    public FileHandle handle(long fh) {
        return handles.get(fh);
    }

    private void open(FuseRequest req) {
        DeviceSlot slot = resolver.slot(req.nodeid);
        if (slot == null || slot.isRemoved()) {
            req.session.replyError(req.unique, Errno.ENOENT.number());
            return;
        }
        OpenFile file = new OpenFile(req.caller(), req.u32(0));
        FuseReply reply =
                new FuseReply(req.session, req.unique, FuseReply.Kind.OPEN, 0, new FuseReply.OpenCompletion() {
                    @Override
                    public long opened() {
                        FileHandle h = handles.add(file, slot);
                        file.setChannelData(h);
                        slot.opened(h);
                        return h.fh;
                    }

                    @Override
                    public int openFlags() {
                        return openFlags;
                    }
                });
        call(req, reply, false, () -> slot.device().open(file, reply));
    }

    private void read(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(0)));
        if (h == null) {
            return;
        }
        long offset = req.u64(8);
        int size = req.u32(16);
        h.file.setFlags(req.u32(32));
        FuseReply reply = new FuseReply(req.session, req.unique, FuseReply.Kind.READ, size, null);
        try {
            h.slot.device().read(h.file, size, offset, reply);
        } catch (RuntimeException e) {
            fail(reply, e);
        }
        afterCall(req, reply, false);
    }

    private void write(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(0)));
        if (h == null) {
            return;
        }
        long offset = req.u64(8);
        int size = req.u32(16);
        h.file.setFlags(req.u32(32));
        ByteBuffer data = req.payload(FuseProtocol.WRITE_IN, size);
        FuseReply reply = new FuseReply(req.session, req.unique, FuseReply.Kind.WRITE, data.remaining(), null);
        try {
            h.slot.device().write(h.file, data, offset, reply);
        } catch (RuntimeException e) {
            fail(reply, e);
        }
        afterCall(req, reply, true);
    }

    /** The request's open file, or null after answering EBADF for a handle we never gave out. */
    private static FileHandle handleOf(FuseRequest req, FileHandle h) {
        if (h == null) {
            req.session.replyError(req.unique, Errno.EBADF.number());
        }
        return h;
    }

    private void ioctl(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(0)));
        if (h == null) {
            return;
        }
        int cmd = req.u32(12);
        long arg = req.u64(16);
        int inSize = req.u32(24);
        int outSize = req.u32(28);
        IoctlCall mem;
        if ((req.u32(8) & IoctlCall.FLAG_UNRESTRICTED) != 0) {
            // CUSE: the device may ask for more of the caller's memory (FUSE_IOCTL_RETRY rounds).
            mem = IoctlCall.unrestricted(req, ioctlRounds, h.fh, cmd, arg, inSize, outSize);
            if (mem == null) {
                return; // answered: a retry for the encoded struct, or an error
            }
        } else {
            // _IO commands and unencoded numbers arrive with no data and the raw arg;
            // the device answers them (ENOTTY for those it does not know).
            mem = IoctlCall.restricted(req, cmd, arg, inSize, outSize);
        }
        ByteBuffer in = mem.structIn();
        int out = mem.structOut();
        FuseReply reply = new FuseReply(req.session, req.unique, FuseReply.Kind.IOCTL, mem.outSize(), null);
        mem.bind(reply);
        call(req, reply, true, () -> h.slot.device().ioctl(h.file, cmd, arg, in, out, mem, reply));
    }

    private void poll(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(0)));
        if (h == null) {
            return;
        }
        if ((req.u32(16) & FuseProtocol.POLL_SCHEDULE_NOTIFY) != 0) {
            h.kh = req.u64(8);
        }
        FuseReply reply = new FuseReply(req.session, req.unique, FuseReply.Kind.POLL, 0, null);
        call(req, reply, false, () -> h.slot.device().poll(h.file, reply));
    }

    private void flush(FuseRequest req) {
        FileHandle h = handleOf(req, handles.get(req.u64(0)));
        if (h == null) {
            return;
        }
        FuseReply reply = new FuseReply(req.session, req.unique, FuseReply.Kind.PLAIN, 0, null);
        call(req, reply, false, () -> h.slot.device().flush(h.file, reply));
    }

    private void release(FuseRequest req) {
        FileHandle h = handleOf(req, handles.remove(req.u64(0)));
        if (h == null) {
            return;
        }
        h.slot.released(h);
        h.file.setFlags(req.u32(8));
        FuseReply reply = new FuseReply(req.session, req.unique, FuseReply.Kind.PLAIN, 0, null);
        call(req, reply, false, () -> h.slot.device().release(h.file, reply));
    }

    private static void call(FuseRequest req, FuseReply reply, boolean lends, Runnable deviceCall) {
        try {
            deviceCall.run();
        } catch (RuntimeException e) {
            fail(reply, e);
        }
        afterCall(req, reply, lends);
    }

    private static void afterCall(FuseRequest req, FuseReply reply, boolean lends) {
        if (!reply.isDone() && reply.defer(req, lends)) {
            req.buffer = req.session.takeBuffer();
        }
    }

    private static void fail(FuseReply reply, RuntimeException e) {
        if (e instanceof ErrnoException ee) {
            reply.error(ee.errno());
        } else {
            System.err.println("fusd: device call failed: " + e);
            reply.error(Errno.EIO);
        }
    }
}
