package org.fusd.host.channel.fusd;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.fusd.host.device.Errno;
import org.fusd.host.device.PollEvents;
import org.fusd.host.sys.Libc;
import org.fusd.host.sys.OutBuffer;

/**
 * The write side of the control fd: each message is one write(2) from the
 * calling thread's buffer, by whichever thread has something to say. Once
 * {@link #closeFd} ran nothing is written, so a late answer can never reach
 * a reused fd number.
 */
final class FusdWriter {
    private final int fd;
    private final ThreadLocal<OutBuffer> out =
            ThreadLocal.withInitial(() -> new OutBuffer(FusdAbi.ORDER, 4096, FusdAbi.FUSD_MSG_MAX));
    /** Writers hold the read lock; closeFd takes the write lock. */
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();

    private boolean fdClosed; // guarded by fdLock

    FusdWriter(int fd) {
        this.fd = fd;
    }

    /** REGISTER: /dev/NAME with this mode, owner and FUSD_DEV_* flags; 0 or the errno. */
    int register(int devId, byte[] name, int mode, int uid, int gid, int flags) {
        OutBuffer ob = out.get();
        int len = FusdAbi.MSG_SIZE + FusdAbi.REG_SIZE;
        ByteBuffer b = ob.ensure(len);
        FusdAbi.putHeader(b, FusdAbi.FUSD_REGISTER, len, devId, 0, 0, 0, 0);
        FusdAbi.putRegister(b, FusdAbi.MSG_SIZE, name, mode, uid, gid, flags, PollEvents.DEFAULT_MASK);
        return write(ob, len);
    }

    void unregister(int devId) {
        header(FusdAbi.FUSD_UNREGISTER, devId, 0, 0, 0, 0);
    }

    /** A payload-less REPLY: a result or -errno. */
    void reply(long reqId, long result) {
        header(FusdAbi.FUSD_REPLY, 0, reqId, 0, 0, result);
    }

    /**
     * A REPLY with n bytes of payload from its position and, if pollMask >= 0,
     * the file's new poll mask (FUSD_REPLY_POLL); 0 or the errno the kernel gave.
     */
    int reply(int devId, long reqId, int fhId, long result, ByteBuffer payload, int n, int pollMask) {
        OutBuffer ob = out.get();
        int len = FusdAbi.MSG_SIZE + n;
        ByteBuffer b = ob.ensure(len);
        int xflags = pollMask >= 0 ? FusdAbi.FUSD_REPLY_POLL : 0;
        FusdAbi.putHeader(b, FusdAbi.FUSD_REPLY, len, devId, reqId, fhId, Math.max(pollMask, 0), xflags, result);
        if (n > 0) {
            b.put(FusdAbi.MSG_SIZE, payload, payload.position(), n);
        }
        return write(ob, len);
    }

    /** RESEND: the requests read and not answered are queued again, marked FUSD_REQ_RESENT. */
    void resend() {
        header(FusdAbi.FUSD_RESEND, 0, 0, 0, 0, 0);
    }

    void pollNotify(int devId, int fhId, int mask) {
        header(FusdAbi.FUSD_POLL_NOTIFY, devId, 0, fhId, mask, 0);
    }

    private void header(int opcode, int devId, long reqId, int fhId, int arg, long result) {
        OutBuffer ob = out.get();
        FusdAbi.putHeader(ob.bytes(), opcode, FusdAbi.MSG_SIZE, devId, reqId, fhId, arg, result);
        write(ob, FusdAbi.MSG_SIZE);
    }

    /** write(2) of one message; returns 0 or the errno. */
    private int write(OutBuffer ob, int len) {
        fdLock.readLock().lock();
        try {
            if (fdClosed) {
                return Errno.EBADF.number();
            }
            Libc.write(fd, ob.address(), len);
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** Closes the fd once no write is under way; later writes do nothing. */
    void closeFd() {
        fdLock.writeLock().lock();
        try {
            fdClosed = true;
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // already closed
            }
        } finally {
            fdLock.writeLock().unlock();
        }
    }
}
