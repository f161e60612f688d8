package org.fusd.bench;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.fusd.host.channel.fuse.FuseChannel;
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
 * The benchmark device (docs/benchmarks.md) written in Java on the host's own
 * Device API, served by the host's fuse channel with no script engine in the
 * process: the `java` driver of `make bench`, which separates the channel's
 * cost from the engine's. read(size) returns size bytes of 'x'; write accepts
 * everything.
 *
 * usage: java -cp BENCH_CLASSES:fusd-host.jar:lib/* org.fusd.bench.BenchDevice MOUNTDIR
 * Prints the host's ready line, "fusd: serving bench at MOUNTDIR/bench", and
 * serves until SIGTERM/SIGINT (the channel unmounts on exit).
 */
public final class BenchDevice implements Device {
    private static final int MAX_IO = 1 << 20;
    private static final ByteBuffer PATTERN = pattern();

    private static ByteBuffer pattern() {
        ByteBuffer b = ByteBuffer.allocateDirect(MAX_IO);
        while (b.hasRemaining()) {
            b.put((byte) 'x');
        }
        return b.flip().asReadOnlyBuffer();
    }

    @Override
    public String name() {
        return "bench";
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
        int size = call.size();
        // The channel copies the bytes before data() returns: one shared buffer does.
        reply.bytes(PATTERN.duplicate().limit(Math.min(size, MAX_IO)));
    }

    @Override
    public void write(Call.Write call, WriteReply reply) {
        ByteBuffer data = call.data();
        reply.count(data.remaining());
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        reply.error(Errno.ENOTTY);
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        reply.mask(PollEvents.POLLIN | PollEvents.POLLOUT);
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
        if (args.length != 1) {
            System.err.println("usage: BenchDevice MOUNTDIR");
            System.exit(2);
        }
        FuseChannel channel = FuseChannel.open(Path.of(args[0])).closeOnExit();
        BenchDevice device = new BenchDevice();
        channel.add(device);
        System.out.println("fusd: serving " + device.name() + " at " + channel.pathOf(device.name()));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
