package org.fusd.host.trace;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.SharedMemory;
import org.fusd.host.device.WriteReply;

/**
 * {@code --trace}: a Device that prints one line per call when it is answered:
 * device, operation, caller pid, arguments in brief, result or errno, latency
 * in µs. A decorator that listens to each reply, so tracing costs nothing
 * unless the device is wrapped.
 *
 * <pre>trace hello read pid=4242 size=4096 off=0 -> 21 bytes (35 us)</pre>
 */
public final class TraceDevice implements Device {
    private final Device inner;
    private final PrintStream out;

    public TraceDevice(Device inner, PrintStream out) {
        this.inner = inner;
        this.out = out;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int mode() {
        return inner.mode();
    }

    @Override
    public int major() {
        return inner.major();
    }

    @Override
    public int minor() {
        return inner.minor();
    }

    @Override
    public void attach(DeviceNode node) {
        inner.attach(node);
    }

    @Override
    public void detach(DeviceNode node) {
        inner.detach(node);
    }

    @Override
    public boolean pollVaries() {
        return inner.pollVaries();
    }

    @Override
    public boolean reissuesAfterCrash() {
        return inner.reissuesAfterCrash();
    }

    @Override
    public void open(Call.Open call, OpenReply reply) {
        inner.open(
                call,
                traced(
                        call,
                        reply,
                        "flags=0" + Integer.toOctalString(call.file().flags())));
    }

    @Override
    public void read(Call.Read call, ReadReply reply) {
        inner.read(call, traced(call, reply, "size=" + call.size() + " off=" + call.offset()));
    }

    @Override
    public void write(Call.Write call, WriteReply reply) {
        ByteBuffer data = call.data();
        inner.write(
                call, traced(call, reply, "len=" + data.remaining() + " off=" + call.offset() + " " + preview(data)));
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        // A retry (more caller memory asked for) is traced as a result of 0: the call comes again.
        String args = String.format(
                "cmd=0x%08x arg=0x%x in=%d out=%d",
                call.cmd(), call.arg(), call.in() == null ? 0 : call.in().remaining(), call.outSize());
        inner.ioctl(call, traced(call, reply, args));
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        inner.poll(call, traced(call, reply, ""));
    }

    @Override
    public void flush(Call.Flush call, DoneReply reply) {
        inner.flush(call, traced(call, reply, ""));
    }

    @Override
    public void release(Call.Release call, DoneReply reply) {
        inner.release(call, traced(call, reply, ""));
    }

    @Override
    public boolean hasFlush() {
        return inner.hasFlush();
    }

    @Override
    public boolean seekable() {
        return inner.seekable();
    }

    @Override
    public void llseek(Call.Llseek call, SeekReply reply) {
        inner.llseek(call, traced(call, reply, "off=" + call.offset() + " whence=" + call.whence()));
    }

    @Override
    public SharedMemory sharedMemory() {
        return inner.sharedMemory();
    }

    @Override
    public void adoptSharedMemory(int fd) throws java.io.IOException {
        inner.adoptSharedMemory(fd);
    }

    @Override
    public boolean checksMmap() {
        return inner.checksMmap();
    }

    @Override
    public void mmap(Call.Mmap call, DoneReply reply) {
        inner.mmap(
                call, traced(call, reply, "off=" + call.offset() + " len=" + call.length() + " prot=" + call.prot()));
    }

    private <R extends Reply> R traced(Call call, R reply, String args) {
        long start = System.nanoTime();
        reply.listen((r, errno, value) -> {
            long us = (System.nanoTime() - start) / 1000;
            out.println("trace " + name() + " " + call.op().callback() + " pid="
                    + call.file().opener().pid() + (args.isEmpty() ? "" : " " + args) + " -> "
                    + outcome(call, errno, value) + " (" + us + " us)");
        });
        return reply;
    }

    private static String outcome(Call call, Errno errno, long value) {
        if (errno != null && errno.number() == Errno.EINTR.number()) {
            return "interrupted";
        }
        if (errno != null) {
            return errno.name();
        }
        return switch (call) {
            case Call.Read r -> value + " bytes";
            case Call.Write w -> String.valueOf(value);
            case Call.Ioctl i -> String.valueOf(value);
            case Call.Poll p -> "mask=0x" + Long.toHexString(value);
            case Call.Open o -> "ok";
            case Call.Flush f -> "ok";
            case Call.Release r -> "ok";
            case Call.Llseek s -> "pos=" + value;
            case Call.Mmap m -> "ok";
        };
    }

    private static String preview(ByteBuffer b) {
        StringBuilder s = new StringBuilder("\"");
        int n = Math.min(b.remaining(), 16);
        for (int i = 0; i < n; i++) {
            int c = b.get(b.position() + i) & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                s.append((char) c);
            } else if (c == '\n') {
                s.append("\\n");
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.append(b.remaining() > n ? "\"..." : "\"").toString();
    }
}
