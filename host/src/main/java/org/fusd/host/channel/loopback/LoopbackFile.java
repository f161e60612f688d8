package org.fusd.host.channel.loopback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fusd.host.device.Call;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.Ioc;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.PollEvents;
import org.fusd.host.device.SharedMemory;

/**
 * One open of a loopback device: read, write, ioctl, poll, close, as blocking
 * calls that return the result or throw ErrnoException, or as "start" calls
 * returning the pending {@link LoopbackReply} (to block in another thread, or
 * to interrupt). Reads advance the offset like a stream.
 */
public final class LoopbackFile implements AutoCloseable {
    /** How long a blocking call waits before the test is told (a hung driver must not hang the build). */
    public static final long TIMEOUT_MS = Long.getLong("fusd.loopback.timeoutMs", 10_000);

    private final LoopbackChannel.Node node;
    private final OpenFile file;
    /** Bytes read so far: the offset the next read reports (a read advances it when answered). */
    private final java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong();

    private boolean closed;

    LoopbackFile(LoopbackChannel.Node node, OpenFile file) {
        this.node = node;
        this.file = file;
    }

    void openNow() {
        LoopbackReply r = new LoopbackReply();
        node.opened(file);
        try {
            node.device.open(new Call.Open(file), r.forOpen());
            await(r);
        } catch (RuntimeException e) {
            node.released(file);
            throw e;
        }
    }

    public OpenFile openFile() {
        return file;
    }

    /** Like fcntl(F_SETFL): later calls see the new flags. */
    public void setFlags(int flags) {
        file.setFlags(flags);
    }

    public LoopbackReply startRead(int size) {
        LoopbackReply r = new LoopbackReply(offset::addAndGet);
        node.device.read(new Call.Read(file, size, offset.get()), r.forRead(size));
        return r;
    }

    public byte[] read(int size) {
        return await(startRead(size)).data();
    }

    public String readString(int size) {
        return new String(read(size), StandardCharsets.UTF_8);
    }

    public LoopbackReply startWrite(byte[] data) {
        LoopbackReply r = new LoopbackReply();
        node.device.write(new Call.Write(file, ByteBuffer.wrap(data), offset.get()), r.forWrite(data.length));
        return r;
    }

    public int write(byte[] data) {
        return await(startWrite(data)).n();
    }

    public int write(String s) {
        return write(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An ioctl as the kernel passes it: in holds _IOC_SIZE bytes for
     * _IOW/_IOWR (else null), outSize the bytes the caller expects back.
     */
    public LoopbackReply startIoctl(int cmd, long arg, byte[] in, int outSize) {
        LoopbackReply r = new LoopbackReply();
        ByteBuffer data = in == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(in);
        node.device.ioctl(new Call.Ioctl(file, cmd, arg, data, outSize, null), r.forIoctl(outSize));
        return r;
    }

    public LoopbackReply.Result ioctl(int cmd, long arg, byte[] in, int outSize) {
        return await(startIoctl(cmd, arg, in, outSize));
    }

    /** An encoded ioctl: in and out sizes follow from cmd's direction and size bits. */
    public LoopbackReply.Result ioctl(int cmd, byte[] in) {
        return ioctl(cmd, 0, Ioc.writes(cmd) ? in : null, Ioc.reads(cmd) ? Ioc.size(cmd) : 0);
    }

    /** An llseek as the fusd channel passes it (SEEK_CUR already resolved); n of the result is the position. */
    public LoopbackReply.Result llseek(long offset, int whence) {
        LoopbackReply r = new LoopbackReply();
        node.device.llseek(new Call.Llseek(file, offset, whence), r.forSeek());
        return await(r);
    }

    /** A client's mmap as the fusd channel passes it when the device checks mappings. */
    public LoopbackReply.Result mmap(long offset, long length, int prot, boolean shared) {
        LoopbackReply r = new LoopbackReply();
        node.device.mmap(new Call.Mmap(file, offset, length, prot, shared), r.forDone());
        return await(r);
    }

    /**
     * A client's mmap(2) with MAP_SHARED of the device's shared memory, as
     * the kernel and fusd.ko make it: the same checks in the same order and
     * errnos, then the device's mmap callback if it checks mappings. Returns
     * the shared pages themselves (length rounded up to pages), valid while
     * the device lives. Throws ErrnoException.
     */
    public ByteBuffer map(long offset, long length, int prot) {
        int acc = file.flags() & OpenFlags.O_ACCMODE;
        if (length <= 0 || offset < 0 || offset % SharedMemory.PAGE != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (acc == OpenFlags.O_WRONLY || ((prot & PROT_WRITE) != 0 && acc == OpenFlags.O_RDONLY)) {
            throw new ErrnoException(Errno.EACCES); // a shared mapping needs the file open for reading (and writing)
        }
        SharedMemory m = node.device.sharedMemory();
        if (m == null) {
            throw new ErrnoException(Errno.ENXIO); // fusd.ko: the device has no memory
        }
        long len = (length + SharedMemory.PAGE - 1) / SharedMemory.PAGE * SharedMemory.PAGE;
        if (offset > m.size() || len > m.size() - offset) {
            throw new ErrnoException(Errno.ENXIO);
        }
        if (node.device.checksMmap()) {
            LoopbackReply.Result r = mmap(offset, len, prot, true);
            if (!r.ok()) {
                throw new ErrnoException(r.errno());
            }
        }
        return m.buffer().slice((int) offset, (int) len);
    }

    private static final int PROT_WRITE = 0x2;

    public int poll() {
        LoopbackReply r = new LoopbackReply();
        node.device.poll(new Call.Poll(file), r.forPoll());
        return await(r).n();
    }

    /** Waits until the device notifies pollers and poll() has any of the events (or the timeout passes). */
    public int pollFor(int events, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            long seen = node.notifications.get();
            int mask = poll();
            long left = deadline - System.currentTimeMillis();
            if ((mask & events) != 0 || left <= 0) {
                return mask;
            }
            node.awaitNotification(seen, left);
        }
    }

    public static boolean readable(int mask) {
        return (mask & PollEvents.POLLIN) != 0;
    }

    /** flush then release, as the last close(2) does. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LoopbackReply f = new LoopbackReply();
            node.device.flush(new Call.Flush(file), f.forDone());
            await(f);
            LoopbackReply r = new LoopbackReply();
            node.device.release(new Call.Release(file), r.forDone());
            await(r);
        } finally {
            node.released(file);
        }
    }

    /** The call's result; an errno becomes ErrnoException. */
    public static LoopbackReply.Result await(LoopbackReply r) {
        LoopbackReply.Result res = awaitResult(r.future());
        if (!res.ok()) {
            throw new ErrnoException(res.errno());
        }
        return res;
    }

    public static LoopbackReply.Result awaitResult(CompletableFuture<LoopbackReply.Result> f) {
        try {
            return f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ErrnoException(Errno.ETIMEDOUT, "the device did not answer in " + TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
