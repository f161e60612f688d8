package org.fusd.host.device;

/** The answer to a flush or a release: success, or an errno. */
public final class DoneReply extends Reply {

    public DoneReply(ReplyEncoder encoder, long id) {
        super(encoder, id);
    }

    public void ok() {
        if (begin()) {
            encoder.done(this);
            end(null, 0);
        }
    }
}
