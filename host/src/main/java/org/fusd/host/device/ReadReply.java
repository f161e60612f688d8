package org.fusd.host.device;

import java.nio.ByteBuffer;

/** The answer to a read: at most {@link #max()} bytes, none for end of file, or an errno. */
public final class ReadReply extends Reply {
    private final int max;

    public ReadReply(ReplyEncoder encoder, long id, int max) {
        super(encoder, id);
        this.max = max;
    }

    /** The most bytes the caller takes. */
    public int max() {
        return max;
    }

    /** The bytes read, position to limit (cut to {@link #max()}); null or empty: end of file. Copied before this returns. */
    public void bytes(ByteBuffer bytes) {
        if (begin()) {
            int n = bytes == null ? 0 : Math.min(bytes.remaining(), max);
            encoder.read(this, bytes, n);
            end(null, n);
        }
    }

    public void endOfFile() {
        bytes(null);
    }
}
