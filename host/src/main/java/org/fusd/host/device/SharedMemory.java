package org.fusd.host.device;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.fusd.host.sys.Libc;

/**
 * Memory a device shares with its clients' mappings: a memfd sealed against
 * shrinking and growing (so a client's mapping can never lose its pages),
 * mapped once into the host. A channel that maps devices (fusd) hands the fd
 * to the kernel; the driver sees {@link #buffer()} without a copy. Lives as
 * long as the device, across reloads.
 */
public final class SharedMemory implements AutoCloseable {
    public static final int PAGE = 4096;
    /** The largest memory a device may ask for (the module's FUSD_SHM_MAX). */
    public static final long MAX = 1L << 30;

    private volatile int fd;
    private final long size;
    private final long address;
    private final ByteBuffer buffer;
    private volatile boolean closed;

    private SharedMemory(int fd, long size, long address) {
        this.fd = fd;
        this.size = size;
        this.address = address;
        this.buffer = new Pointer(address).getByteBuffer(0, size);
    }

    /** size bytes (rounded up to whole pages), zero-filled. */
    public static SharedMemory create(String name, long size) throws IOException {
        if (size <= 0 || size > MAX) {
            throw new IOException("shared memory of " + size + " bytes: must be 1 .. " + MAX);
        }
        long rounded = (size + PAGE - 1) / PAGE * PAGE;
        int fd;
        try {
            fd = Libc.memfd_create("fusd:" + name, Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
        } catch (LastErrorException e) {
            throw new IOException(
                    "memfd_create: " + Errno.byNumber(e.getErrorCode()).name());
        }
        try {
            Libc.ftruncate(fd, rounded);
            Libc.Ext.INSTANCE.fcntl(fd, Libc.F_ADD_SEALS, Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW);
            long addr = Libc.mmap(0, rounded, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            return new SharedMemory(fd, rounded, addr);
        } catch (LastErrorException e) {
            Libc.close(fd);
            throw new IOException("shared memory of " + rounded + " bytes: "
                    + Errno.byNumber(e.getErrorCode()).name());
        }
    }

    /** The memfd: sealed (F_SEAL_SHRINK | F_SEAL_GROW), size() bytes. */
    public int fd() {
        return fd;
    }

    public long size() {
        return size;
    }

    /** The host's mapping of all of it; writes are seen by every client mapping at once. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    /**
     * Takes over another host's memory of the same size (its memfd, passed in
     * a takeover): the host's mapping is replaced in place by one of that
     * memfd, so every view the driver already holds now sees the pages the
     * clients map. This memory's own memfd is closed; fd is kept.
     */
    public synchronized void adopt(int otherFd) throws IOException {
        long theirs;
        try {
            theirs = Libc.lseek(otherFd, 0, Libc.SEEK_END);
        } catch (LastErrorException e) {
            throw new IOException("the passed shared memory: "
                    + Errno.byNumber(e.getErrorCode()).name());
        }
        if (theirs != size) {
            throw new IOException("the running host's shared memory is " + theirs + " bytes, this script's " + size
                    + " (restart the host to change `memory`)");
        }
        try {
            Libc.mmap(address, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_FIXED, otherFd, 0);
        } catch (LastErrorException e) {
            throw new IOException("mapping the passed shared memory: "
                    + Errno.byNumber(e.getErrorCode()).name());
        }
        int mine = fd;
        fd = otherFd;
        try {
            Libc.close(mine);
        } catch (LastErrorException ignored) {
            // closed already
        }
    }

    /** Unmaps and closes; clients' mappings keep the pages. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.munmap(address, size);
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // already gone
        }
    }
}
