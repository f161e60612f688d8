package org.fusd.host.io;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.graalvm.polyglot.Value;

/**
 * The host I/O API one loaded version of a script gets (the {@code io}
 * global): files, TCP, UDP and unix sockets, devices and serial ports, the
 * host's terminal. Every operation is asynchronous: it runs on a worker
 * thread and its result comes back on the device thread, between calls, to
 * the callback given last ({@code (error, value)}) or, in JS, to the promise
 * returned when there is none. Every handle opened through it is closed when
 * the session closes (the script is unloaded or reloaded): nothing crosses a
 * reload. Each access is checked against the host's {@link Grants}; a refusal
 * is an EACCES error naming the flag to add.
 */
public final class IoSession extends ApiObject implements AutoCloseable {
    /** Blocking file and socket work; virtual threads, so a thousand pending reads cost little. */
    static final ExecutorService WORKERS = Executors.newVirtualThreadPerTaskExecutor();

    private final Grants grants;
    private final Path dir;
    private final Guest guest;
    private final Set<Closeable> handles = ConcurrentHashMap.newKeySet();
    private final Set<String> told = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param dir the script's directory: relative paths are resolved against it, and it is readable
     */
    public IoSession(Grants grants, Path dir, Guest guest) {
        this.grants = grants;
        this.dir = dir.toAbsolutePath().normalize();
        this.guest = guest;
        member("open", this::open);
        member("readFile", this::readFile);
        member("connect", this::connect);
        member("listen", this::listen);
        member("connectUnix", this::connectUnix);
        member("listenUnix", this::listenUnix);
        member("udp", this::udp);
        member("openDevice", this::openDevice);
        member("readLine", this::readLine);
    }

    /** Some work that may block, and what it gives the script. */
    @FunctionalInterface
    interface Work {
        Object run() throws Exception;
    }

    /** The arguments of an API call: the fixed ones, then an optional callback. */
    static final class Args {
        final Value[] a;
        final Value callback;
        final String what;

        Args(String what, Value[] all) {
            this.what = what;
            boolean hasCb = all.length > 0 && all[all.length - 1].canExecute();
            this.callback = hasCb ? all[all.length - 1] : null;
            this.a = hasCb ? java.util.Arrays.copyOf(all, all.length - 1) : all;
        }

        boolean has(int i) {
            return i < a.length && !a[i].isNull();
        }

        String string(int i, String dflt) {
            if (!has(i)) {
                if (dflt != null) {
                    return dflt;
                }
                throw new IllegalArgumentException("TypeError: " + what + ": argument " + (i + 1) + " is missing");
            }
            if (!a[i].isString()) {
                throw new IllegalArgumentException(
                        "TypeError: " + what + ": argument " + (i + 1) + " must be a string");
            }
            return a[i].asString();
        }

        long number(int i, long dflt) {
            if (!has(i)) {
                if (dflt != Long.MIN_VALUE) {
                    return dflt;
                }
                throw new IllegalArgumentException("TypeError: " + what + ": argument " + (i + 1) + " is missing");
            }
            if (!a[i].isNumber() || !a[i].fitsInLong()) {
                throw new IllegalArgumentException(
                        "TypeError: " + what + ": argument " + (i + 1) + " must be a whole number");
            }
            return a[i].asLong();
        }

        Value value(int i) {
            return has(i) ? a[i] : null;
        }
    }

    /**
     * Runs work on a worker and hands its outcome to the callback (or the
     * promise returned). The check runs first, here: a refused grant is an
     * error delivered like any other.
     */
    Object start(Args args, java.util.concurrent.Executor on, Work work) {
        return await(
                args,
                done -> on.execute(() -> {
                    Object v;
                    try {
                        v = work.run();
                    } catch (Exception | LinkageError e) {
                        fail(done, e);
                        return;
                    }
                    deliver(done, null, v);
                }));
    }

    /**
     * The callback of a call (its last argument) or, without one, a promise
     * and its settling callback: register is given the callback (unless the
     * session is closing), and the promise, if any, is returned.
     */
    Object await(Args args, java.util.function.Consumer<Value> register) {
        Value cb = args.callback;
        Object ret = null;
        if (cb == null) {
            Value[] p = guest.promise();
            if (p == null) {
                throw new IllegalArgumentException(
                        "TypeError: " + args.what + " needs a callback, fn(error, value), as its last argument");
            }
            ret = p[0];
            cb = p[1];
        }
        if (!closed) {
            register.accept(cb);
        }
        return ret;
    }

    Object start(Args args, Work work) {
        return start(args, WORKERS, work);
    }

    void fail(Value cb, Throwable e) {
        IoError err = IoError.of(e);
        if (e instanceof GrantException && told.size() < 100 && told.add(err.message())) {
            guest.log(err.message());
        }
        deliver(cb, err, null);
    }

    void deliver(Value cb, IoError error, Object value) {
        if (!closed) {
            guest.complete(cb, error, value);
        } else if (value instanceof Closeable c) {
            closeQuietly(c); // opened as the session closed
        }
    }

    /** Keeps h until it is closed or the session closes. */
    <T extends Closeable> T own(T h) {
        handles.add(h);
        if (closed && handles.remove(h)) {
            closeQuietly(h);
        }
        return h;
    }

    void forget(Closeable h) {
        handles.remove(h);
    }

    public boolean isClosed() {
        return closed;
    }

    Guest guest() {
        return guest;
    }

    /** A path as the script gives it: relative ones are under its directory. */
    Path resolve(String p) {
        return dir.resolve(p).normalize();
    }

    /** Checks a path grant; the script's own directory is readable. */
    void check(Grants.Kind kind, Path p) {
        grants.checkPath(kind, p, kind == Grants.Kind.READ ? dir : null);
    }

    /** Closes every handle; later completions are dropped. */
    @Override
    public void close() {
        closed = true;
        for (Closeable h : List.copyOf(handles)) {
            closeQuietly(h);
        }
        handles.clear();
        Terminal.shared().forget(this);
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // closing what is going away: nothing to tell
        }
    }

    // ---- the API ----

    /** open(path, flags = "r") → file: flags "r", "w", "a", "r+", "w+", "a+" (fopen's). */
    public Object open(Value... all) {
        Args a = new Args("io.open", all);
        Path p = resolve(a.string(0, null));
        String flags = a.string(1, "r");
        return start(a, () -> FileHandle.open(this, p, flags));
    }

    /** readFile(path) → bytes: the whole file. */
    public Object readFile(Value... all) {
        Args a = new Args("io.readFile", all);
        Path p = resolve(a.string(0, null));
        return start(a, () -> {
            check(Grants.Kind.READ, p);
            return Files.readAllBytes(p);
        });
    }

    /** connect(host, port) → stream: a TCP connection. */
    public Object connect(Value... all) {
        Args a = new Args("io.connect", all);
        String host = a.string(0, null);
        int port = port(a, 1);
        return start(a, () -> {
            grants.checkNet(host, port);
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
            ch.socket().setTcpNoDelay(true);
            return StreamHandle.start(this, new SocketPipe(ch), "tcp " + host + ":" + port);
        });
    }

    /** listen(host, port) → server: accept() gives streams. Port 0 picks a free one (server.port). */
    public Object listen(Value... all) {
        Args a = new Args("io.listen", all);
        String host = a.string(0, null);
        int port = port(a, 1);
        return start(a, () -> {
            grants.checkNet(host, port);
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(host, port));
            return own(new ServerHandle(this, s));
        });
    }

    /** connectUnix(path) → stream: a unix stream socket (needs --allow-write on the path). */
    public Object connectUnix(Value... all) {
        Args a = new Args("io.connectUnix", all);
        Path p = resolve(a.string(0, null));
        return start(a, () -> {
            check(Grants.Kind.WRITE, p);
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(p));
            return StreamHandle.start(this, new SocketPipe(ch), "unix " + p);
        });
    }

    /** listenUnix(path) → server: a unix stream socket made at path (needs --allow-write). */
    public Object listenUnix(Value... all) {
        Args a = new Args("io.listenUnix", all);
        Path p = resolve(a.string(0, null));
        return start(a, () -> {
            check(Grants.Kind.WRITE, p);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(p));
            return own(new ServerHandle(this, s));
        });
    }

    /** udp(host = "0.0.0.0", port = 0) → socket: bound there (a port other than 0 needs a grant). */
    public Object udp(Value... all) {
        Args a = new Args("io.udp", all);
        String host = a.string(0, "0.0.0.0");
        int port = a.has(1) ? port(a, 1) : 0;
        return start(a, () -> {
            if (port != 0) {
                grants.checkNet(host, port);
            }
            DatagramChannel ch = DatagramChannel.open();
            ch.bind(new InetSocketAddress(host, port));
            return own(new UdpHandle(this, ch, grants));
        });
    }

    /**
     * openDevice(path, options = {}) → stream: a character device or serial
     * port (needs --allow-device). options: speed (baud), raw (true: no
     * echo, no line editing, 8 bits).
     */
    public Object openDevice(Value... all) {
        Args a = new Args("io.openDevice", all);
        Path p = resolve(a.string(0, null));
        Value opts = a.value(1);
        Integer speed = opts == null ? null : optionalInt(opts, "speed");
        boolean raw = opts != null && optionalBool(opts, "raw");
        if (speed != null) {
            Termios.speedConstant(speed); // an unknown speed fails now, with the ones there are
        }
        return start(a, () -> {
            check(Grants.Kind.DEVICE, p);
            FdPipe pipe = FdPipe.open(p, speed, raw);
            return StreamHandle.start(this, pipe, "device " + p);
        });
    }

    /** readLine() → string, or null at the end of input: the next line typed on the host's terminal (stdin). */
    public Object readLine(Value... all) {
        Args a = new Args("io.readLine", all);
        return await(a, cb -> {
            try {
                check(Grants.Kind.DEVICE, Terminal.PATH);
            } catch (GrantException e) {
                fail(cb, e);
                return;
            }
            Terminal.shared().request(this, cb);
        });
    }

    private static int port(Args a, int i) {
        long p = a.number(i, Long.MIN_VALUE);
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("RangeError: " + a.what + ": port " + p + " is not 0 to 65535");
        }
        return (int) p;
    }

    private static Value member(Value o, String key) {
        if (o.hasHashEntries()) {
            return o.getHashValue(key);
        }
        return o.hasMember(key) ? o.getMember(key) : null;
    }

    private static Integer optionalInt(Value o, String key) {
        Value v = member(o, key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.fitsInInt()) {
            throw new IllegalArgumentException("TypeError: io.openDevice: " + key + " must be a whole number");
        }
        return v.asInt();
    }

    private static boolean optionalBool(Value o, String key) {
        Value v = member(o, key);
        return v != null && !v.isNull() && v.isBoolean() && v.asBoolean();
    }

    /** A datagram as the script sees it. */
    static Map<String, Object> datagram(byte[] data, String host, int port) {
        return Map.of("data", data, "host", host, "port", port);
    }
}
