package org.fusd.host.fuse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Reply;

/**
 * The {@link Reply} for one FUSE request. The first completion (or an
 * interrupt with an action registered) wins, by a compare-and-set on the
 * state; later completions are ignored. Each kind encodes its own out struct.
 */
public final class FuseReply implements Reply {
    /** What the request was, hence how a success is encoded. */
    public enum Kind {
        OPEN,
        READ,
        WRITE,
        IOCTL,
        POLL,
        PLAIN
    }

    private static final VarHandle STATE;
    private static final VarHandle LENT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(FuseReply.class, "state", int.class);
            LENT = l.findVarHandle(FuseReply.class, "lent", FuseRequest.Buffer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final FuseSession session;
    final long unique;
    private final Kind kind;
    private final int maxSize;
    private final OpenCompletion open;
    volatile boolean registered;

    @SuppressWarnings("unused")
    private volatile int state;

    @SuppressWarnings("unused")
    private volatile FuseRequest.Buffer lent;

    private volatile boolean interrupted;
    private volatile Runnable onInterrupt;

    /** What a successful OPEN does before its reply is sent: returns fh and open flags. */
    public interface OpenCompletion {
        /** Registers the open file; returns its fh. */
        long opened();

        int openFlags();
    }

    FuseReply(FuseSession session, long unique, Kind kind, int maxSize, OpenCompletion open) {
        this.session = session;
        this.unique = unique;
        this.kind = kind;
        this.maxSize = maxSize;
        this.open = open;
    }

    private boolean finish() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            return false;
        }
        session.unregister(this);
        return true;
    }

    private void releaseBuffer() {
        FuseRequest.Buffer b = (FuseRequest.Buffer) LENT.getAndSet(this, null);
        if (b != null) {
            session.giveBack(b);
        }
    }

    @Override
    public boolean isDone() {
        return state != 0;
    }

    @Override
    public void error(Errno errno) {
        if (finish()) {
            session.replyError(unique, errno.number());
            releaseBuffer();
        }
    }

    @Override
    public void ok() {
        if (finish()) {
            sendOk();
            releaseBuffer();
        }
    }

    private void sendOk() {
        if (kind == Kind.OPEN) {
            FuseSession.ReplyBuffer rb = session.replyBuffer(FuseProtocol.OPEN_OUT);
            ByteBuffer b = rb.bytes();
            long fh = open.opened();
            b.putLong(FuseProtocol.OUT_HEADER, fh);
            b.putInt(FuseProtocol.OUT_HEADER + 8, open.openFlags());
            b.putInt(FuseProtocol.OUT_HEADER + 12, 0);
            session.send(rb, unique, 0, FuseProtocol.OPEN_OUT);
        } else if (kind == Kind.PLAIN) {
            session.replyOk(unique);
        } else if (kind == Kind.IOCTL) {
            sendIoctl(0, null);
        } else if (kind == Kind.READ) {
            session.send(session.replyBuffer(0), unique, 0, null, 0);
        } else {
            session.replyError(unique, Errno.EIO.number());
        }
    }

    @Override
    public void data(ByteBuffer bytes) {
        if (!finish()) {
            return;
        }
        if (kind == Kind.READ) {
            int n = bytes == null ? 0 : Math.min(bytes.remaining(), maxSize);
            session.send(session.replyBuffer(0), unique, 0, bytes, n);
        } else if (kind == Kind.IOCTL) {
            sendIoctl(0, bytes);
        } else {
            session.replyError(unique, Errno.EIO.number());
        }
        releaseBuffer();
    }

    @Override
    public void count(int n) {
        if (!finish()) {
            return;
        }
        if (kind == Kind.WRITE || kind == Kind.POLL) {
            FuseSession.ReplyBuffer rb = session.replyBuffer(8);
            ByteBuffer b = rb.bytes();
            int v = kind == Kind.WRITE ? Math.max(0, Math.min(n, maxSize)) : n;
            b.putInt(FuseProtocol.OUT_HEADER, v);
            b.putInt(FuseProtocol.OUT_HEADER + 4, 0);
            session.send(rb, unique, 0, 8);
        } else if (kind == Kind.IOCTL) {
            sendIoctl(n, null);
        } else {
            sendOk(); // open/flush/release/read answered with a count: plain success
        }
        releaseBuffer();
    }

    @Override
    public void ioctl(int result, ByteBuffer out) {
        if (!finish()) {
            return;
        }
        if (kind == Kind.IOCTL) {
            sendIoctl(result, out);
        } else {
            session.replyError(unique, Errno.EIO.number());
        }
        releaseBuffer();
    }

    /** CUSE ioctl: have the kernel copy these caller regions and send the request again (FUSE_IOCTL_RETRY). */
    void ioctlRetry(long[] in, long[] out) {
        if (!finish()) {
            return;
        }
        IoctlCall.sendRetry(this, in, out);
        releaseBuffer();
    }

    private void sendIoctl(int result, ByteBuffer out) {
        int n = out == null ? 0 : Math.min(out.remaining(), maxSize);
        FuseSession.ReplyBuffer rb = session.replyBuffer(FuseProtocol.IOCTL_OUT + n);
        ByteBuffer b = rb.bytes();
        b.putInt(FuseProtocol.OUT_HEADER, result);
        b.putInt(FuseProtocol.OUT_HEADER + 4, 0);
        b.putInt(FuseProtocol.OUT_HEADER + 8, 0);
        b.putInt(FuseProtocol.OUT_HEADER + 12, 0);
        session.send(rb, unique, FuseProtocol.IOCTL_OUT, out, n);
    }

    @Override
    public void onInterrupt(Runnable action) {
        onInterrupt = action;
        if (interrupted) {
            fireInterrupt();
        }
    }

    /** The kernel sent INTERRUPT for this request. */
    void interrupt() {
        interrupted = true;
        if (onInterrupt != null) {
            fireInterrupt();
        }
    }

    private void fireInterrupt() {
        Runnable action = onInterrupt;
        if (action == null || !finish()) {
            return;
        }
        try {
            action.run();
        } catch (RuntimeException e) {
            System.err.println("fusd: onInterrupt action failed: " + e);
        }
        session.replyError(unique, Errno.EINTR.number());
        releaseBuffer();
    }

    /**
     * Called by the reader after the device call returned without completing:
     * registers the request for INTERRUPT and, if the device was handed a slice
     * of the request buffer, lends that buffer until completion. Returns true
     * if the buffer was lent (the reader must take another one).
     */
    boolean defer(FuseRequest req, boolean lendBuffer) {
        registered = true;
        session.register(this);
        if (!lendBuffer) {
            return false;
        }
        FuseRequest.Buffer b = req.buffer;
        LENT.setVolatile(this, b);
        if (isDone() && LENT.compareAndSet(this, b, null)) {
            return false; // completed meanwhile: the reader keeps its buffer
        }
        return true;
    }
}
