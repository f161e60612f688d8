package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * How a channel writes answers: one method per kind of answer, each called
 * once per call by the {@link Reply}, which has already decided that the
 * answer wins and fits the operation.
 */
public interface ReplyEncoder {

    void error(Reply reply, Errno errno);

    void opened(OpenReply reply);

    /** The device accepted an open after its caller was interrupted: it expects a release. */
    default void openAbandoned(OpenReply reply) {}

    /** n bytes of bytes (from its position); bytes may be null when n is 0 (end of file). */
    void read(ReadReply reply, ByteBuffer bytes, int n);

    void wrote(WriteReply reply, int n);

    /** The ioctl's result and n bytes of out (from its position) to copy back; out may be null when n is 0. */
    void ioctl(IoctlReply reply, int result, ByteBuffer out, int n);

    /** Asks the kernel to run the ioctl again with these caller regions mapped (CUSE only). */
    default void ioctlRetry(IoctlReply reply, long[] in, long[] out) {
        error(reply, Errno.ENOTTY);
    }

    void polled(PollReply reply, int mask);

    /** flush or release succeeded. */
    void done(DoneReply reply);

    /** The new position after an llseek (channels that seek: fusd). */
    default void seeked(SeekReply reply, long position) {
        error(reply, Errno.ESPIPE);
    }

    /** After the answer (or an interrupt) ended the call: forget it, take back lentBuffer (null if none). */
    default void settled(Reply reply, Object lentBuffer) {}
}
