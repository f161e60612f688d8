package org.fusd.host.channel.fusd;

import java.nio.charset.StandardCharsets;

/**
 * The node names fusd.ko accepts, checked before REGISTER so a bad name gets a
 * message that says what is wrong: 1..63 bytes, components of
 * [A-Za-z0-9_.-] joined by '/' (subdirectories of /dev), none empty and none
 * starting with '.'. The module checks the same (fusd_name_ok in device.c).
 */
final class FusdNames {
    private FusdNames() {}

    /** Why the name is refused, or null if the module takes it. */
    static String problem(String name) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        if (raw.length == 0 || raw.length >= FusdAbi.FUSD_NAME_MAX) {
            return "must be 1.." + (FusdAbi.FUSD_NAME_MAX - 1) + " bytes";
        }
        if (name.endsWith("/")) {
            return "must not end with '/'";
        }
        for (String part : name.split("/", -1)) {
            if (part.isEmpty()) {
                return "has an empty path component (a leading '/' or '//')";
            }
            if (part.startsWith(".")) {
                return "has a component starting with '.' ('" + part + "')";
            }
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || c == '_'
                        || c == '.'
                        || c == '-';
                if (!ok) {
                    return "may hold only [A-Za-z0-9_.-] and '/', not '" + c + "'";
                }
            }
        }
        return null;
    }
}
