package org.fusd.host.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Ioc;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * What one test reaches of the host: the device under test through a
 * {@link Client}. The test languages' preludes wrap it into the `t` object
 * (open, File, Pending, the assertions); each test gets its own, and the
 * files a test leaves open are closed when it ends.
 */
public final class TestApi {
    private static final long OPEN_GRACE_MS = 1000;

    private final Client client;
    private final String name;
    private final String target;
    /** Every device of the driver by name (`devices`), and where the client opens it. */
    private final java.util.Map<String, String> targets;

    private final String channel;
    private final Set<Integer> open = ConcurrentHashMap.newKeySet();
    private final java.util.Map<Integer, Mapped> maps = new ConcurrentHashMap<>();
    /** Opens the test started; one still going when the test ends may yet add a file to close. */
    private final List<ClientCall> opening = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param targets what the client opens for each device of the driver, by name: its path,
     *     or its name on loopback; the first is the device the tests reach by default
     */
    TestApi(Client client, java.util.SequencedMap<String, String> targets, String channel) {
        this.client = client;
        this.name = targets.firstEntry().getKey();
        this.target = targets.firstEntry().getValue();
        this.targets = targets;
        this.channel = channel;
    }

    @HostAccess.Export
    public String name() {
        return name;
    }

    @HostAccess.Export
    public String path() {
        return target;
    }

    @HostAccess.Export
    public String channel() {
        return channel;
    }

    @HostAccess.Export
    public int pid() {
        return client.pid();
    }

    @HostAccess.Export
    public int errnoNumber(String errnoName) {
        Errno e = Errno.byName(errnoName);
        if (e == null) {
            throw new IllegalArgumentException("unknown errno name: " + errnoName);
        }
        return e.number();
    }

    @HostAccess.Export
    public GuestCall open(int flags, int uid, int gid, String device) {
        String path = device == null ? target : targets.get(device);
        if (path == null) {
            throw new IllegalArgumentException("open: the driver has no device \"" + device + "\" (its devices: "
                    + String.join(", ", targets.keySet()) + ")");
        }
        ClientCall call = client.open(path, flags, uid, gid).then(fd -> open.add((Integer) fd));
        opening.add(call);
        return new GuestCall(call);
    }

    @HostAccess.Export
    public GuestCall read(int file, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("read: size must be 0 or more, not " + size);
        }
        return new GuestCall(client.read(file, size));
    }

    @HostAccess.Export
    public GuestCall write(int file, Value data) {
        return new GuestCall(client.write(file, bytesOf(data, "write")));
    }

    @HostAccess.Export
    public GuestCall ioctl(int file, long cmd, long arg, Value in) {
        int c = (int) cmd;
        byte[] bytes = null;
        if (Ioc.writes(c)) {
            if (in == null || in.isNull() || in.isNumber()) {
                throw new IllegalArgumentException(String.format(
                        "ioctl(0x%x): a command with _IOW/_IOWR takes the %d bytes of its struct, not a number",
                        cmd, Ioc.size(c)));
            }
            bytes = bytesOf(in, "ioctl");
            if (bytes.length > Ioc.size(c)) {
                throw new IllegalArgumentException(String.format(
                        "ioctl(0x%x): %d bytes given, the command's struct has %d", cmd, bytes.length, Ioc.size(c)));
            }
            bytes = java.util.Arrays.copyOf(bytes, Ioc.size(c));
        }
        return new GuestCall(client.ioctl(file, c, arg, bytes));
    }

    @HostAccess.Export
    public GuestCall poll(int file, int events, int timeoutMs) {
        return new GuestCall(client.poll(file, events, timeoutMs));
    }

    @HostAccess.Export
    public GuestCall setFlags(int file, int flags) {
        return new GuestCall(client.setFlags(file, flags));
    }

    /** A mapping the test made: its length and protection, checked before each access. */
    private record Mapped(long length, int prot) {}

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;

    @HostAccess.Export
    public GuestCall mmap(int file, long length, int prot, long offset) {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap: length must be more than 0, not " + length);
        }
        return new GuestCall(
                client.mmap(file, length, prot, offset).then(id -> maps.put((Integer) id, new Mapped(length, prot))));
    }

    @HostAccess.Export
    public GuestCall mapRead(int map, long offset, long length) {
        String problem = problem(map, offset, length, PROT_READ);
        return problem != null
                ? failed("mapping read", problem)
                : new GuestCall(client.mapRead(map, offset, (int) length));
    }

    @HostAccess.Export
    public GuestCall mapWrite(int map, long offset, Value data) {
        byte[] bytes = bytesOf(data, "mapping write");
        String problem = problem(map, offset, bytes.length, PROT_WRITE);
        return problem != null ? failed("mapping write", problem) : new GuestCall(client.mapWrite(map, offset, bytes));
    }

    @HostAccess.Export
    public GuestCall munmap(int map) {
        if (maps.remove(map) == null) {
            return failed("munmap", "the mapping is unmapped already");
        }
        return new GuestCall(client.munmap(map));
    }

    /** Why an access would get a process a signal, or null: a test failure with the reason, at the test's line. */
    private String problem(int map, long offset, long length, int prot) {
        Mapped m = maps.get(map);
        if (m == null) {
            return "the mapping is unmapped (a process gets SIGSEGV)";
        }
        if ((m.prot() & prot) == 0) {
            return "the mapping has no " + (prot == PROT_READ ? "PROT_READ" : "PROT_WRITE")
                    + " (a process gets SIGSEGV)";
        }
        if (offset < 0 || length < 0 || offset + length > m.length()) {
            return length + " bytes at " + offset + " are outside the mapping's " + m.length()
                    + " bytes (a process gets SIGSEGV or SIGBUS)";
        }
        return null;
    }

    private static GuestCall failed(String what, String problem) {
        return new GuestCall(new ClientCall(
                what,
                java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException(problem)),
                () -> {}));
    }

    @HostAccess.Export
    public GuestCall close(int file) {
        open.remove(file);
        return new GuestCall(client.close(file));
    }

    /**
     * Unmaps the test's mappings and closes what it left open; returns how many files. An open still going
     * gets a moment to end first (one the driver never answers is ended by
     * unloading the device).
     */
    int closeAll() {
        for (ClientCall c : opening) {
            c.awaitDone(OPEN_GRACE_MS);
        }
        for (Integer map : List.copyOf(maps.keySet())) {
            maps.remove(map);
            client.munmap(map).awaitDone(ClientCall.TIMEOUT_MS); // a mapping holds its file open
        }
        int n = 0;
        for (Integer fd : List.copyOf(open)) {
            open.remove(fd);
            client.close(fd).awaitDone(ClientCall.TIMEOUT_MS);
            n++;
        }
        return n;
    }

    /** A string (as UTF-8) or bytes in either language: a JS typed array or ArrayBuffer, Python bytes. */
    static byte[] bytesOf(Value v, String what) {
        if (v == null || v.isNull()) {
            return new byte[0];
        }
        if (v.isString()) {
            return v.asString().getBytes(StandardCharsets.UTF_8);
        }
        Value buf = v;
        long off = 0;
        long len;
        if (v.hasBufferElements()) {
            len = v.getBufferSize();
        } else if (v.hasMember("buffer") && v.hasMember("byteOffset") && v.hasMember("byteLength")) {
            buf = v.getMember("buffer");
            off = v.getMember("byteOffset").asLong();
            len = v.getMember("byteLength").asLong();
        } else {
            throw new IllegalArgumentException(what + ": expected bytes or a string, not " + v);
        }
        byte[] b = new byte[Math.toIntExact(len)];
        for (int i = 0; i < b.length; i++) {
            b[i] = buf.readBufferByte(off + i);
        }
        return b;
    }
}
