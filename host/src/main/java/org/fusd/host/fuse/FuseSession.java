package org.fusd.host.fuse;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.fusd.host.device.Errno;

/**
 * One FUSE connection over a device fd (/dev/fuse or /dev/cuse): reader
 * threads that read one request per read(2) and dispatch it through an
 * {@link OpTable}, and reply writing that any thread may do (one write(2) per
 * reply, from a per-thread buffer, so writers need no lock).
 *
 * Requests whose reply is not sent by the time their handler returns are
 * registered as pending (by unique id) so an INTERRUPT can find them. An
 * INTERRUPT for an id not (yet) registered is answered EAGAIN: the kernel
 * queues it again, which closes the race between a reader that has read a
 * request and not registered it and another reader that reads its INTERRUPT.
 */
public final class FuseSession {
    private static final int POOLED_BUFFERS = 8;

    private final int fd;
    private final OpTable table;
    private final String threadName;
    private final ConcurrentHashMap<Long, FuseReply> pending = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<FuseRequest.Buffer> spare = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spareCount = new AtomicInteger();
    private final ThreadLocal<ReplyBuffer> replyBuffers = ThreadLocal.withInitial(ReplyBuffer::new);
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean stopping;
    /** Writers hold the read lock; the last reader takes the write lock to close the fd (its number may be reused). */
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();

    private boolean fdClosed; // under fdLock
    private volatile Runnable onEnd;
    private Thread[] readers = new Thread[0];

    public FuseSession(int fd, OpTable table, String threadName) {
        this.fd = fd;
        this.table = table;
        this.threadName = threadName;
    }

    public int fd() {
        return fd;
    }

    /** Adds the rows every session answers the same way: INTERRUPT, FORGET, BATCH_FORGET, DESTROY. */
    public void addCommonRows(OpTable t, ForgetListener forgets) {
        t.add(FuseProtocol.INTERRUPT, "INTERRUPT", FuseProtocol.INTERRUPT_IN, this::interrupt);
        t.add(FuseProtocol.FORGET, "FORGET", FuseProtocol.FORGET_IN, r -> forgets.forget(r.nodeid, r.u64(0)));
        t.add(FuseProtocol.BATCH_FORGET, "BATCH_FORGET", FuseProtocol.BATCH_FORGET_IN, r -> {
            int count = r.u32(0);
            int max = (r.bodyLength() - 8) / 16;
            for (int i = 0; i < Math.min(count, max); i++) {
                forgets.forget(r.u64(8 + 16 * i), r.u64(16 + 16 * i));
            }
        });
        t.add(FuseProtocol.DESTROY, "DESTROY", 0, r -> replyOk(r.unique));
    }

    /** Told when the kernel drops its references to an inode (FORGET). No reply is sent. */
    @FunctionalInterface
    public interface ForgetListener {
        void forget(long nodeid, long nlookup);
    }

    /** Starts the reader threads; onEnd runs once when the last one exits (the fd is then closed). */
    public synchronized void start(int readerCount, Runnable onEnd) {
        this.onEnd = onEnd;
        readers = new Thread[readerCount];
        running.set(readerCount);
        for (int i = 0; i < readerCount; i++) {
            Thread t = new Thread(this::readLoop, threadName + (readerCount > 1 ? "-" + i : ""));
            t.setDaemon(true);
            readers[i] = t;
            t.start();
        }
    }

    /** True while a reader thread is running. */
    public boolean isRunning() {
        return running.get() > 0;
    }

    /** Waits up to millis for the readers to exit (after an unmount); true if they did. */
    public boolean awaitReaders(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        for (Thread t : readers) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return !isRunning();
            }
            try {
                t.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !isRunning();
    }

    /**
     * Stops serving: pending requests are answered with the errno, requests
     * still arriving get it too. Readers exit when the kernel ends the
     * connection (unmount or abort).
     */
    public void stop(Errno errno) {
        stopping = true;
        for (FuseReply r : pending.values()) {
            r.error(errno);
        }
    }

    private void readLoop() {
        FuseRequest req = new FuseRequest(this, takeBuffer());
        try {
            while (true) {
                int n;
                try {
                    n = (int) Libc.read(fd, req.buffer.address, FuseProtocol.REQUEST_BUFFER);
                } catch (LastErrorException e) {
                    int errno = e.getErrorCode();
                    if (errno == Libc.EINTR || errno == Libc.EAGAIN || errno == Libc.ENOENT) {
                        continue;
                    }
                    return; // ENODEV: unmounted; anything else: the connection is gone
                }
                if (n == 0) {
                    return; // end of file: the peer is gone
                }
                if (n < FuseProtocol.IN_HEADER) {
                    continue;
                }
                req.decodeHeader(n);
                dispatch(req);
            }
        } finally {
            if (running.decrementAndGet() == 0) {
                fdLock.writeLock().lock();
                try {
                    fdClosed = true;
                    Libc.close(fd);
                } catch (LastErrorException ignored) {
                    // already closed
                } finally {
                    fdLock.writeLock().unlock();
                }
                Runnable end = onEnd;
                if (end != null) {
                    end.run();
                }
            }
        }
    }

    private void dispatch(FuseRequest req) {
        OpTable.Op op = table.get(req.opcode);
        if (op == null) {
            replyError(req.unique, Errno.ENOSYS.number());
            return;
        }
        if (stopping
                && req.opcode != FuseProtocol.FORGET
                && req.opcode != FuseProtocol.BATCH_FORGET
                && req.opcode != FuseProtocol.INTERRUPT
                && req.opcode != FuseProtocol.DESTROY) {
            replyError(req.unique, Errno.ENODEV.number());
            return;
        }
        if (req.bodyLength() < op.minBody()) {
            replyError(req.unique, Errno.EINVAL.number());
            return;
        }
        try {
            op.handler().handle(req);
        } catch (RuntimeException e) {
            System.err.println("fusd: FUSE " + op.name() + " handler failed: " + e);
            replyError(req.unique, Errno.EIO.number());
        }
    }

    // ---- pending requests and interrupts ----

    /** Makes an unanswered request findable by INTERRUPT; lends the request buffer if asked. */
    void register(FuseReply reply) {
        Long key = reply.unique;
        pending.put(key, reply);
        if (reply.isDone()) {
            pending.remove(key, reply);
        }
    }

    void unregister(FuseReply reply) {
        if (reply.registered) {
            pending.remove(reply.unique, reply);
        }
    }

    private void interrupt(FuseRequest req) {
        long target = req.u64(0);
        FuseReply r = pending.get(target);
        if (r == null) {
            // Not registered yet (or already answered): ask the kernel to queue it again.
            replyError(req.unique, Errno.EAGAIN.number());
            return;
        }
        r.interrupt();
    }

    /** How many requests wait for a deferred reply (for tests and diagnostics). */
    public int pendingCount() {
        return pending.size();
    }

    // ---- request buffers lent to deferred replies ----

    FuseRequest.Buffer takeBuffer() {
        FuseRequest.Buffer b = spare.poll();
        if (b != null) {
            spareCount.decrementAndGet();
            return b;
        }
        return new FuseRequest.Buffer(FuseProtocol.REQUEST_BUFFER);
    }

    void giveBack(FuseRequest.Buffer b) {
        if (spareCount.incrementAndGet() <= POOLED_BUFFERS) {
            spare.offer(b);
        } else {
            spareCount.decrementAndGet();
        }
    }

    // ---- replies ----

    /** The calling thread's reply buffer, body positioned after the out header. */
    public ReplyBuffer replyBuffer(int bodySize) {
        ReplyBuffer rb = replyBuffers.get();
        rb.ensure(FuseProtocol.OUT_HEADER + bodySize);
        return rb;
    }

    /** Sends header + bodySize bytes already put in rb's body. */
    public void send(ReplyBuffer rb, long unique, int error, int bodySize) {
        ByteBuffer b = rb.bytes;
        int len = FuseProtocol.OUT_HEADER + bodySize;
        b.putInt(0, len);
        b.putInt(4, error);
        b.putLong(8, unique);
        writeFully(rb.address, len);
    }

    /** Sends fixed fields already in rb's body followed by a payload (copied or gathered). */
    public void send(ReplyBuffer rb, long unique, int fixedSize, ByteBuffer payload, int payloadLen) {
        int len = FuseProtocol.OUT_HEADER + fixedSize + payloadLen;
        ByteBuffer b = rb.bytes;
        b.putInt(0, len);
        b.putInt(4, 0);
        b.putLong(8, unique);
        if (payloadLen == 0) {
            writeFully(rb.address, len - payloadLen);
        } else if (payload.isDirect() && payloadLen >= 4096) {
            long iov = rb.iov;
            ByteBuffer io = rb.iovView;
            io.putLong(0, rb.address);
            io.putLong(8, FuseProtocol.OUT_HEADER + fixedSize);
            io.putLong(16, Libc.address(payload) + payload.position());
            io.putLong(24, payloadLen);
            fdLock.readLock().lock();
            try {
                if (!fdClosed) {
                    Libc.writev(fd, iov, 2);
                }
            } catch (LastErrorException e) {
                // The request is gone (interrupted) or the connection ended: nobody waits.
            } finally {
                fdLock.readLock().unlock();
            }
        } else {
            rb.ensure(len);
            rb.bytes.put(FuseProtocol.OUT_HEADER + fixedSize, payload, payload.position(), payloadLen);
            writeFully(rb.address, len);
        }
    }

    public void replyOk(long unique) {
        send(replyBuffer(0), unique, 0, 0);
    }

    /** Answers with -errno (errno positive). */
    public void replyError(long unique, int errno) {
        send(replyBuffer(0), unique, -errno, 0);
    }

    /** FUSE_NOTIFY_POLL: the file with kernel handle kh may have new events. */
    public void notifyPoll(long kh) {
        ReplyBuffer rb = replyBuffer(8);
        rb.bytes.putLong(FuseProtocol.OUT_HEADER, kh);
        send(rb, 0, FuseProtocol.NOTIFY_POLL, 8);
    }

    /** FUSE_NOTIFY_INVAL_ENTRY: drop the kernel's cached lookup of parent/name. */
    public void notifyInvalEntry(long parent, String name) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        ReplyBuffer rb = replyBuffer(16 + raw.length + 1);
        ByteBuffer b = rb.bytes;
        b.putLong(FuseProtocol.OUT_HEADER, parent);
        b.putInt(FuseProtocol.OUT_HEADER + 8, raw.length);
        b.putInt(FuseProtocol.OUT_HEADER + 12, 0);
        b.put(FuseProtocol.OUT_HEADER + 16, raw);
        b.put(FuseProtocol.OUT_HEADER + 16 + raw.length, (byte) 0);
        send(rb, 0, FuseProtocol.NOTIFY_INVAL_ENTRY, 16 + raw.length + 1);
    }

    /** One write(2); nothing once the fd is closed. */
    private void writeFully(long address, int len) {
        fdLock.readLock().lock();
        try {
            if (!fdClosed) {
                Libc.write(fd, address, len);
            }
        } catch (LastErrorException e) {
            // ENOENT: the request was interrupted and already answered; ENODEV: unmounted.
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** A thread's reply memory: grows to the largest reply it sent. */
    public static final class ReplyBuffer {
        ByteBuffer bytes;
        long address;
        final ByteBuffer iovView = ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN);
        final long iov = Libc.address(iovView);

        ReplyBuffer() {
            allocate(64 * 1024 + FuseProtocol.OUT_HEADER + 64);
        }

        private void allocate(int capacity) {
            bytes = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
            address = Libc.address(bytes);
        }

        void ensure(int size) {
            if (size > bytes.capacity()) {
                ByteBuffer old = bytes;
                allocate(Math.max(size, old.capacity() * 2));
                bytes.put(0, old, 0, old.capacity());
            }
        }

        /** The buffer to put body fields into, at offsets from {@link FuseProtocol#OUT_HEADER}. */
        public ByteBuffer bytes() {
            return bytes;
        }
    }
}
