package org.fusd.host.driver;

import java.util.LinkedHashMap;
import java.util.Map;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyHashMap;
import org.graalvm.polyglot.proxy.ProxyIterator;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * A host-owned map behind {@code device.state}, {@code file.state} and any map
 * stored in them. It holds host values only (see {@link HostValues}), so it
 * survives the context that wrote it: a reloaded script sees the same state.
 * Scripts use it as an object ({@code state.count}) or, in Python, also as a
 * dict ({@code state["count"]}). Touched only on the device's loop thread.
 */
public final class StateObject implements ProxyObject, ProxyHashMap {
    private final Map<String, Object> map = new LinkedHashMap<>();
    private final StateSpace space;

    StateObject(StateSpace space) {
        this.space = space;
    }

    /** A snapshot of the raw host values, for tests and tracing. */
    public Map<String, Object> snapshot() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** The host value under key (byte[] for bytes, StateObject/StateList for containers). */
    public Object get(String key) {
        return map.get(key);
    }

    // ProxyObject: state.key

    @Override
    public Object getMember(String key) {
        return HostValues.toGuest(map.get(key), space);
    }

    @Override
    public Object getMemberKeys() {
        return new StateList(space, map.keySet().stream().map(k -> (Object) k).toList());
    }

    @Override
    public boolean hasMember(String key) {
        return map.containsKey(key);
    }

    @Override
    public void putMember(String key, Value value) {
        Object now = HostValues.toHost(value, space, key);
        boolean had = map.containsKey(key);
        Object old = map.get(key);
        space.replace(had ? old : null, had ? now : new StateSpace.Sized(StateSpace.entrySize(key, now)), key);
        map.put(key, now);
    }

    /** Stores a value already converted, while building a container (accounted when it is stored). */
    void putHost(String key, Object hostValue) {
        map.put(key, hostValue);
    }

    /** The estimated size of this map and what it holds (see {@link StateSpace}). */
    long estimatedSize() {
        long n = 48;
        for (Map.Entry<String, Object> e : map.entrySet()) {
            n += StateSpace.entrySize(e.getKey(), e.getValue());
        }
        return n;
    }

    @Override
    public boolean removeMember(String key) {
        if (!map.containsKey(key)) {
            return false;
        }
        Object old = map.remove(key);
        space.release(new StateSpace.Sized(StateSpace.entrySize(key, old)));
        return true;
    }

    // ProxyHashMap: state["key"], for Python's dict syntax

    @Override
    public long getHashSize() {
        return map.size();
    }

    @Override
    public boolean hasHashEntry(Value key) {
        return key.isString() && map.containsKey(key.asString());
    }

    @Override
    public Object getHashValue(Value key) {
        return key.isString() ? getMember(key.asString()) : null;
    }

    @Override
    public void putHashEntry(Value key, Value value) {
        putMember(keyOf(key), value);
    }

    @Override
    public boolean removeHashEntry(Value key) {
        return key.isString() && removeMember(key.asString());
    }

    @Override
    public Object getHashEntriesIterator() {
        var it = map.entrySet().iterator();
        return new ProxyIterator() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Object getNext() {
                var e = it.next();
                return new StateList(
                        space, java.util.List.of(e.getKey(), e.getValue() == null ? NullMarker.NULL : e.getValue()));
            }
        };
    }

    private static String keyOf(Value key) {
        if (!key.isString()) {
            throw new IllegalArgumentException(
                    "TypeError: state keys must be strings, not " + HostValues.typeName(key));
        }
        return key.asString();
    }

    /** Stands in for a null element when building a list from Java's List.of (which refuses null). */
    enum NullMarker {
        NULL
    }
}
