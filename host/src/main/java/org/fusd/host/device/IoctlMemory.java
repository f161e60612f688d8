package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * The caller's memory an ioctl may reach beyond the struct its command
 * encodes: a struct holding pointers, a buffer whose length is in the struct.
 *
 * A region is an (address, length) pair in the caller's address space; region
 * lists are flat arrays {addr0, len0, addr1, len1, ...}. For this call the
 * channel has copied in the bytes of {@link #in()} (concatenated in
 * {@link #inData()}), and the reply's out bytes ({@link IoctlReply#result}) are
 * scattered over {@link #out()} in order. The _IOC-encoded regions, if any,
 * come first in both lists.
 *
 * A device that needs more answers with {@link IoctlReply#retry}: a channel that can
 * map more memory (cuse: FUSE_IOCTL_RETRY) delivers the same call again with
 * those regions; one that cannot (fuse: restricted ioctls) answers ENOTTY.
 */
public interface IoctlMemory {

    /** True if {@link IoctlReply#retry} can map more memory (cuse); false on restricted channels (fuse). */
    boolean canRetry();

    /** Regions copied in for this call. */
    long[] in();

    /** The bytes of {@link #in()}, concatenated; valid until the reply completes. */
    ByteBuffer inData();

    /** Regions the reply's out bytes are written to, in order. */
    long[] out();

    /** Sum of the out region lengths: how many out bytes the reply may carry. */
    int outSize();

    /**
     * True if {@link #readNow} and {@link #writeNow} reach any of the caller's
     * memory at once, while the call waits (fusd: FUSD_MEM_READ/WRITE); no
     * region lists, no retries.
     */
    default boolean direct() {
        return false;
    }

    /** The caller's len bytes at addr, now; an ErrnoException (EFAULT, ...) if they cannot be had. */
    default byte[] readNow(long addr, int len) {
        throw new ErrnoException(Errno.ENOTTY);
    }

    /** Copies bytes (position to limit) to the caller's memory at addr, now; an ErrnoException if it cannot. */
    default void writeNow(long addr, ByteBuffer bytes) {
        throw new ErrnoException(Errno.ENOTTY);
    }
}
