package org.fusd.host.channel.fuse;

import java.nio.ByteBuffer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.WriteReply;

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
    public void open(Call.Open call, OpenReply reply) {
        OpenFile file = call.file();
        worker.execute(() -> {
            file.setState(new State());
            reply.ok();
        });
    }

    @Override
    public void read(Call.Read call, ReadReply reply) {
        OpenFile file = call.file();
        int size = call.size();
        worker.execute(() -> {
            State s = (State) file.state();
            if (s.fifo.size() > 0) {
                reply.bytes(take(s, size));
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
    public void write(Call.Write call, WriteReply reply) {
        OpenFile file = call.file();
        ByteBuffer data = call.data();
        worker.execute(() -> {
            State s = (State) file.state();
            int n = data.remaining();
            byte[] b = new byte[n];
            data.get(b);
            s.fifo.write(b, 0, n);
            while (s.fifo.size() > 0 && !s.waiting.isEmpty()) {
                Object[] w = s.waiting.poll();
                ((ReadReply) w[1]).bytes(take(s, (Integer) w[0]));
            }
            reply.count(n);
        });
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        reply.result(0, null);
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        reply.mask(4);
    }

    @Override
    public void flush(Call.Flush call, DoneReply reply) {
        worker.execute(reply::ok);
    }

    @Override
    public void release(Call.Release call, DoneReply reply) {
        worker.execute(reply::ok);
    }
}
