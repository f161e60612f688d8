package org.fusd.host.driver;

import java.nio.ByteBuffer;
import org.graalvm.polyglot.Value;

/**
 * Memory that {@code device.buffer(size)} lends a script: off the Java heap, so
 * that a read answered with it goes to the channel without a copy. The garbage
 * collector frees it once neither the script nor a reply holds it.
 */
final class HostBuffers {
    /** The largest buffer one call may ask for. */
    static final int MAX_SIZE = 256 << 20;

    private HostBuffers() {}

    /** A zeroed buffer of the size the script asked for; errors name the call, as the script sees it. */
    static ByteBuffer allocate(Value size) {
        if (size == null || !size.fitsInLong()) {
            throw new IllegalArgumentException("TypeError: device.buffer(size): size must be a whole number of bytes");
        }
        long n = size.asLong();
        if (n <= 0 || n > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "RangeError: device.buffer(" + n + "): size must be 1 to " + MAX_SIZE + " bytes");
        }
        try {
            return ByteBuffer.allocateDirect((int) n);
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException(
                    "ENOMEM: device.buffer(" + n + "): the host has no room for it (" + e.getMessage() + ")", e);
        }
    }
}
