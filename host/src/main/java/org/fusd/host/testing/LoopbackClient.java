package org.fusd.host.testing;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.fusd.host.channel.loopback.LoopbackChannel;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Caller;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.Ioc;

/**
 * A test client on the loopback channel: calls go straight to the device in
 * this process, with the caller (pid, uid, gid) the test asks for, from
 * client threads (never the test's). Read, write and ioctl give their
 * pending reply once the device has taken the call (an interrupt plays a
 * signal, as on FUSE); open, poll and close block inside LoopbackFile, so
 * their answer comes from the client thread that waits for it.
 */
public final class LoopbackClient implements Client {
    private final LoopbackChannel channel;
    private final Map<Integer, LoopbackFile> files = new ConcurrentHashMap<>();
    private final AtomicInteger nextFile = new AtomicInteger(3);
    /** Mappings: the device's shared pages, as a process would see them. */
    private final Map<Integer, ByteBuffer> maps = new ConcurrentHashMap<>();

    private final AtomicInteger nextMap = new AtomicInteger(1);
    private final ExecutorService blocking = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fusd-test-client");
        t.setDaemon(true);
        return t;
    });

    public LoopbackClient(LoopbackChannel channel) {
        this.channel = channel;
    }

    @Override
    public int pid() {
        return LoopbackChannel.SELF.pid();
    }

    @Override
    public ClientCall open(String device, int flags, int uid, int gid) {
        Caller self = LoopbackChannel.SELF;
        Caller caller = new Caller(self.pid(), uid == SAME_ID ? self.uid() : uid, gid == SAME_ID ? self.gid() : gid);
        return blocking("open", () -> {
            LoopbackFile f = channel.open(device, flags, caller);
            int fd = nextFile.getAndIncrement();
            files.put(fd, f);
            return fd;
        });
    }

    @Override
    public ClientCall read(int file, int size) {
        LoopbackFile f = file(file);
        LoopbackReply r = dispatch(() -> f.startRead(size));
        return pending("read(" + size + ")", r, LoopbackReply.Result::data);
    }

    @Override
    public ClientCall write(int file, byte[] data) {
        LoopbackFile f = file(file);
        LoopbackReply r = dispatch(() -> f.startWrite(data));
        return pending("write", r, LoopbackReply.Result::n);
    }

    @Override
    public ClientCall ioctl(int file, int cmd, long arg, byte[] in) {
        int outSize = Ioc.reads(cmd) ? Ioc.size(cmd) : 0;
        LoopbackFile f = file(file);
        LoopbackReply r = dispatch(() -> f.startIoctl(cmd, arg, Ioc.writes(cmd) ? in : null, outSize));
        return pending(String.format("ioctl(0x%x)", cmd), r, res -> {
            if (res.retry() != null) {
                throw new ErrnoException(Errno.ENOTTY, "the driver asked for caller memory beyond the ioctl's struct");
            }
            byte[] out = null;
            if (outSize > 0) {
                out = new byte[outSize];
                byte[] d = res.data() == null ? new byte[0] : res.data();
                System.arraycopy(d, 0, out, 0, Math.min(d.length, outSize));
            }
            return new ClientCall.IoctlResult(res.n(), out);
        });
    }

    @Override
    public ClientCall poll(int file, int events, int timeoutMs) {
        LoopbackFile f = file(file);
        int wanted = events | org.fusd.host.device.PollEvents.POLLERR | org.fusd.host.device.PollEvents.POLLHUP;
        return blocking("poll", () -> {
            try {
                return f.pollFor(wanted, timeoutMs) & wanted;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR);
            }
        });
    }

    @Override
    public ClientCall setFlags(int file, int flags) {
        LoopbackFile f = file(file);
        int kept = f.openFile().flags() & org.fusd.host.device.OpenFlags.O_ACCMODE;
        f.setFlags(kept | (flags & ~org.fusd.host.device.OpenFlags.O_ACCMODE));
        return ClientCall.done("fcntl", 0);
    }

    @Override
    public ClientCall mmap(int file, long length, int prot, long offset) {
        LoopbackFile f = file(file);
        return blocking("mmap", () -> {
            ByteBuffer pages = f.map(offset, length, prot);
            int id = nextMap.getAndIncrement();
            maps.put(id, pages);
            return id;
        });
    }

    @Override
    public ClientCall mapRead(int map, long offset, int length) {
        byte[] out = new byte[length];
        mapping(map).get((int) offset, out);
        return ClientCall.done("mapping read", out);
    }

    @Override
    public ClientCall mapWrite(int map, long offset, byte[] data) {
        mapping(map).put((int) offset, data);
        return ClientCall.done("mapping write", 0);
    }

    @Override
    public ClientCall munmap(int map) {
        return maps.remove(map) == null ? failed("munmap", Errno.EINVAL) : ClientCall.done("munmap", 0);
    }

    private ByteBuffer mapping(int map) {
        ByteBuffer b = maps.get(map);
        if (b == null) {
            throw new IllegalArgumentException("mapping " + map + " is not mapped");
        }
        return b;
    }

    @Override
    public ClientCall close(int file) {
        LoopbackFile f = files.remove(file);
        if (f == null) {
            return failed("close", Errno.EBADF);
        }
        return blocking("close", () -> {
            f.close();
            return 0;
        });
    }

    @Override
    public void close() {
        maps.clear();
        for (Integer fd : files.keySet()) {
            close(fd).awaitDone(ClientCall.TIMEOUT_MS);
        }
        blocking.shutdownNow();
    }

    private LoopbackFile file(int fd) {
        LoopbackFile f = files.get(fd);
        if (f == null) {
            throw new ErrnoException(Errno.EBADF, "file " + fd + " is not open");
        }
        return f;
    }

    private static ClientCall failed(String what, Errno errno) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        f.completeExceptionally(new ErrnoException(errno));
        return new ClientCall(what, f, () -> {});
    }

    private static ClientCall pending(
            String what, LoopbackReply r, java.util.function.Function<LoopbackReply.Result, Object> value) {
        CompletableFuture<Object> answer = r.future().thenApply(res -> {
            if (!res.ok()) {
                throw new ErrnoException(res.errno());
            }
            return value.apply(res);
        });
        return new ClientCall(what, answer, r::interrupt);
    }

    /**
     * Hands a call to the device from a client thread and waits until the
     * device has taken it (answered, or queued or deferred): the test's own
     * thread, inside the test script's context, never runs driver code, and
     * calls reach the device in the order the test made them.
     */
    private LoopbackReply dispatch(Supplier<LoopbackReply> start) {
        try {
            return CompletableFuture.supplyAsync(start, blocking).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private ClientCall blocking(String what, Supplier<Object> call) {
        CompletableFuture<Object> answer = CompletableFuture.supplyAsync(call, blocking);
        return new ClientCall(what, answer, () -> {});
    }
}
