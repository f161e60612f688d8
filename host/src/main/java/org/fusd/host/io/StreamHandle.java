package org.fusd.host.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.graalvm.polyglot.Value;

/**
 * A byte stream: a TCP or unix connection, a device, a serial port. The host
 * reads ahead into a buffer of {@link #CAPACITY} bytes (and stops reading
 * while it is full, so a fast sender is held back by the transport), which
 * is what {@code readable} and {@code available} report: a driver's poll can
 * answer from them without waiting. Writes queue and go out in order;
 * {@code writable} is false while more than {@link #CAPACITY} bytes wait, so a
 * driver can answer EAGAIN to a non-blocking writer.
 */
public final class StreamHandle extends ApiObject implements Closeable {
    /** Bytes read ahead at most, and bytes queued for writing before writable turns false. */
    public static final int CAPACITY = 64 * 1024;

    private final IoSession session;
    private final Pipe pipe;
    private final String what;
    private final Serial writer = new Serial();
    private final ByteBuffer inbox = ByteBuffer.allocate(CAPACITY); // write mode; guarded by this
    private final ArrayDeque<PendingRead> reads = new ArrayDeque<>(); // guarded by this
    private boolean eof; // guarded by this
    private IoError failure; // guarded by this
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
    private volatile Value ondata;

    private record PendingRead(int max, Value callback) {}

    private StreamHandle(IoSession session, Pipe pipe, String what) {
        this.session = session;
        this.pipe = pipe;
        this.what = what;
        member("read", this::read);
        member("write", this::write);
        member("available", a -> available());
        member("readable", a -> readable());
        member("writable", a -> writable());
        member("ended", a -> ended());
        member("close", a -> {
            close();
            return null;
        });
        member("ondata", a -> {
            ondata(a.length > 0 ? a[0] : null);
            return null;
        });
    }

    static StreamHandle start(IoSession session, Pipe pipe, String what) {
        StreamHandle h = session.own(new StreamHandle(session, pipe, what));
        Runnable pump = h::pump;
        if (pipe.needsPlatformThread()) {
            Thread.ofPlatform().daemon().name("fusd-io-" + what).start(pump);
        } else {
            Thread.ofVirtual().name("fusd-io-" + what).start(pump);
        }
        return h;
    }

    private void pump() {
        ByteBuffer chunk = ByteBuffer.allocate(CAPACITY);
        try {
            while (!closed) {
                synchronized (this) {
                    while (!inbox.hasRemaining() && !closed) {
                        wait();
                    }
                    chunk.clear().limit(inbox.remaining());
                }
                int n = pipe.read(chunk);
                synchronized (this) {
                    if (n < 0) {
                        eof = true;
                    } else {
                        inbox.put(chunk.flip());
                    }
                    satisfy();
                }
                if (n < 0) {
                    break;
                }
                Value cb = ondata;
                if (cb != null) {
                    session.deliver(cb, null, null);
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                failure = closed ? IoError.closed() : IoError.of(e);
                satisfy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Value cb = ondata;
        if (cb != null && !closed) {
            session.deliver(cb, null, null); // the end, or a failure: readable turns true
        }
    }

    /** Answers the reads that can be answered now. */
    private void satisfy() {
        while (!reads.isEmpty()) {
            PendingRead r = reads.peek();
            if (inbox.position() > 0) {
                inbox.flip();
                byte[] b = new byte[Math.min(r.max, inbox.remaining())];
                inbox.get(b).compact();
                reads.poll();
                session.deliver(r.callback, null, b);
                notifyAll(); // room again: the pump may read on
            } else if (failure != null) {
                reads.poll();
                session.deliver(r.callback, failure, null);
            } else if (eof) {
                reads.poll();
                session.deliver(r.callback, null, new byte[0]);
            } else {
                return;
            }
        }
    }

    /** read(size = 65536) → bytes: what has arrived, up to size, once something has; empty at the end. */
    public Object read(Value... all) {
        IoSession.Args a = new IoSession.Args(what + ": read", all);
        int max = (int) Math.min(CAPACITY, Math.max(1, a.number(0, CAPACITY)));
        return session.await(a, cb -> {
            synchronized (this) {
                if (closed) {
                    session.deliver(cb, IoError.closed(), null);
                    return;
                }
                reads.add(new PendingRead(max, cb));
                satisfy();
            }
        });
    }

    /** write(data) → bytes written, once all are out; an error (EIO) if the other end is gone. */
    public Object write(Value... all) {
        IoSession.Args a = new IoSession.Args(what + ": write", all);
        byte[] data = FileHandle.bytes(session, a, 0);
        queued.addAndGet(data.length);
        return session.start(a, writer, () -> {
            try {
                if (closed) {
                    throw new java.nio.channels.ClosedChannelException();
                }
                pipe.write(ByteBuffer.wrap(data));
                return data.length;
            } finally {
                queued.addAndGet(-data.length);
            }
        });
    }

    /** Bytes read ahead, not yet taken by read(). */
    public synchronized int available() {
        return inbox.position();
    }

    /** True if a read would answer at once: bytes are there, or the end, or an error. */
    public synchronized boolean readable() {
        return inbox.position() > 0 || eof || failure != null || closed;
    }

    /** True while fewer than 64 KiB wait to be written and the stream is open. */
    public boolean writable() {
        return !closed && queued.get() < CAPACITY;
    }

    /** True once the other end has finished sending and every byte was read. */
    public synchronized boolean ended() {
        return eof && inbox.position() == 0;
    }

    /**
     * ondata(fn): fn() is called on the device thread each time bytes arrive
     * and at the end (then a poll can tell its waiters: device.notify()); null stops it.
     */
    public void ondata(Value fn) {
        ondata = fn == null || fn.isNull() ? null : fn;
    }

    /** Closes the stream now; reads waiting fail with EBADF. */
    @Override
    public void close() {
        closed = true;
        session.forget(this);
        IoSession.closeQuietly(pipe);
        synchronized (this) {
            failure = IoError.closed();
            satisfy();
            notifyAll();
        }
    }

    @Override
    public String toString() {
        return what;
    }
}
