package org.fusd.host.device;

/** The answer to a write: how many of the offered bytes were taken, or an errno. */
public final class WriteReply extends Reply {
    private final int offered;

    public WriteReply(ReplyEncoder encoder, long id, int offered) {
        super(encoder, id);
        this.offered = offered;
    }

    public int offered() {
        return offered;
    }

    /** n bytes taken, kept within 0..offered. */
    public void count(int n) {
        if (begin()) {
            int taken = Math.max(0, Math.min(n, offered));
            encoder.wrote(this, taken);
            end(null, taken);
        }
    }
}
