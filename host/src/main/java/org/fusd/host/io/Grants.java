package org.fusd.host.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the person running the host lets drivers reach: {@code --allow-read},
 * {@code --allow-write}, {@code --allow-net}, {@code --allow-device}, or
 * everything ({@code --allow-io}). A path grant covers the path and what is
 * under it, checked on the path as written and on the path its symbolic links
 * lead to (so neither {@code ..} nor a link leads out). Immutable; shared by
 * every driver of a host.
 */
public final class Grants {

    /** The kinds of grant, each with its flag. */
    public enum Kind {
        READ("--allow-read"),
        WRITE("--allow-write"),
        NET("--allow-net"),
        DEVICE("--allow-device");

        public final String flag;

        Kind(String flag) {
            this.flag = flag;
        }
    }

    private static final Grants NONE = new Grants(false, List.of(), List.of(), List.of(), List.of());
    private static final Grants ALL = new Grants(true, List.of(), List.of(), List.of(), List.of());

    private final boolean all;
    private final List<Path> read;
    private final List<Path> write;
    private final List<Path> device;
    private final List<NetPattern> net;

    private Grants(boolean all, List<Path> read, List<Path> write, List<Path> device, List<NetPattern> net) {
        this.all = all;
        this.read = read;
        this.write = write;
        this.device = device;
        this.net = net;
    }

    /** Nothing beyond each script's own directory, read only. */
    public static Grants none() {
        return NONE;
    }

    /** Everything ({@code --allow-io}). */
    public static Grants all() {
        return ALL;
    }

    /**
     * The grants of a command line; paths relative to the working directory.
     * A bad --allow-net pattern throws IllegalArgumentException naming it.
     */
    public static Grants of(List<Path> read, List<Path> write, List<String> net, List<Path> device) {
        List<NetPattern> patterns = new ArrayList<>();
        for (String n : net) {
            patterns.add(NetPattern.parse(n));
        }
        return new Grants(false, forms(read), forms(write), forms(device), List.copyOf(patterns));
    }

    /** Each granted path as written (absolute, normalized) and as its links resolve. */
    private static List<Path> forms(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            Path abs = p.toAbsolutePath().normalize();
            out.add(abs);
            Path real = real(abs);
            if (!real.equals(abs)) {
                out.add(real);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Where p leads once its symbolic links are followed: its real path, or
     * for a path that does not exist (yet), the real path of the nearest
     * existing ancestor with the rest appended.
     */
    static Path real(Path abs) {
        Path existing = abs;
        Path rest = null;
        while (existing != null) {
            try {
                Path r = existing.toRealPath();
                return rest == null ? r : r.resolve(rest).normalize();
            } catch (IOException e) {
                Path name = existing.getFileName();
                if (name == null) {
                    break;
                }
                rest = rest == null ? name : name.resolve(rest);
                existing = existing.getParent();
            }
        }
        return abs;
    }

    /** True for {@code --allow-io}. */
    public boolean everything() {
        return all;
    }

    /** True if drivers may reach any host and port: {@code --allow-io} or {@code --allow-net '*'}. */
    public boolean anyNetwork() {
        return all || net.stream().anyMatch(NetPattern::everything);
    }

    /** True if nothing at all beyond the script's own directory is granted. */
    public boolean nothing() {
        return !all && read.isEmpty() && write.isEmpty() && device.isEmpty() && net.isEmpty();
    }

    /**
     * Refuses p for kind unless granted: READ is granted by --allow-read,
     * --allow-write and --allow-device (and, through ownDir, the script's own
     * directory); WRITE by --allow-write and --allow-device; DEVICE by
     * --allow-device only.
     */
    public void checkPath(Kind kind, Path p, Path ownDir) {
        if (all) {
            return;
        }
        Path abs = p.toAbsolutePath().normalize();
        Path real = real(abs);
        boolean asWritten = covered(kind, abs, ownDir);
        if (asWritten && covered(kind, real, ownDir)) {
            return;
        }
        if (asWritten) {
            abs = real; // a link leads out: what to grant is where it leads
        }
        String where = kind == Kind.READ && ownDir != null
                ? "a driver reads only files in its own directory (" + ownDir + ") and what is granted"
                : "not granted";
        throw new GrantException(
                "access to " + abs + " denied: " + where + "; run fusd-host with " + kind.flag + " " + abs
                        + " (or --allow-io)",
                kind);
    }

    private boolean covered(Kind kind, Path p, Path ownDir) {
        return switch (kind) {
            case READ ->
                under(p, read) || under(p, write) || under(p, device) || (ownDir != null && p.startsWith(ownDir));
            case WRITE -> under(p, write) || under(p, device);
            case DEVICE -> under(p, device);
            case NET -> false;
        };
    }

    private static boolean under(Path p, List<Path> grants) {
        for (Path g : grants) {
            if (p.startsWith(g)) {
                return true;
            }
        }
        return false;
    }

    /** Refuses host:port unless an --allow-net pattern matches it. */
    public void checkNet(String host, int port) {
        if (all) {
            return;
        }
        for (NetPattern n : net) {
            if (n.matches(host, port)) {
                return;
            }
        }
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        throw new GrantException(
                "connection to " + h + ":" + port + " denied: not granted; run fusd-host with --allow-net " + h + ":"
                        + port + " (or --allow-io)",
                Kind.NET);
    }

    /** The flags a driver's declared grants need that this host was not given, as "--allow-x VALUE". */
    public List<String> missing(Declared d) {
        List<String> out = new ArrayList<>();
        if (all) {
            return out;
        }
        for (Kind k : new Kind[] {Kind.READ, Kind.WRITE, Kind.DEVICE}) {
            for (Path p : d.paths(k)) {
                try {
                    checkPath(k, p, null);
                } catch (GrantException e) {
                    out.add(k.flag + " " + p);
                }
            }
        }
        for (NetPattern want : d.net()) {
            if (net.stream().noneMatch(n -> n.covers(want))) {
                out.add("--allow-net " + want);
            }
        }
        return out;
    }

    /**
     * What a driver says it needs (its {@code grants} export): paths already
     * absolute (the runtime resolves them against the script's directory).
     */
    public record Declared(List<Path> read, List<Path> write, List<NetPattern> net, List<Path> device) {
        public static final Declared NONE = new Declared(List.of(), List.of(), List.of(), List.of());

        List<Path> paths(Kind k) {
            return switch (k) {
                case READ -> read;
                case WRITE -> write;
                case DEVICE -> device;
                case NET -> List.of();
            };
        }
    }

    @Override
    public String toString() {
        if (all) {
            return "--allow-io";
        }
        StringBuilder b = new StringBuilder();
        read.forEach(p -> b.append(" --allow-read ").append(p));
        write.forEach(p -> b.append(" --allow-write ").append(p));
        net.forEach(p -> b.append(" --allow-net ").append(p));
        device.forEach(p -> b.append(" --allow-device ").append(p));
        return b.toString().trim();
    }
}
