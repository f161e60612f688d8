package org.fusd.host.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.device.Errno;

/**
 * A unix stream socket over a raw fd, for the host's control socket: Java's
 * own unix sockets cannot pass file descriptors, and a takeover passes the
 * channel's. Messages are frames (a 4-byte big-endian length, then the
 * bytes); fds ride on a frame as SCM_RIGHTS and come out of the receive that
 * reads that frame. Blocking; one thread per socket at a time.
 */
public final class UnixSocket implements AutoCloseable {
    /** Largest frame accepted: a host's snapshot (states included) must fit. */
    public static final int MAX_FRAME = 1 << 30;

    private static final int SUN_PATH = 108;
    private static final int MAX_FDS = 8;
    private static final int SHUT_RDWR = 2;

    private final int fd;
    private volatile boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /** A connected socket this process inherited (fd), e.g. from fusd-keeper; made close-on-exec. */
    public static UnixSocket adopt(int fd) throws IOException {
        try {
            Libc.Ext.INSTANCE.fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("fd " + fd + " is not open: " + Errno.byNumber(e.getErrorCode()), e);
        }
        return new UnixSocket(fd);
    }

    /** A listening socket at path (an old file there is replaced). */
    public static UnixSocket listen(Path path) throws IOException {
        java.nio.file.Files.deleteIfExists(path);
        int s = newSocket();
        try (Memory addr = address(path)) {
            Libc.Ext.INSTANCE.bind(s, addr, (int) addr.size());
            Libc.Ext.INSTANCE.listen(s, 8);
        } catch (LastErrorException e) {
            Libc.close(s);
            throw new IOException("cannot listen at " + path + ": " + Errno.byNumber(e.getErrorCode()), e);
        }
        return new UnixSocket(s);
    }

    /** Connects to the socket at path. */
    public static UnixSocket connect(Path path) throws IOException {
        int s = newSocket();
        try (Memory addr = address(path)) {
            Libc.Ext.INSTANCE.connect(s, addr, (int) addr.size());
        } catch (LastErrorException e) {
            Libc.close(s);
            throw new IOException("cannot connect to " + path + ": " + Errno.byNumber(e.getErrorCode()), e);
        }
        return new UnixSocket(s);
    }

    private static int newSocket() throws IOException {
        try {
            return Libc.Ext.INSTANCE.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("cannot create a unix socket: " + Errno.byNumber(e.getErrorCode()), e);
        }
    }

    private static Memory address(Path path) throws IOException {
        byte[] raw = path.toString().getBytes(StandardCharsets.UTF_8);
        if (raw.length >= SUN_PATH) {
            throw new IOException(path + ": socket path longer than " + (SUN_PATH - 1) + " bytes");
        }
        Memory m = new Memory(2 + SUN_PATH);
        m.clear();
        m.setShort(0, (short) Libc.AF_UNIX);
        m.write(2, raw, 0, raw.length);
        return m;
    }

    /** The next connection; null once this socket is closed. */
    public UnixSocket accept() throws IOException {
        while (true) {
            try {
                return new UnixSocket(Libc.Ext.INSTANCE.accept4(fd, null, null, Libc.O_CLOEXEC));
            } catch (LastErrorException e) {
                if (closed) {
                    return null;
                }
                if (e.getErrorCode() != Errno.EINTR.number() && e.getErrorCode() != Errno.ECONNABORTED.number()) {
                    throw new IOException("accept failed: " + Errno.byNumber(e.getErrorCode()), e);
                }
            }
        }
    }

    /** Sends one frame, with fds attached (they stay open here). */
    public void send(byte[] frame, int... fds) throws IOException {
        byte[] all = new byte[4 + frame.length];
        all[0] = (byte) (frame.length >>> 24);
        all[1] = (byte) (frame.length >>> 16);
        all[2] = (byte) (frame.length >>> 8);
        all[3] = (byte) frame.length;
        System.arraycopy(frame, 0, all, 4, frame.length);
        try (Memory data = new Memory(all.length);
                Memory iov = new Memory(16);
                Memory msg = new Memory(56);
                Memory control = new Memory(16 + 4L * Math.max(1, fds.length))) {
            data.write(0, all, 0, all.length);
            int off = 0;
            while (off < all.length) {
                msg.clear();
                iov.setPointer(0, data.share(off));
                iov.setLong(8, all.length - off);
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                if (off == 0 && fds.length > 0) {
                    control.clear();
                    control.setLong(0, 16 + 4L * fds.length); // cmsg_len
                    control.setInt(8, Libc.SOL_SOCKET);
                    control.setInt(12, Libc.SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++) {
                        control.setInt(16 + 4L * i, fds[i]);
                    }
                    msg.setPointer(32, control);
                    msg.setLong(40, (16 + 4L * fds.length + 7) & ~7L);
                }
                try {
                    off += (int) Libc.Ext.INSTANCE.sendmsg(fd, msg, 0x4000); // MSG_NOSIGNAL
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Errno.EINTR.number()) {
                        throw new IOException("send failed: " + Errno.byNumber(e.getErrorCode()), e);
                    }
                }
            }
        }
    }

    /** A frame and the fds that came with it. */
    public static final class Frame {
        private final byte[] bytes;
        private final List<Integer> fds;

        Frame(byte[] bytes, List<Integer> fds) {
            this.bytes = bytes;
            this.fds = List.copyOf(fds);
        }

        public byte[] bytes() {
            return bytes;
        }

        public List<Integer> fds() {
            return fds;
        }

        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The next frame; null if the peer closed the connection first. */
    public Frame receive() throws IOException {
        List<Integer> fds = new ArrayList<>();
        byte[] head = readFully(4, fds);
        if (head == null) {
            return null;
        }
        int len = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        if (len < 0 || len > MAX_FRAME) {
            throw new IOException("bad frame length " + len);
        }
        byte[] body = readFully(len, fds);
        if (body == null) {
            throw new IOException("connection closed inside a frame");
        }
        return new Frame(body, fds);
    }

    private byte[] readFully(int len, List<Integer> fds) throws IOException {
        byte[] out = new byte[len];
        if (len == 0) {
            return out;
        }
        int got = 0;
        int controlSize = 16 + 4 * MAX_FDS;
        try (Memory data = new Memory(Math.min(len, 1 << 20));
                Memory iov = new Memory(16);
                Memory msg = new Memory(56);
                Memory control = new Memory(controlSize)) {
            while (got < len) {
                msg.clear();
                control.clear();
                iov.setPointer(0, data);
                iov.setLong(8, Math.min(len - got, data.size()));
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                msg.setPointer(32, control);
                msg.setLong(40, controlSize);
                long n;
                try {
                    n = Libc.Ext.INSTANCE.recvmsg(fd, msg, 0x40000000); // MSG_CMSG_CLOEXEC
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Errno.EINTR.number()) {
                        continue;
                    }
                    throw new IOException("receive failed: " + Errno.byNumber(e.getErrorCode()), e);
                }
                collectFds(msg, control, fds);
                if (n == 0) {
                    return got == 0 ? null : failTruncated();
                }
                data.read(0, out, got, (int) n);
                got += (int) n;
            }
        }
        return out;
    }

    private static byte[] failTruncated() throws IOException {
        throw new IOException("connection closed inside a frame");
    }

    private static void collectFds(Memory msg, Pointer control, List<Integer> fds) {
        long controlLen = msg.getLong(40);
        if (controlLen >= 16 && control.getInt(8) == Libc.SOL_SOCKET && control.getInt(12) == Libc.SCM_RIGHTS) {
            long n = (control.getLong(0) - 16) / 4;
            for (int i = 0; i < n; i++) {
                fds.add(control.getInt(16 + 4L * i));
            }
        }
    }

    /** Sends a text frame. */
    public void sendText(String s) throws IOException {
        send(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.Ext.INSTANCE.shutdown(fd, SHUT_RDWR); // wakes a thread blocked in accept()
        } catch (LastErrorException ignored) {
            // not connected: nothing to wake
        }
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // already closed
        }
    }
}
