package org.fusd.host.sys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One thread's memory for the messages it writes: a direct buffer in the
 * wire's byte order and its address for write(2). Kept per thread (a ThreadLocal), so
 * any thread can answer a call without a lock or an allocation; it grows to
 * the largest message the thread has sent, keeping what is already in it.
 */
public class OutBuffer {
    private final ByteOrder order;
    private final int doublingLimit;
    private ByteBuffer bytes;
    private long address;

    /** Growth doubles the capacity up to doublingLimit; a larger message gets exactly its size. */
    public OutBuffer(ByteOrder order, int capacity, int doublingLimit) {
        this.order = order;
        this.doublingLimit = doublingLimit;
        allocate(capacity);
    }

    private void allocate(int capacity) {
        bytes = ByteBuffer.allocateDirect(capacity).order(order);
        address = Libc.address(bytes);
    }

    public final ByteBuffer bytes() {
        return bytes;
    }

    public final long address() {
        return address;
    }

    /** Makes room for size bytes from the start; returns {@link #bytes()}. */
    public final ByteBuffer ensure(int size) {
        if (size > bytes.capacity()) {
            ByteBuffer old = bytes;
            allocate(Math.max(size, (int) Math.min(2L * old.capacity(), doublingLimit)));
            bytes.put(0, old, 0, old.capacity());
        }
        return bytes;
    }
}
