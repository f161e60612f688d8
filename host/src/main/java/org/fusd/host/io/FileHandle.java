package org.fusd.host.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.graalvm.polyglot.Value;

/** A file opened by {@code io.open}: read, write, seek, close; its operations run in order. */
public final class FileHandle extends ApiObject implements Closeable {
    /** The most one read gives. */
    static final int MAX_READ = 1 << 20;

    private final IoSession session;
    private final FileChannel ch;
    private final Serial serial = new Serial();
    private final boolean append;

    private FileHandle(IoSession session, FileChannel ch, boolean append) {
        this.session = session;
        this.ch = ch;
        this.append = append;
        member("read", this::read);
        member("write", this::write);
        member("seek", this::seek);
        member("close", a -> {
            close();
            return null;
        });
    }

    static FileHandle open(IoSession session, Path p, String flags) throws IOException {
        Set<StandardOpenOption> o = EnumSet.noneOf(StandardOpenOption.class);
        boolean plus = flags.endsWith("+");
        switch (plus ? flags.substring(0, flags.length() - 1) : flags) {
            case "r" -> o.add(StandardOpenOption.READ);
            case "w" ->
                o.addAll(Set.of(
                        StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING));
            case "a" -> o.addAll(Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE));
            default ->
                throw new IllegalArgumentException("io.open: flags '" + flags + "' are not one of r, w, a, r+, w+, a+");
        }
        if (plus) {
            o.add(StandardOpenOption.READ);
            o.add(StandardOpenOption.WRITE);
        }
        if (o.contains(StandardOpenOption.READ)) {
            session.check(Grants.Kind.READ, p);
        }
        if (o.contains(StandardOpenOption.WRITE)) {
            session.check(Grants.Kind.WRITE, p);
        }
        FileChannel ch = FileChannel.open(p, o);
        return session.own(new FileHandle(session, ch, flags.startsWith("a")));
    }

    /** read(size) → bytes: up to size bytes from the position; empty at the end. */
    public Object read(Value... all) {
        IoSession.Args a = new IoSession.Args("file.read", all);
        int n = (int) Math.min(MAX_READ, Math.max(0, a.number(0, MAX_READ)));
        return session.start(a, serial, () -> {
            ByteBuffer b = ByteBuffer.allocate(n);
            int got = ch.read(b);
            return got <= 0 ? new byte[0] : Arrays.copyOf(b.array(), got);
        });
    }

    /** write(data) → the number of bytes written (all of them). */
    public Object write(Value... all) {
        IoSession.Args a = new IoSession.Args("file.write", all);
        byte[] data = bytes(session, a, 0);
        return session.start(a, serial, () -> {
            if (append) {
                ch.position(ch.size());
            }
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            return data.length;
        });
    }

    /** seek(position) → the new position (from the start; -1: the end). */
    public Object seek(Value... all) {
        IoSession.Args a = new IoSession.Args("file.seek", all);
        long pos = a.number(0, Long.MIN_VALUE);
        return session.start(a, serial, () -> {
            ch.position(pos < 0 ? ch.size() : pos);
            return ch.position();
        });
    }

    /** Closes the file now; operations still queued fail with EBADF. */
    @Override
    public void close() {
        session.forget(this);
        IoSession.closeQuietly(ch);
    }

    static byte[] bytes(IoSession session, IoSession.Args a, int i) {
        Value v = a.value(i);
        byte[] b = v == null ? null : session.guest().bytesOf(v);
        if (b == null) {
            throw new IllegalArgumentException("TypeError: " + a.what + ": the data must be bytes or a string");
        }
        return b;
    }
}
