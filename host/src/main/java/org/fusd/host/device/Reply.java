package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * How a device answers one call. Implemented by each channel; a device calls
 * exactly one completion method, once, from any thread, now or later
 * (a deferred reply). Later completions are ignored.
 */
public interface Reply {

    /** The call failed; the caller sees this errno. */
    void error(Errno errno);

    /** open, flush, release succeeded. */
    void ok();

    /**
     * read succeeded with these bytes (position to limit; at most the size
     * asked). The channel copies them before returning.
     */
    void data(ByteBuffer bytes);

    /** write consumed n bytes; poll: n is the event mask. */
    void count(int n);

    /** ioctl succeeded: the return value and the bytes to copy out (null if none). */
    void ioctl(int result, ByteBuffer out);

    /**
     * Registers what to run if the caller is interrupted by a signal before
     * the reply. The channel then answers EINTR itself; the device's later
     * completion is ignored. Runs at most once, on a channel thread.
     */
    void onInterrupt(Runnable action);

    /** True once completed or interrupted. */
    boolean isDone();
}
