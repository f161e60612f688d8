package org.fusd.host.device;

/** The answer to an llseek: the new file position (>= 0), or an errno. */
public final class SeekReply extends Reply {

    public SeekReply(ReplyEncoder encoder, long id) {
        super(encoder, id);
    }

    /** The new position; a negative one is EINVAL. */
    public void position(long pos) {
        if (pos < 0) {
            error(Errno.EINVAL);
            return;
        }
        if (begin()) {
            encoder.seeked(this, pos);
            end(null, pos);
        }
    }
}
