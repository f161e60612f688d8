package org.fusd.host.device;

/** The answer to a poll: the events ready now ({@link PollEvents}), or an errno. */
public final class PollReply extends Reply {

    public PollReply(ReplyEncoder encoder, long id) {
        super(encoder, id);
    }

    public void mask(int events) {
        if (begin()) {
            encoder.polled(this, events);
            end(null, events);
        }
    }
}
