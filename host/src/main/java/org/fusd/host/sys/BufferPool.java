package org.fusd.host.sys;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Request buffers a reader thread reads into. When a call keeps a slice of
 * its request (WRITE data, ioctl input) past the reader's turn, the reader
 * takes another buffer and the call gives the lent one back when it is
 * answered. Up to {@code max} spares are kept for reuse; more go to the
 * garbage collector, so a burst of slow calls does not pin memory forever.
 */
public final class BufferPool<B> {
    private final ConcurrentLinkedQueue<B> spare = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spareCount = new AtomicInteger();
    private final int max;
    private final Supplier<B> make;

    public BufferPool(int max, Supplier<B> make) {
        this.max = max;
        this.make = make;
    }

    /** A spare buffer, or a new one if none is left. */
    public B take() {
        B b = spare.poll();
        if (b != null) {
            spareCount.decrementAndGet();
            return b;
        }
        return make.get();
    }

    /** Returns a buffer nobody uses any more. */
    public void giveBack(B b) {
        if (spareCount.incrementAndGet() <= max) {
            spare.offer(b);
        } else {
            spareCount.decrementAndGet();
        }
    }
}
