package org.fusd.host.channel.fuse;

import java.nio.ByteBuffer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.Reply;

/**
 * A test device with a FIFO per open file: what a file writes, it reads back.
 * Calls are answered on the device's own thread, like the script runtime
 * does, so every reply is deferred (write data is read after the call returned).
 */
final class EchoDevice implements Device {
    private final String name;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "echo-device");
        t.setDaemon(true);
        return t;
    });

    private static final class State {
        final java.io.ByteArrayOutputStream fifo = new java.io.ByteArrayOutputStream();
        final java.util.ArrayDeque<Object[]> waiting = new java.util.ArrayDeque<>();
    }

    EchoDevice(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mode() {
        return 0666;
    }

    @Override
    public void attach(DeviceNode node) {}

    @Override
    public void open(OpenFile file, Reply reply) {
        worker.execute(() -> {
            file.setState(new State());
            reply.ok();
        });
    }

    @Override
    public void read(OpenFile file, int size, long offset, Reply reply) {
        worker.execute(() -> {
            State s = (State) file.state();
            if (s.fifo.size() > 0) {
                reply.data(take(s, size));
            } else {
                s.waiting.add(new Object[] {size, reply});
            }
        });
    }

    private static ByteBuffer take(State s, int size) {
        byte[] all = s.fifo.toByteArray();
        int n = Math.min(size, all.length);
        s.fifo.reset();
        s.fifo.write(all, n, all.length - n);
        return ByteBuffer.wrap(all, 0, n);
    }

    @Override
    public void write(OpenFile file, ByteBuffer data, long offset, Reply reply) {
        worker.execute(() -> {
            State s = (State) file.state();
            int n = data.remaining();
            byte[] b = new byte[n];
            data.get(b);
            s.fifo.write(b, 0, n);
            while (s.fifo.size() > 0 && !s.waiting.isEmpty()) {
                Object[] w = s.waiting.poll();
                ((Reply) w[1]).data(take(s, (Integer) w[0]));
            }
            reply.count(n);
        });
    }

    @Override
    public void ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, Reply reply) {
        reply.ioctl(0, null);
    }

    @Override
    public void poll(OpenFile file, Reply reply) {
        reply.count(4);
    }

    @Override
    public void flush(OpenFile file, Reply reply) {
        worker.execute(reply::ok);
    }

    @Override
    public void release(OpenFile file, Reply reply) {
        worker.execute(reply::ok);
    }
}
