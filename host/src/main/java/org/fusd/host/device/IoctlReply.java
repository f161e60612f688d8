package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * The answer to an ioctl: a result (ioctl(2)'s return value) with up to
 * {@link #maxOut()} bytes to copy back to the caller, a request for more of
 * the caller's memory ({@link #retry}), or an errno.
 */
public final class IoctlReply extends Reply {
    private final int maxOut;

    public IoctlReply(ReplyEncoder encoder, long id, int maxOut) {
        super(encoder, id);
        this.maxOut = maxOut;
    }

    /** The most bytes the caller takes back. */
    public int maxOut() {
        return maxOut;
    }

    public void result(int result) {
        result(result, null);
    }

    /** A negative result is that errno; out (position to limit, cut to maxOut) may be null. */
    public void result(int result, ByteBuffer out) {
        if (result < 0) {
            error(Errno.byNumber(-result));
            return;
        }
        if (begin()) {
            int n = out == null ? 0 : Math.min(out.remaining(), maxOut);
            encoder.ioctl(this, result, out, n);
            end(null, result);
        }
    }

    /**
     * Asks for the call again with these regions of the caller's memory mapped
     * ({@link IoctlMemory}); channels that cannot map memory answer ENOTTY.
     */
    public void retry(long[] in, long[] out) {
        if (begin()) {
            encoder.ioctlRetry(this, in, out);
            end(null, 0);
        }
    }
}
