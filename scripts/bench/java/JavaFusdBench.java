package org.fusd.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollEvents;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.WriteReply;

/**
 * java_fusd of the VM bench (scripts/vmtest.d/bench): the benchmark device
 * (a read returns the bytes asked for, all 'x'; a write takes everything) in
 * Java on the host's own Device API, served by the fusd channel with no
 * script engine, so that the channel's cost is told apart from the engine's
 * (js_fusd). One ioctl, MEMREAD (_IOW('B', 3, 16): struct {u64 buf; u32 len;
 * u32 pad}), reads len bytes of the caller's memory through the channel's
 * direct caller memory (FUSD_MEM_READ) and returns len: the `mem` measure.
 *
 * usage: java -cp CLASSES:fusd-host.jar:lib/* org.fusd.bench.JavaFusdBench NAME
 * Prints "fusd: serving NAME at /dev/NAME" and serves until killed.
 */
final class JavaFusdBench implements Device {
    private static final int MAX_IO = 1 << 20;
    private static final ByteBuffer PATTERN = pattern();
    static final int MEMREAD = (1 << 30) | (16 << 16) | ('B' << 8) | 3;

    private final String name;

    JavaFusdBench(String name) {
        this.name = name;
    }

    private static ByteBuffer pattern() {
        ByteBuffer b = ByteBuffer.allocateDirect(MAX_IO);
        while (b.hasRemaining()) {
            b.put((byte) 'x');
        }
        return b.flip().asReadOnlyBuffer();
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
        reply.ok();
    }

    @Override
    public void read(Call.Read call, ReadReply reply) {
        reply.bytes(PATTERN.duplicate().limit(Math.min(call.size(), MAX_IO)));
    }

    @Override
    public void write(Call.Write call, WriteReply reply) {
        reply.count(call.data().remaining());
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        if (call.cmd() != MEMREAD || call.memory() == null || !call.memory().direct()) {
            reply.error(Errno.ENOTTY);
            return;
        }
        ByteBuffer in = call.in().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long buf = in.getLong(in.position());
        int len = in.getInt(in.position() + 8);
        byte[] b = call.memory().readNow(buf, len);
        reply.result(b.length, null);
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        reply.mask(PollEvents.POLLIN | PollEvents.POLLOUT);
    }

    @Override
    public boolean pollVaries() {
        return false;
    }

    @Override
    public boolean hasFlush() {
        return false;
    }

    @Override
    public void flush(Call.Flush call, DoneReply reply) {
        reply.ok();
    }

    @Override
    public void release(Call.Release call, DoneReply reply) {
        reply.ok();
    }

    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "jfbench";
        FusdChannel channel = FusdChannel.open();
        Runtime.getRuntime().addShutdownHook(new Thread(channel::close));
        JavaFusdBench device = new JavaFusdBench(name);
        channel.add(device);
        System.out.println("fusd: serving " + name + " at " + channel.pathOf(name));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
