package org.fusd.host.channel.fusd;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Reply;

/**
 * The {@link Reply} for one fusd request: the first completion wins (a
 * compare-and-set) and becomes exactly one FUSD_REPLY write, shaped to pass
 * the module's checks (READ: result = payload length <= size; WRITE: count
 * <= size; OPEN/FLUSH: 0; IOCTL: payload <= _IOC_SIZE for _IOR).
 *
 * Interrupts: when the kernel sends FUSD_INTERRUPT the caller has already
 * returned EINTR, so the request is finished at once with nothing written
 * (a reply would only get ENOENT); the device's onInterrupt action runs
 * once, whenever it is registered, and later completions are ignored.
 */
final class FusdReply implements Reply {
    /** What the request was, hence how a success is encoded. */
    enum Kind {
        OPEN,
        READ,
        WRITE,
        IOCTL,
        FLUSH,
        RELEASE
    }

    private final FusdChannel channel;
    final Kind kind;
    final long reqId;
    final FusdFile file;
    private final int max;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean actionRan = new AtomicBoolean();
    private final AtomicReference<ByteBuffer> lent = new AtomicReference<>();
    private volatile boolean interrupted;
    private volatile Runnable onInterrupt;

    /**
     * @param max READ: bytes asked; WRITE: bytes offered; IOCTL: bytes the
     *            caller takes back (_IOR/_IOWR size, else 0)
     */
    FusdReply(FusdChannel channel, Kind kind, long reqId, FusdFile file, int max) {
        this.channel = channel;
        this.kind = kind;
        this.reqId = reqId;
        this.file = file;
        this.max = max;
    }

    private boolean finish() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        if (kind != Kind.RELEASE) {
            channel.unpend(this);
        }
        return true;
    }

    private void send(long result, ByteBuffer payload, int n) {
        if ((kind == Kind.READ || kind == Kind.WRITE || kind == Kind.IOCTL) && file.node.device.pollVaries()) {
            sendAfterPoll(result, payload, n);
            return;
        }
        if (kind != Kind.RELEASE) {
            channel.sendReply(this, result, payload, n);
        }
        giveBackLent();
    }

    /**
     * The kernel never asks for a poll mask, and a call may change it (a read
     * that empties a buffer): the file's mask is asked for and pushed before
     * the caller is answered, so its next poll(2) is right. Other open files
     * are left alone: their masks change when the driver says so
     * (device.notify(), as on every channel). Refreshing them all after each
     * call made every call cost one poll per open file, and the channel
     * collapsed under concurrent clients. The payload is copied since the
     * device's buffer is only valid until this returns.
     */
    private void sendAfterPoll(long result, ByteBuffer payload, int n) {
        ByteBuffer copy = null;
        if (n > 0) {
            byte[] b = new byte[n];
            payload.get(payload.position(), b);
            copy = ByteBuffer.wrap(b);
        }
        giveBackLent();
        ByteBuffer data = copy;
        file.node.refreshPoll(file, () -> channel.sendReply(this, result, data, n));
    }

    private void giveBackLent() {
        ByteBuffer b = lent.getAndSet(null);
        if (b != null) {
            channel.giveBack(b);
        }
    }

    @Override
    public boolean isDone() {
        return finished.get();
    }

    @Override
    public void error(Errno errno) {
        if (finish()) {
            int n = errno == null ? 0 : errno.number();
            send(-(n > 0 && n <= FusdAbi.ERRNO_MAX ? n : Errno.EIO.number()), null, 0);
        } else {
            abandonedOpen();
        }
    }

    @Override
    public void ok() {
        if (!finish()) {
            abandonedOpen();
            return;
        }
        switch (kind) {
            case OPEN -> channel.opened(this);
            case WRITE -> send(-Errno.EIO.number(), null, 0);
            default -> send(0, null, 0); // READ: end of file; IOCTL: 0
        }
    }

    /** An OPEN answered after its caller gave up: the device still sees the release. */
    private void abandonedOpen() {
        if (kind == Kind.OPEN && interrupted) {
            channel.releaseAbandoned(file);
        }
    }

    /** Called by the channel for a successful OPEN, once the poll mask is pushed. */
    void sendOpened() {
        send(0, null, 0);
    }

    @Override
    public void data(ByteBuffer bytes) {
        if (!finish()) {
            return;
        }
        int n = bytes == null ? 0 : Math.min(bytes.remaining(), max);
        switch (kind) {
            case READ, IOCTL -> send(kind == Kind.READ ? n : 0, bytes, n);
            case OPEN -> channel.opened(this);
            default -> send(-Errno.EIO.number(), null, 0);
        }
    }

    @Override
    public void count(int n) {
        if (!finish()) {
            abandonedOpen();
            return;
        }
        switch (kind) {
            case WRITE -> send(Math.max(0, Math.min(n, max)), null, 0);
            case IOCTL -> send(n < 0 ? errnoResult(-n) : n, null, 0);
            case OPEN -> channel.opened(this);
            default -> send(0, null, 0);
        }
    }

    @Override
    public void ioctl(int result, ByteBuffer out) {
        if (!finish()) {
            return;
        }
        if (kind != Kind.IOCTL) {
            send(-Errno.EIO.number(), null, 0);
        } else if (result < 0) {
            send(errnoResult(-result), null, 0);
        } else {
            int n = out == null ? 0 : Math.min(out.remaining(), max);
            send(result, out, n);
        }
    }

    private static long errnoResult(int errno) {
        return -(errno > 0 && errno <= FusdAbi.ERRNO_MAX ? errno : Errno.EIO.number());
    }

    @Override
    public void onInterrupt(Runnable action) {
        onInterrupt = action;
        if (interrupted) {
            runAction();
        }
    }

    /** FUSD_INTERRUPT named this request: its caller returned EINTR already. */
    void interrupt() {
        interrupted = true;
        if (finish()) {
            // The device may still be reading lent WRITE data unless it deferred:
            // leave that buffer to the garbage collector rather than the pool.
            lent.set(null);
        }
        runAction();
    }

    private void runAction() {
        Runnable a = onInterrupt;
        if (a != null && actionRan.compareAndSet(false, true)) {
            try {
                a.run();
            } catch (RuntimeException e) {
                System.err.println("fusd: onInterrupt action failed: " + e);
            }
        }
    }

    /**
     * The reader lends its buffer (WRITE data, IOCTL input) to a request the
     * device did not answer yet. Returns false if it completed meanwhile and
     * the reader may keep the buffer.
     */
    boolean lend(ByteBuffer b) {
        lent.set(b);
        return !(isDone() && lent.compareAndSet(b, null));
    }
}
