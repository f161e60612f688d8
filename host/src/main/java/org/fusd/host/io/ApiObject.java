package org.fusd.host.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * A host object of the I/O API as scripts see it: named functions, nothing
 * else. Proxies rather than exported Java methods, because a Java varargs
 * method would take a lone Uint8Array argument for the argument array itself.
 */
abstract class ApiObject implements ProxyObject {
    private final Map<String, ProxyExecutable> members = new LinkedHashMap<>();

    final void member(String name, ProxyExecutable fn) {
        members.put(name, fn);
    }

    /** The names scripts can call (the typings list them). */
    public final Set<String> memberNames() {
        return members.keySet();
    }

    @Override
    public final Object getMember(String key) {
        return members.get(key);
    }

    @Override
    public final Object getMemberKeys() {
        return ProxyArray.fromArray(members.keySet().toArray());
    }

    @Override
    public final boolean hasMember(String key) {
        return members.containsKey(key);
    }

    @Override
    public final void putMember(String key, Value value) {
        throw new UnsupportedOperationException("TypeError: " + key + " is read-only");
    }
}
