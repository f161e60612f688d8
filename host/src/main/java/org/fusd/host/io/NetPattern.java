package org.fusd.host.io;

import java.util.Locale;

/**
 * One {@code --allow-net} pattern, {@code HOST:PORT}: HOST is a name or
 * address as the driver writes it ({@code localhost}, {@code 127.0.0.1},
 * {@code [::1]}), {@code *.example.com} or {@code *}; PORT is a number, a
 * range {@code 7000-7010} or {@code *}. {@code *} alone is every host and
 * port. Names are compared as written: {@code localhost} does not grant
 * {@code 127.0.0.1}.
 */
public record NetPattern(String host, int lowPort, int highPort) {

    /** Parses HOST:PORT; an IllegalArgumentException says what is wrong. */
    public static NetPattern parse(String s) {
        if (s.equals("*")) {
            return new NetPattern("*", 0, 65535);
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException(
                    "--allow-net " + s + ": want HOST:PORT (HOST a name, an address, *.domain or *; PORT a number, "
                            + "a range like 7000-7010 or *), or * for every host and port");
        }
        String host = unbracket(s.substring(0, colon)).toLowerCase(Locale.ROOT);
        String port = s.substring(colon + 1);
        if (port.equals("*")) {
            return new NetPattern(host, 0, 65535);
        }
        int dash = port.indexOf('-');
        int lo = port(s, dash < 0 ? port : port.substring(0, dash));
        int hi = dash < 0 ? lo : port(s, port.substring(dash + 1));
        if (hi < lo) {
            throw new IllegalArgumentException("--allow-net " + s + ": the port range is empty");
        }
        return new NetPattern(host, lo, hi);
    }

    private static int port(String whole, String p) {
        try {
            int n = Integer.parseInt(p);
            if (n >= 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--allow-net " + whole + ": '" + p + "' is not a port (0 to 65535)");
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** True if this pattern lets a driver reach host:port. */
    public boolean matches(String host, int port) {
        return port >= lowPort
                && port <= highPort
                && hostMatches(unbracket(host).toLowerCase(Locale.ROOT));
    }

    private boolean hostMatches(String h) {
        if (host.equals("*")) {
            return true;
        }
        if (host.startsWith("*.")) {
            return h.endsWith(host.substring(1));
        }
        return host.equals(h);
    }

    /** True if every address the other pattern names is named by this one (a driver's declared grant). */
    public boolean covers(NetPattern other) {
        if (other.lowPort < lowPort || other.highPort > highPort) {
            return false;
        }
        if (host.equals("*") || host.equals(other.host)) {
            return true;
        }
        return host.startsWith("*.") && !other.host.startsWith("*") && other.host.endsWith(host.substring(1));
    }

    /** True for every host and every port. */
    public boolean everything() {
        return host.equals("*") && lowPort == 0 && highPort == 65535;
    }

    @Override
    public String toString() {
        if (everything()) {
            return "*";
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        String p = lowPort == 0 && highPort == 65535
                ? "*"
                : lowPort == highPort ? Integer.toString(lowPort) : lowPort + "-" + highPort;
        return h + ":" + p;
    }
}
