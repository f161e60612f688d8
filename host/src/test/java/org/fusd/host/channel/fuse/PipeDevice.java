package org.fusd.host.channel.fuse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Ioc;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollEvents;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.WriteReply;

/**
 * A test device: one FIFO shared by all opens. Reads with no data wait (a
 * deferred reply, cancelled by a signal) unless O_NONBLOCK, then EAGAIN.
 * ioctls: SET (_IOW 'p' 1 int), GET (_IOR 'p' 2 int), REVERSE (_IOWR 'p' 3 8 bytes).
 * Records what reached it so tests can check.
 */
final class PipeDevice implements Device {
    static final int SET = Ioc.cmd(Ioc.WRITE, 'p', 1, 4);
    static final int GET = Ioc.cmd(Ioc.READ, 'p', 2, 4);
    static final int REVERSE = Ioc.cmd(Ioc.READ | Ioc.WRITE, 'p', 3, 8);

    private final String name;
    private final int mode;
    private DeviceNode node;
    private final ByteArrayOutputStream fifo = new ByteArrayOutputStream();
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private int value;

    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger interrupts = new AtomicInteger();
    final AtomicInteger ioctls = new AtomicInteger();
    final AtomicInteger polls = new AtomicInteger();
    volatile int lastOpenFlags;
    volatile int lastReadFlags;

    private record Waiter(int size, ReadReply reply) {}

    PipeDevice(String name) {
        this(name, 0666);
    }

    PipeDevice(String name, int mode) {
        this.name = name;
        this.mode = mode;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mode() {
        return mode;
    }

    @Override
    public void attach(DeviceNode node) {
        this.node = node;
    }

    @Override
    public void open(Call.Open call, OpenReply reply) {
        OpenFile file = call.file();
        opens.incrementAndGet();
        lastOpenFlags = file.flags();
        reply.ok();
    }

    @Override
    public void read(Call.Read call, ReadReply reply) {
        OpenFile file = call.file();
        int size = call.size();
        lastReadFlags = file.flags();
        synchronized (this) {
            if (fifo.size() > 0) {
                reply.bytes(take(size));
                return;
            }
            if (OpenFlags.nonBlocking(file.flags())) {
                reply.error(Errno.EAGAIN);
                return;
            }
            Waiter w = new Waiter(size, reply);
            waiting.add(w);
            reply.onInterrupt(() -> {
                synchronized (this) {
                    waiting.remove(w);
                }
                interrupts.incrementAndGet();
            });
        }
    }

    /** Number of reads waiting for data. */
    synchronized int waitingReads() {
        return waiting.size();
    }

    private ByteBuffer take(int size) {
        byte[] all = fifo.toByteArray();
        int n = Math.min(size, all.length);
        fifo.reset();
        fifo.write(all, n, all.length - n);
        return ByteBuffer.wrap(all, 0, n);
    }

    /** Appends bytes as if written, wakes waiting readers and pollers. */
    void push(byte[] bytes) {
        synchronized (this) {
            fifo.write(bytes, 0, bytes.length);
            while (fifo.size() > 0 && !waiting.isEmpty()) {
                Waiter w = waiting.poll();
                if (!w.reply().isDone()) {
                    w.reply().bytes(take(w.size()));
                }
            }
        }
        node.notifyPollers();
    }

    synchronized byte[] contents() {
        return fifo.toByteArray();
    }

    private volatile byte holdPrefix;
    private final AtomicInteger held = new AtomicInteger();

    /** Writes whose first byte is this wait until interrupted (a device whose buffer is full). */
    void holdWritesStartingWith(byte prefix) {
        holdPrefix = prefix;
    }

    int heldWrites() {
        return held.get();
    }

    @Override
    public void write(Call.Write call, WriteReply reply) {
        ByteBuffer data = call.data();
        if (holdPrefix != 0 && data.hasRemaining() && data.get(data.position()) == holdPrefix) {
            held.incrementAndGet();
            reply.onInterrupt(held::decrementAndGet);
            return;
        }
        byte[] b = new byte[data.remaining()];
        data.get(b);
        push(b);
        reply.count(b.length);
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        int cmd = call.cmd();
        ByteBuffer in = call.in();
        ioctls.incrementAndGet();
        if (cmd == SET) {
            value = in.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(in.position());
            reply.result(0, null);
        } else if (cmd == GET) {
            ByteBuffer out = ByteBuffer.allocate(4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putInt(value)
                    .flip();
            reply.result(7, out);
        } else if (cmd == REVERSE) {
            byte[] b = new byte[in.remaining()];
            in.get(b);
            for (int i = 0; i < b.length / 2; i++) {
                byte t = b[i];
                b[i] = b[b.length - 1 - i];
                b[b.length - 1 - i] = t;
            }
            reply.result(b.length, ByteBuffer.wrap(b));
        } else {
            reply.error(Errno.ENOTTY);
        }
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        polls.incrementAndGet();
        int mask = PollEvents.POLLOUT | PollEvents.POLLWRNORM;
        synchronized (this) {
            if (fifo.size() > 0) {
                mask |= PollEvents.POLLIN | PollEvents.POLLRDNORM;
            }
        }
        reply.mask(mask);
    }

    @Override
    public void flush(Call.Flush call, DoneReply reply) {
        flushes.incrementAndGet();
        reply.ok();
    }

    @Override
    public void release(Call.Release call, DoneReply reply) {
        releases.incrementAndGet();
        reply.ok();
    }
}
