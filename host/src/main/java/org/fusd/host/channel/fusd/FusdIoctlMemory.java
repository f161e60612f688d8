package org.fusd.host.channel.fusd;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.IoctlMemory;
import org.fusd.host.sys.Libc;

/**
 * The caller memory of one FUSD_IOCTL on the fusd channel: the _IOC-encoded
 * struct the kernel copied, and any other address through FUSD_MEM_READ and
 * FUSD_MEM_WRITE, which the kernel has the waiting caller copy in its own
 * context. Valid until the request is answered; after that the kernel
 * answers ENOENT. Reads and writes run on the calling thread and block it
 * for the copy only.
 */
final class FusdIoctlMemory implements IoctlMemory {
    private static final long[] NONE = new long[0];

    private final int fd;
    private final long reqId;
    private final long[] in;
    private final long[] out;
    private final ByteBuffer inData;
    private final int outSize;

    FusdIoctlMemory(int fd, long reqId, long arg, ByteBuffer inData, int outSize) {
        this.fd = fd;
        this.reqId = reqId;
        this.inData = inData;
        this.outSize = outSize;
        this.in = inData.hasRemaining() ? new long[] {arg, inData.remaining()} : NONE;
        this.out = outSize > 0 ? new long[] {arg, outSize} : NONE;
    }

    @Override
    public boolean canRetry() {
        return false;
    }

    @Override
    public long[] in() {
        return in.clone();
    }

    @Override
    public ByteBuffer inData() {
        return inData.duplicate().order(inData.order());
    }

    @Override
    public long[] out() {
        return out.clone();
    }

    @Override
    public int outSize() {
        return outSize;
    }

    @Override
    public boolean direct() {
        return true;
    }

    @Override
    public byte[] readNow(long addr, int len) {
        check(len);
        byte[] b = new byte[len];
        if (len == 0) {
            return b;
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(len);
        mem(FusdAbi.FUSD_MEM_READ, addr, buf, len);
        buf.get(0, b);
        return b;
    }

    @Override
    public void writeNow(long addr, ByteBuffer bytes) {
        int len = bytes.remaining();
        check(len);
        if (len == 0) {
            return;
        }
        ByteBuffer buf = bytes;
        if (!bytes.isDirect()) {
            buf = ByteBuffer.allocateDirect(len);
            buf.put(0, bytes, bytes.position(), len);
        } else {
            buf = bytes.slice();
        }
        mem(FusdAbi.FUSD_MEM_WRITE, addr, buf, len);
    }

    private static void check(int len) {
        if (len < 0 || len > FusdAbi.FUSD_MEM_MAX) {
            throw new ErrnoException(
                    Errno.EINVAL,
                    "EINVAL: " + len + " bytes of caller memory at once; at most " + FusdAbi.FUSD_MEM_MAX);
        }
    }

    /** One FUSD_MEM_READ/WRITE of len bytes between addr and buf's first byte. */
    private void mem(int cmd, long addr, ByteBuffer buf, int len) {
        ByteBuffer m = ByteBuffer.allocateDirect(FusdAbi.MEM_SIZE).order(FusdAbi.ORDER);
        m.putLong(FusdAbi.MEM_REQ_ID, reqId)
                .putLong(FusdAbi.MEM_ADDR, addr)
                .putLong(FusdAbi.MEM_BUF, Libc.address(buf))
                .putInt(FusdAbi.MEM_LEN, len)
                .putInt(FusdAbi.MEM_RESERVED, 0);
        try {
            Libc.ioctl(fd, cmd & 0xffffffffL, Libc.address(m));
        } catch (LastErrorException e) {
            Errno errno = Errno.byNumber(e.getErrorCode());
            String what = cmd == FusdAbi.FUSD_MEM_READ ? "reading" : "writing";
            throw new ErrnoException(
                    errno,
                    errno.name() + ": " + what + " " + len + " bytes of the caller's memory at 0x"
                            + Long.toHexString(addr)
                            + (errno.equals(Errno.ENOENT) ? " (the call was answered or the caller left)" : ""));
        }
    }
}
