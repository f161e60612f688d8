package org.fusd.host.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The two directions of a stream the host reads and writes: a socket, a device. Blocking. */
interface Pipe extends Closeable {
    /** Reads what is there (waiting for something), into b; -1 at the end. */
    int read(ByteBuffer b) throws IOException;

    /** Writes all of b. */
    void write(ByteBuffer b) throws IOException;

    /** Runs the reading side on a thread of its own (a native wait must not hold a virtual thread's carrier). */
    default boolean needsPlatformThread() {
        return false;
    }
}
