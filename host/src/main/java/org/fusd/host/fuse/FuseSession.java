package org.fusd.host.fuse;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Reply;
import org.fusd.host.sys.BufferPool;
import org.fusd.host.sys.Libc;
import org.fusd.host.sys.OutBuffer;
import org.fusd.host.sys.ReaderPool;
import org.fusd.host.sys.ThreadKick;

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
    /** Tests on a kernel with FUSE_NOTIFY_RESEND: act as on one without it (the VM's 6.1 has none). */
    private static final boolean AS_BEFORE_RESEND = Boolean.getBoolean("fusd.test.noResend");
    /** Readers at most, counting the ones stuck in slow calls. */
    private static final int MAX_READERS = 64;

    private final int fd;
    private final OpTable table;
    private final String threadName;
    private final ConcurrentHashMap<Long, Reply> pending = new ConcurrentHashMap<>();
    private final FuseEncoder encoder = new FuseEncoder(this);
    private final BufferPool<FuseRequest.Buffer> buffers =
            new BufferPool<>(POOLED_BUFFERS, () -> new FuseRequest.Buffer(FuseProtocol.REQUEST_BUFFER));
    private final ThreadLocal<ReplyBuffer> replyBuffers = ThreadLocal.withInitial(ReplyBuffer::new);
    private volatile boolean stopping;
    /** Writers hold the read lock; the last reader takes the write lock to close the fd (its number may be reused). */
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();

    private boolean fdClosed; // under fdLock
    private volatile Runnable onEnd;
    private volatile ReaderPool readers;
    /** Reading stops for a takeover: readers leave without reading, and the fd stays open. */
    private volatile boolean paused;

    private final java.util.Set<Reader> liveReaders = ConcurrentHashMap.newKeySet();

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
        t.add(
                FuseProtocol.FORGET,
                "FORGET",
                FuseProtocol.FORGET_IN,
                r -> forgets.forget(r.nodeid, r.u64(FuseProtocol.FORGET_IN_NLOOKUP)));
        t.add(FuseProtocol.BATCH_FORGET, "BATCH_FORGET", FuseProtocol.BATCH_FORGET_IN, r -> {
            int count = r.u32(FuseProtocol.BATCH_FORGET_IN_COUNT);
            int max = (r.bodyLength() - FuseProtocol.BATCH_FORGET_IN) / FuseProtocol.FORGET_ONE;
            for (int i = 0; i < Math.min(count, max); i++) {
                int one = FuseProtocol.BATCH_FORGET_IN + FuseProtocol.FORGET_ONE * i;
                forgets.forget(
                        r.u64(one + FuseProtocol.FORGET_ONE_NODEID), r.u64(one + FuseProtocol.FORGET_ONE_NLOOKUP));
            }
        });
        t.add(FuseProtocol.DESTROY, "DESTROY", 0, r -> replyOk(r.unique));
    }

    /** Told when the kernel drops its references to an inode (FORGET). No reply is sent. */
    @FunctionalInterface
    public interface ForgetListener {
        void forget(long nodeid, long nlookup);
    }

    /**
     * Starts readerCount reader threads (more start while every one is busy
     * with a slow call: {@link ReaderPool}); onEnd runs once when the last one
     * exits (the fd is then closed).
     */
    public synchronized void start(int readerCount, Runnable onEnd) {
        this.onEnd = onEnd;
        readers = new ReaderPool(threadName, readerCount, MAX_READERS, Reader::new, this::ended);
        readers.start();
    }

    /** True while a reader thread is running. */
    public boolean isRunning() {
        ReaderPool r = readers;
        return r != null && r.isRunning();
    }

    /** Reader threads alive now (tests). */
    public int readerThreads() {
        ReaderPool r = readers;
        return r == null ? 0 : r.threads();
    }

    /** Waits up to millis for the readers to exit (after an unmount); true if they did. */
    public boolean awaitReaders(long millis) {
        ReaderPool r = readers;
        return r == null || r.await(millis);
    }

    /**
     * Stops serving: pending requests are answered with the errno, requests
     * still arriving get it too. Readers exit when the kernel ends the
     * connection (unmount or abort).
     */
    public void stop(Errno errno) {
        stopping = true;
        for (Reply r : pending.values()) {
            r.error(errno);
        }
    }

    /**
     * Stops reading requests, for a takeover: every reader leaves once the
     * request it handles (if any) is handled, and one blocked in read(2) is
     * woken without reading ({@link ThreadKick}). The fd stays open. True
     * once no reader is left; false if one is still busy after millis (then
     * call {@link #resumeReading}).
     */
    public boolean pauseReading(long millis) {
        paused = true;
        ReaderPool r = readers;
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (r != null && !r.await(2)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            for (Reader reader : liveReaders) {
                if (reader.inRead) {
                    ThreadKick.kick(reader.thread);
                }
            }
        }
        return true;
    }

    /** Reads again after {@link #pauseReading} (the takeover did not happen). */
    public synchronized void resumeReading(int readerCount) {
        ReaderPool r = readers;
        if (r != null) {
            r.await(5000);
        }
        paused = false;
        readers = new ReaderPool(threadName, readerCount, MAX_READERS, Reader::new, this::ended);
        readers.start();
    }

    /** One reader thread's request and its buffer. */
    private final class Reader implements ReaderPool.Reader {
        private final FuseRequest req = new FuseRequest(FuseSession.this, takeBuffer());
        /** This reader's thread, and whether it is in read(2) now: what a pause wakes. */
        volatile long thread;

        volatile boolean inRead;

        Reader() {
            liveReaders.add(this);
        }

        @Override
        public boolean next() {
            if (thread == 0) {
                thread = ThreadKick.self();
            }
            while (true) {
                int n;
                if (paused) {
                    return false;
                }
                inRead = true;
                try {
                    n = (int) Libc.read(fd, req.buffer.address, FuseProtocol.REQUEST_BUFFER);
                } catch (LastErrorException e) {
                    int errno = e.getErrorCode();
                    if (errno == Errno.EINTR.number()
                            || errno == Errno.EAGAIN.number()
                            || errno == Errno.ENOENT.number()) {
                        continue;
                    }
                    return false; // ENODEV: unmounted; anything else: the connection is gone
                } finally {
                    inRead = false;
                }
                if (n == 0) {
                    return false; // end of file: the peer is gone
                }
                if (n >= FuseProtocol.IN_HEADER) {
                    req.decodeHeader(n);
                    return true;
                }
            }
        }

        @Override
        public void handle() {
            dispatch(req);
        }

        @Override
        public void close() {
            liveReaders.remove(this);
            giveBack(req.buffer);
        }
    }

    /** The last reader left: the connection is over. */
    private void ended() {
        if (paused) {
            return; // a takeover: the connection goes on, in this host or the next
        }
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

    private void dispatch(FuseRequest req) {
        ReadLog log = readLog;
        if (log != null
                && req.opcode != FuseProtocol.FORGET
                && req.opcode != FuseProtocol.BATCH_FORGET
                && req.opcode != FuseProtocol.INTERRUPT) {
            log.read(req.unique); // before anything can answer it
        }
        if (orphansInterruptible && req.opcode != FuseProtocol.INTERRUPT) {
            lowestRead.accumulateAndGet(req.unique, Math::min);
        }
        OpTable.Row op = table.get(req.opcode);
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
        } catch (OutOfMemoryError e) {
            replyError(req.unique, Errno.ENOMEM.number()); // the caller must get an answer
        }
    }

    // ---- pending requests and interrupts ----

    /**
     * After a crash on a kernel without FUSE_NOTIFY_RESEND: the requests the
     * dead host had read stay in the kernel's processing list, and their
     * callers wait (not even SIGKILL ends the wait) until someone answers.
     * When such a caller is signalled, its INTERRUPT names a unique this
     * host never read: one below every unique it has read (the kernel
     * numbers requests as it queues them, and the dead host read the oldest).
     * That request is answered EINTR. Set once notifyResend is refused.
     */
    private volatile boolean orphansInterruptible;

    /** Told of every request read and every answer written (fusd-keeper's journal); null: nobody. */
    private volatile ReadLog readLog;

    /** Tells log of each request read and each answer from now on (a host under fusd-keeper). */
    public void logReadsTo(ReadLog log) {
        readLog = log;
    }

    /** From now on, the dead host's requests are answered EINTR when interrupted (see orphansInterruptible). */
    public void answerOrphanInterrupts() {
        orphansInterruptible = true;
    }

    private final java.util.concurrent.atomic.AtomicLong lowestRead =
            new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);

    /** The encoder of this session's answers. */
    FuseEncoder encoder() {
        return encoder;
    }

    /** Makes an unanswered request findable by INTERRUPT. */
    void register(Reply reply) {
        Long key = reply.id();
        pending.put(key, reply);
        if (reply.isDone()) {
            pending.remove(key, reply);
        }
    }

    void unregister(Reply reply) {
        pending.remove(reply.id(), reply);
    }

    private void interrupt(FuseRequest req) {
        long target = req.u64(FuseProtocol.INTERRUPT_IN_UNIQUE);
        Reply r = pending.get(target);
        if (r == null && orphansInterruptible && target < lowestRead.get()) {
            // Read by the host that crashed (its unique is below any this host read): nobody else will answer.
            replyError(target, Errno.EINTR.number());
            return;
        }
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
        return buffers.take();
    }

    void giveBack(FuseRequest.Buffer b) {
        buffers.giveBack(b);
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
        ByteBuffer b = rb.bytes();
        int len = FuseProtocol.OUT_HEADER + bodySize;
        b.putInt(FuseProtocol.OUT_HEADER_LEN, len);
        b.putInt(FuseProtocol.OUT_HEADER_ERROR, error);
        b.putLong(FuseProtocol.OUT_HEADER_UNIQUE, unique);
        writeMessage(rb.address(), len);
        answered(unique);
    }

    /** Sends fixed fields already in rb's body followed by a payload (copied or gathered). */
    public void send(ReplyBuffer rb, long unique, int fixedSize, ByteBuffer payload, int payloadLen) {
        int len = FuseProtocol.OUT_HEADER + fixedSize + payloadLen;
        ByteBuffer b = rb.bytes();
        b.putInt(FuseProtocol.OUT_HEADER_LEN, len);
        b.putInt(FuseProtocol.OUT_HEADER_ERROR, 0);
        b.putLong(FuseProtocol.OUT_HEADER_UNIQUE, unique);
        if (payloadLen == 0) {
            writeMessage(rb.address(), len - payloadLen);
        } else if (payload.isDirect() && payloadLen >= 4096) {
            long iov = rb.iov;
            ByteBuffer io = rb.iovView;
            io.putLong(0, rb.address()); // struct iovec[2]: base, len
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
            rb.bytes().put(FuseProtocol.OUT_HEADER + fixedSize, payload, payload.position(), payloadLen);
            writeMessage(rb.address(), len);
        }
        answered(unique);
    }

    /** After an answer's write: out of the journal (a crash before this leaves it there: harmless). */
    private void answered(long unique) {
        ReadLog log = readLog;
        if (log != null && unique != 0) {
            log.answered(unique);
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
        ReplyBuffer rb = replyBuffer(FuseProtocol.NOTIFY_POLL_WAKEUP_OUT);
        rb.bytes().putLong(FuseProtocol.OUT_HEADER + FuseProtocol.NOTIFY_POLL_WAKEUP_OUT_KH, kh);
        send(rb, 0, FuseProtocol.NOTIFY_POLL, FuseProtocol.NOTIFY_POLL_WAKEUP_OUT);
    }

    /** FUSE_NOTIFY_INVAL_ENTRY: drop the kernel's cached lookup of parent/name. */
    public void notifyInvalEntry(long parent, String name) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        int size = FuseProtocol.NOTIFY_INVAL_ENTRY_OUT + raw.length + 1; // the name follows, NUL-terminated
        ReplyBuffer rb = replyBuffer(size);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        b.putLong(o + FuseProtocol.NOTIFY_INVAL_ENTRY_OUT_PARENT, parent);
        b.putInt(o + FuseProtocol.NOTIFY_INVAL_ENTRY_OUT_NAMELEN, raw.length);
        b.putInt(o + FuseProtocol.NOTIFY_INVAL_ENTRY_OUT_FLAGS, 0);
        b.put(o + FuseProtocol.NOTIFY_INVAL_ENTRY_OUT, raw);
        b.put(o + FuseProtocol.NOTIFY_INVAL_ENTRY_OUT + raw.length, (byte) 0);
        send(rb, 0, FuseProtocol.NOTIFY_INVAL_ENTRY, size);
    }

    /**
     * FUSE_NOTIFY_RESEND (kernel >= 6.9): the kernel queues again every
     * request a reader of this connection had read and not answered, with bit
     * 63 of its unique set, so a host started after a crash reads what the
     * dead one had taken. False (and why on stderr) if the kernel refuses it.
     */
    public boolean notifyResend() {
        if (AS_BEFORE_RESEND) {
            System.err.println("fusd: FUSE_NOTIFY_RESEND not sent (-Dfusd.test.noResend: as on Linux before 6.9)");
            answerOrphanInterrupts();
            return false;
        }
        ReplyBuffer rb = replyBuffer(0);
        ByteBuffer b = rb.bytes();
        b.putInt(FuseProtocol.OUT_HEADER_LEN, FuseProtocol.OUT_HEADER);
        b.putInt(FuseProtocol.OUT_HEADER_ERROR, FuseProtocol.NOTIFY_RESEND);
        b.putLong(FuseProtocol.OUT_HEADER_UNIQUE, 0);
        try {
            Libc.write(fd, rb.address(), FuseProtocol.OUT_HEADER);
            return true;
        } catch (LastErrorException e) {
            System.err.println("fusd: the kernel refused FUSE_NOTIFY_RESEND (" + Errno.byNumber(e.getErrorCode())
                    + "; it needs Linux 6.9)");
            answerOrphanInterrupts();
            return false;
        }
    }

    /** One write(2); nothing once the fd is closed. */
    private void writeMessage(long address, int len) {
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

    /**
     * A thread's reply memory; body fields go at offsets from {@link FuseProtocol#OUT_HEADER}.
     * The iovec pair gathers a large payload without copying it.
     */
    public static final class ReplyBuffer extends OutBuffer {
        final ByteBuffer iovView = ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN);
        final long iov = Libc.address(iovView);

        ReplyBuffer() {
            super(ByteOrder.LITTLE_ENDIAN, 64 * 1024 + FuseProtocol.OUT_HEADER + 64, Integer.MAX_VALUE);
        }
    }
}
