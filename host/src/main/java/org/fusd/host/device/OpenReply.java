package org.fusd.host.device;

/** The answer to an open: success, or an errno. */
public final class OpenReply extends Reply {

    public OpenReply(ReplyEncoder encoder, long id) {
        super(encoder, id);
    }

    /** Success; an open whose caller was interrupted first is handed back to the channel to release. */
    public void ok() {
        if (begin()) {
            encoder.opened(this);
            end(null, 0);
        } else if (endedByInterrupt()) {
            encoder.openAbandoned(this);
        }
    }
}
