package org.fusd.host.device;

import java.nio.ByteBuffer;

/**
 * An encoder that writes nothing: for answers nobody waits for (a fusd
 * release) and a base for encoders that care about one kind only.
 */
public class SilentEncoder implements ReplyEncoder {
    @Override
    public void error(Reply r, Errno errno) {}

    @Override
    public void opened(OpenReply r) {}

    @Override
    public void read(ReadReply r, ByteBuffer bytes, int n) {}

    @Override
    public void wrote(WriteReply r, int n) {}

    @Override
    public void ioctl(IoctlReply r, int result, ByteBuffer out, int n) {}

    @Override
    public void polled(PollReply r, int mask) {}

    @Override
    public void done(DoneReply r) {}
}
