package org.fusd.host.driver;

import org.graalvm.polyglot.Value;

/**
 * Converts what a script stores in state into host values that outlive its
 * context: null, Boolean, Integer/Long/Double, String, byte[] (a copy of
 * bytes, bytearray, ArrayBuffer, typed arrays), StateObject (from JS objects,
 * Python dicts, Maps), StateList (from arrays, lists, tuples), and the host
 * objects fusd hands out that are context-free ({@link Deferred}). Anything
 * else, functions first, is refused with a TypeError-like message.
 */
final class HostValues {
    private HostValues() {}

    static Object toHost(Value v, StateSpace bytes, String where) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isString()) {
            return v.asString();
        }
        if (v.isNumber()) {
            if (v.fitsInInt()) {
                return v.asInt();
            }
            if (v.fitsInLong()) {
                return v.asLong();
            }
            return v.asDouble();
        }
        if (v.isProxyObject()) {
            Object p = v.asProxyObject();
            if (p instanceof StateObject || p instanceof StateList) {
                return p;
            }
        }
        if (v.isHostObject()) {
            Object h = v.asHostObject();
            if (h instanceof Deferred) {
                return h;
            }
            throw refuse(v, where);
        }
        if (v.canExecute() || v.canInstantiate()) {
            throw new IllegalArgumentException("TypeError: state cannot hold a function (at '" + where
                    + "'): state must survive a reload; store data and look functions up when needed");
        }
        byte[] b = bytesOf(v);
        if (b != null) {
            return b;
        }
        if (v.hasArrayElements()) {
            StateList list = new StateList(bytes);
            long n = v.getArraySize();
            for (long i = 0; i < n; i++) {
                list.addHost(toHost(v.getArrayElement(i), bytes, where + "[" + i + "]"));
            }
            return list;
        }
        if (v.hasHashEntries()) {
            StateObject map = new StateObject(bytes);
            Value it = v.getHashEntriesIterator();
            while (it.hasIteratorNextElement()) {
                Value entry = it.getIteratorNextElement();
                Value key = entry.getArrayElement(0);
                if (!key.isString()) {
                    throw new IllegalArgumentException("TypeError: state keys must be strings (at '" + where + "')");
                }
                map.putHost(key.asString(), toHost(entry.getArrayElement(1), bytes, where + "." + key.asString()));
            }
            return map;
        }
        if (v.hasMembers() && isPlainJsObject(v)) {
            StateObject map = new StateObject(bytes);
            for (String key : v.getMemberKeys()) {
                map.putHost(key, toHost(v.getMember(key), bytes, where + "." + key));
            }
            return map;
        }
        throw refuse(v, where);
    }

    static Object toGuest(Object host, StateSpace bytes) {
        if (host instanceof byte[] b) {
            return bytes.toGuest(b);
        }
        return host;
    }

    /** A copy of v's bytes if v is a byte buffer of either language, else null. */
    static byte[] bytesOf(Value v) {
        if (v.hasBufferElements()) {
            byte[] b = new byte[Math.toIntExact(v.getBufferSize())];
            LoadedCode.readBufferToEnd(v, 0, b, b.length);
            return b;
        }
        if (isTypedArray(v)) {
            Value buf = v.getMember("buffer");
            int off = v.getMember("byteOffset").asInt();
            byte[] b = new byte[v.getMember("byteLength").asInt()];
            LoadedCode.readBufferToEnd(buf, off, b, b.length);
            return b;
        }
        return null;
    }

    /** A JS typed array or DataView: a view over an ArrayBuffer. */
    static boolean isTypedArray(Value v) {
        if (!v.hasMembers() || v.isHostObject() || v.isProxyObject()) {
            return false;
        }
        Value buf = v.getMember("buffer");
        return buf != null && buf.hasBufferElements() && v.hasMember("byteOffset");
    }

    private static boolean isPlainJsObject(Value v) {
        Value meta = v.getMetaObject();
        return meta != null && "Object".equals(meta.getMetaSimpleName()) && !v.hasMember("__class__");
    }

    static String typeName(Value v) {
        Value meta = v.getMetaObject();
        return meta == null ? "value" : meta.getMetaSimpleName();
    }

    private static IllegalArgumentException refuse(Value v, String where) {
        return new IllegalArgumentException("TypeError: state cannot hold a " + typeName(v) + " (at '" + where
                + "'): use null, booleans, numbers, strings, bytes, lists and maps");
    }
}
