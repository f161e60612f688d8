package org.fusd.host.io;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.fusd.host.sys.Libc;

/**
 * A character device or serial port opened through libc (non-blocking, no
 * controlling terminal), with its termios set. Reading and writing wait in
 * poll(2) together with an eventfd that close() signals, so a close wakes
 * them; the last of them to leave closes the descriptors.
 */
final class FdPipe implements Pipe {
    private final int fd;
    private final int wake;
    private final ByteBuffer readBuf = ByteBuffer.allocateDirect(StreamHandle.CAPACITY);
    private final ByteBuffer writeBuf = ByteBuffer.allocateDirect(StreamHandle.CAPACITY);
    private final ByteBuffer readPoll = pollfds();
    private final ByteBuffer writePoll = pollfds();
    private final ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private volatile boolean closing;
    private int users; // threads inside read/write; guarded by this
    private boolean fdsClosed; // guarded by this

    private FdPipe(int fd, int wake) {
        this.fd = fd;
        this.wake = wake;
    }

    static FdPipe open(Path path, Integer speed, boolean raw) throws IOException {
        int fd;
        try {
            fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException(
                    path + ": "
                            + org.fusd.host.device.Errno.byNumber(e.getErrorCode())
                                    .name(),
                    e);
        }
        try {
            Termios.apply(fd, speed, raw);
            return new FdPipe(fd, Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK));
        } catch (LastErrorException | IllegalArgumentException e) {
            Libc.close(fd);
            if (e instanceof LastErrorException l) {
                throw new IOException(
                        path + ": cannot set speed or raw mode: "
                                + org.fusd.host.device.Errno.byNumber(l.getErrorCode())
                                        .name(),
                        e);
            }
            throw e;
        }
    }

    @Override
    public boolean needsPlatformThread() {
        return true;
    }

    private static ByteBuffer pollfds() {
        return ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    }

    /** Waits until fd is ready for events; false if close() woke it. */
    private boolean await(ByteBuffer fds, short events) throws IOException {
        fds.putInt(0, fd).putShort(4, events).putShort(6, (short) 0);
        fds.putInt(8, wake).putShort(12, Libc.POLLIN).putShort(14, (short) 0);
        while (true) {
            if (closing) {
                return false;
            }
            try {
                Libc.poll(Libc.address(fds), 2, -1);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Libc.EINTR) {
                    continue;
                }
                throw new IOException(
                        "poll: "
                                + org.fusd.host.device.Errno.byNumber(e.getErrorCode())
                                        .name(),
                        e);
            }
            if (fds.getShort(14) != 0 || closing) {
                return false;
            }
            if (fds.getShort(6) != 0) {
                return true; // ready, or an error/hang-up that the read or write will report
            }
        }
    }

    private synchronized boolean enter() {
        if (closing) {
            return false;
        }
        users++;
        return true;
    }

    private void leave() {
        synchronized (this) {
            users--;
            if (!closing || users > 0 || fdsClosed) {
                return;
            }
            fdsClosed = true;
        }
        closeFds();
    }

    @Override
    public int read(ByteBuffer b) throws IOException {
        if (!enter()) {
            throw new java.nio.channels.AsynchronousCloseException();
        }
        try {
            while (true) {
                if (!await(readPoll, Libc.POLLIN)) {
                    throw new java.nio.channels.AsynchronousCloseException();
                }
                int want = Math.min(b.remaining(), readBuf.capacity());
                long n;
                try {
                    n = Libc.read(fd, Libc.address(readBuf), want);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Libc.EAGAIN || e.getErrorCode() == Libc.EINTR) {
                        continue;
                    }
                    throw new IOException(
                            "the device failed or hung up ("
                                    + org.fusd.host.device.Errno.byNumber(e.getErrorCode())
                                            .name() + ")",
                            e);
                }
                if (n == 0) {
                    if (Boolean.getBoolean("fusd.io.debug")) {
                        System.err.println(
                                "FDPIPE 0 revents=" + readPoll.getShort(6) + " wake=" + readPoll.getShort(14));
                    }
                    return -1;
                }
                readBuf.clear().limit((int) n);
                b.put(readBuf);
                return (int) n;
            }
        } finally {
            leave();
        }
    }

    @Override
    public void write(ByteBuffer b) throws IOException {
        if (!enter()) {
            throw new java.nio.channels.AsynchronousCloseException();
        }
        try {
            while (b.hasRemaining()) {
                int n0 = Math.min(b.remaining(), writeBuf.capacity());
                writeBuf.clear();
                writeBuf.put(b.duplicate().limit(b.position() + n0)).flip();
                long n;
                try {
                    n = Libc.write(fd, Libc.address(writeBuf), n0);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Libc.EAGAIN || e.getErrorCode() == Libc.EINTR) {
                        if (!await(writePoll, Libc.POLLOUT)) {
                            throw new java.nio.channels.AsynchronousCloseException();
                        }
                        continue;
                    }
                    throw new IOException(
                            "the device failed or hung up ("
                                    + org.fusd.host.device.Errno.byNumber(e.getErrorCode())
                                            .name() + ")",
                            e);
                }
                b.position(b.position() + (int) n);
            }
        } finally {
            leave();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            if (users > 0) {
                one.putLong(0, 1);
                try {
                    Libc.write(wake, Libc.address(one), 8);
                } catch (LastErrorException e) {
                    // the counter is full: they are woken already
                }
                return; // the last one leaving closes
            }
            fdsClosed = true;
        }
        closeFds();
    }

    private void closeFds() {
        try {
            Libc.close(fd);
        } catch (LastErrorException e) {
            // nothing left to do with it
        }
        try {
            Libc.close(wake);
        } catch (LastErrorException e) {
            // nothing left to do with it
        }
    }
}
