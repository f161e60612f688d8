package org.fusd.host.driver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.fusd.host.io.Grants;
import org.fusd.host.io.NetPattern;
import org.graalvm.polyglot.Value;

/**
 * Reads a driver's {@code grants} export: an object (JS) or dict (Python)
 * with optional lists {@code read}, {@code write}, {@code net},
 * {@code device}, as the command line would give them. Relative paths are
 * the script's directory's.
 */
final class DeclaredGrants {
    private static final Set<String> KEYS = Set.of("read", "write", "net", "device");

    private DeclaredGrants() {}

    static Grants.Declared parse(Value v, Path script) {
        if (!v.hasMembers() && !v.hasHashEntries()) {
            throw bad(script, "must be an object like { net: [\"localhost:7000\"], device: [\"/dev/ttyUSB0\"] }");
        }
        for (String k : keys(v)) {
            if (!KEYS.contains(k)) {
                throw bad(script, "has an unknown key '" + k + "' (want read, write, net, device)");
            }
        }
        Path dir = script.toAbsolutePath().normalize().getParent();
        List<NetPattern> net = new ArrayList<>();
        for (String s : strings(v, "net", script)) {
            try {
                net.add(NetPattern.parse(s));
            } catch (IllegalArgumentException e) {
                throw bad(script, e.getMessage());
            }
        }
        return new Grants.Declared(
                paths(v, "read", script, dir), paths(v, "write", script, dir), net, paths(v, "device", script, dir));
    }

    private static List<String> keys(Value v) {
        List<String> out = new ArrayList<>();
        if (v.hasHashEntries()) {
            Value it = v.getHashKeysIterator();
            while (it.hasIteratorNextElement()) {
                Value k = it.getIteratorNextElement();
                out.add(k.isString() ? k.asString() : k.toString());
            }
        } else {
            out.addAll(v.getMemberKeys());
        }
        return out;
    }

    private static Value member(Value v, String key) {
        if (v.hasHashEntries()) {
            return v.getHashValue(key);
        }
        return v.getMember(key);
    }

    private static List<String> strings(Value v, String key, Path script) {
        Value list = member(v, key);
        List<String> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.hasArrayElements()) {
            throw bad(script, "'" + key + "' must be a list of strings");
        }
        for (long i = 0; i < list.getArraySize(); i++) {
            Value e = list.getArrayElement(i);
            if (!e.isString()) {
                throw bad(script, "'" + key + "' must be a list of strings, not " + HostValues.typeName(e));
            }
            out.add(e.asString());
        }
        return out;
    }

    private static List<Path> paths(Value v, String key, Path script, Path dir) {
        List<Path> out = new ArrayList<>();
        for (String s : strings(v, key, script)) {
            Path p = Path.of(s);
            out.add((dir != null && !p.isAbsolute() ? dir.resolve(p) : p.toAbsolutePath()).normalize());
        }
        return out;
    }

    private static ScriptLoadException bad(Path script, String what) {
        return new ScriptLoadException(script + ": `grants` " + what);
    }
}
