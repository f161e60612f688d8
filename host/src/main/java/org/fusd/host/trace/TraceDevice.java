package org.fusd.host.trace;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.Errno;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.Reply;

/**
 * {@code --trace}: a Device that prints one line per call when it is answered:
 * device, operation, caller pid, arguments in brief, result or errno, latency
 * in µs. A decorator, so tracing costs nothing unless the device is wrapped.
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
    public void open(OpenFile file, Reply reply) {
        inner.open(file, wrap(reply, file, "open", "flags=0" + Integer.toOctalString(file.flags())));
    }

    @Override
    public void read(OpenFile file, int size, long offset, Reply reply) {
        inner.read(file, size, offset, wrap(reply, file, "read", "size=" + size + " off=" + offset));
    }

    @Override
    public void write(OpenFile file, ByteBuffer data, long offset, Reply reply) {
        inner.write(
                file,
                data,
                offset,
                wrap(reply, file, "write", "len=" + data.remaining() + " off=" + offset + " " + preview(data)));
    }

    @Override
    public void ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, Reply reply) {
        inner.ioctl(
                file,
                cmd,
                arg,
                in,
                outSize,
                wrap(
                        reply,
                        file,
                        "ioctl",
                        String.format(
                                "cmd=0x%08x arg=0x%x in=%d out=%d",
                                cmd, arg, in == null ? 0 : in.remaining(), outSize)));
    }

    @Override
    public void ioctl(
            OpenFile file,
            int cmd,
            long arg,
            ByteBuffer in,
            int outSize,
            org.fusd.host.device.IoctlMemory memory,
            Reply reply) {
        // A retry (more caller memory asked for) goes to the channel directly and is not traced.
        inner.ioctl(
                file,
                cmd,
                arg,
                in,
                outSize,
                memory,
                wrap(
                        reply,
                        file,
                        "ioctl",
                        String.format(
                                "cmd=0x%08x arg=0x%x in=%d out=%d",
                                cmd, arg, in == null ? 0 : in.remaining(), outSize)));
    }

    @Override
    public boolean pollVaries() {
        return inner.pollVaries();
    }

    @Override
    public void poll(OpenFile file, Reply reply) {
        inner.poll(file, wrap(reply, file, "poll", ""));
    }

    @Override
    public void flush(OpenFile file, Reply reply) {
        inner.flush(file, wrap(reply, file, "flush", ""));
    }

    @Override
    public void release(OpenFile file, Reply reply) {
        inner.release(file, wrap(reply, file, "release", ""));
    }

    private Reply wrap(Reply reply, OpenFile file, String op, String args) {
        return new TracedReply(reply, file, op, args);
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

    /** Prints the line when the call completes. */
    private final class TracedReply implements Reply {
        private final Reply inner;
        private final OpenFile file;
        private final String op;
        private final String args;
        private final long start = System.nanoTime();

        TracedReply(Reply inner, OpenFile file, String op, String args) {
            this.inner = inner;
            this.file = file;
            this.op = op;
            this.args = args;
        }

        private void line(String result) {
            if (inner.isDone()) {
                return;
            }
            long us = (System.nanoTime() - start) / 1000;
            out.println("trace " + name() + " " + op + " pid=" + file.opener().pid()
                    + (args.isEmpty() ? "" : " " + args) + " -> " + result + " (" + us + " us)");
        }

        @Override
        public void error(Errno errno) {
            line(errno.name());
            inner.error(errno);
        }

        @Override
        public void ok() {
            line("ok");
            inner.ok();
        }

        @Override
        public void data(ByteBuffer bytes) {
            line(bytes.remaining() + " bytes");
            inner.data(bytes);
        }

        @Override
        public void count(int n) {
            line(op.equals("poll") ? "mask=0x" + Integer.toHexString(n) : String.valueOf(n));
            inner.count(n);
        }

        @Override
        public void ioctl(int result, ByteBuffer out) {
            line(result + (out == null ? "" : " +" + out.remaining() + " bytes"));
            inner.ioctl(result, out);
        }

        @Override
        public void onInterrupt(Runnable action) {
            inner.onInterrupt(() -> {
                long us = (System.nanoTime() - start) / 1000;
                out.println("trace " + name() + " " + op + " pid="
                        + file.opener().pid() + (args.isEmpty() ? "" : " " + args) + " -> interrupted (" + us + " us)");
                action.run();
            });
        }

        @Override
        public boolean isDone() {
            return inner.isDone();
        }
    }
}
