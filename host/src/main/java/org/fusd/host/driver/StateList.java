package org.fusd.host.driver;

import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;

/**
 * A host-owned list stored in state (see {@link StateObject}). Setting the
 * element just past the end appends, which is how JS {@code push} and Python
 * {@code append} reach it. Loop thread only.
 */
public final class StateList implements ProxyArray {
    private final List<Object> list;
    private final StateSpace space;

    StateList(StateSpace space) {
        this.space = space;
        this.list = new ArrayList<>();
    }

    StateList(StateSpace space, List<Object> hostValues) {
        this.space = space;
        this.list = new ArrayList<>(hostValues.size());
        for (Object o : hostValues) {
            list.add(o == StateObject.NullMarker.NULL ? null : o);
        }
    }

    /** The raw host values (byte[] for bytes). */
    public List<Object> snapshot() {
        return java.util.Collections.unmodifiableList(new ArrayList<>(list));
    }

    void addHost(Object hostValue) {
        list.add(hostValue);
    }

    private static final long ELEMENT = 8;

    /** The estimated size of this list and what it holds (see {@link StateSpace}). */
    long estimatedSize() {
        long n = 40;
        for (Object o : list) {
            n += StateSpace.sizeOf(o) + ELEMENT;
        }
        return n;
    }

    @Override
    public Object get(long index) {
        checkIndex(index, list.size());
        return HostValues.toGuest(list.get((int) index), space);
    }

    @Override
    public void set(long index, Value value) {
        checkIndex(index, list.size() + 1);
        Object v = HostValues.toHost(value, space, "[" + index + "]");
        if (index == list.size()) {
            space.replace(null, new StateSpace.Sized(StateSpace.sizeOf(v) + ELEMENT), "[" + index + "]");
            list.add(v);
        } else {
            space.replace(list.get((int) index), v, "[" + index + "]");
            list.set((int) index, v);
        }
    }

    @Override
    public boolean remove(long index) {
        checkIndex(index, list.size());
        Object old = list.remove((int) index);
        space.release(new StateSpace.Sized(StateSpace.sizeOf(old) + ELEMENT));
        return true;
    }

    @Override
    public long getSize() {
        return list.size();
    }

    private static void checkIndex(long index, int bound) {
        if (index < 0 || index >= bound) {
            throw new ArrayIndexOutOfBoundsException("index " + index + " out of range 0.." + (bound - 1));
        }
    }
}
