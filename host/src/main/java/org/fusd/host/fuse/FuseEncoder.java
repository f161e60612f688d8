package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.ReplyEncoder;
import org.fusd.host.device.WriteReply;

/**
 * Writes a FUSE connection's answers: each kind of answer as its out struct,
 * addressed by the request's unique id (the reply's id). One instance per
 * session serves most calls; an OPEN gets one that knows what to register
 * ({@link #forOpen}), an IOCTL one that knows its caller memory
 * ({@link #forIoctl}).
 */
public final class FuseEncoder implements ReplyEncoder {
    /** What a successful OPEN does before its answer is sent. */
    public interface OpenCompletion {
        /** Registers the open file; returns its fh. */
        long opened();

        int openFlags();
    }

    private final FuseSession session;
    private final OpenCompletion open;
    private final FuseIoctlMemory ioctl;

    FuseEncoder(FuseSession session) {
        this(session, null, null);
    }

    private FuseEncoder(FuseSession session, OpenCompletion open, FuseIoctlMemory ioctl) {
        this.session = session;
        this.open = open;
        this.ioctl = ioctl;
    }

    FuseEncoder forOpen(OpenCompletion completion) {
        return new FuseEncoder(session, completion, null);
    }

    FuseEncoder forIoctl(FuseIoctlMemory call) {
        return new FuseEncoder(session, null, call);
    }

    @Override
    public void error(Reply r, Errno errno) {
        session.replyError(r.id(), errno.number());
    }

    @Override
    public void opened(OpenReply r) {
        FuseSession.ReplyBuffer rb = session.replyBuffer(FuseProtocol.OPEN_OUT);
        ByteBuffer b = rb.bytes();
        int at = FuseProtocol.OUT_HEADER;
        b.putLong(at + FuseProtocol.OPEN_OUT_FH, open.opened());
        b.putInt(at + FuseProtocol.OPEN_OUT_OPEN_FLAGS, open.openFlags());
        b.putInt(at + FuseProtocol.OPEN_OUT_PADDING, 0);
        session.send(rb, r.id(), 0, FuseProtocol.OPEN_OUT);
    }

    @Override
    public void read(ReadReply r, ByteBuffer bytes, int n) {
        session.send(session.replyBuffer(0), r.id(), 0, bytes, n);
    }

    @Override
    public void wrote(WriteReply r, int n) {
        sendCount(r, n);
    }

    @Override
    public void polled(PollReply r, int mask) {
        sendCount(r, mask);
    }

    /** fuse_write_out and fuse_poll_out: a u32 and padding, the same layout. */
    private void sendCount(Reply r, int n) {
        FuseSession.ReplyBuffer rb = session.replyBuffer(FuseProtocol.WRITE_OUT);
        ByteBuffer b = rb.bytes();
        b.putInt(FuseProtocol.OUT_HEADER + FuseProtocol.WRITE_OUT_SIZE, n);
        b.putInt(FuseProtocol.OUT_HEADER + FuseProtocol.WRITE_OUT_PADDING, 0);
        session.send(rb, r.id(), 0, FuseProtocol.WRITE_OUT);
    }

    @Override
    public void ioctl(IoctlReply r, int result, ByteBuffer out, int n) {
        FuseSession.ReplyBuffer rb = session.replyBuffer(FuseProtocol.IOCTL_OUT + n);
        ByteBuffer b = rb.bytes();
        int at = FuseProtocol.OUT_HEADER;
        b.putInt(at + FuseProtocol.IOCTL_OUT_RESULT, result);
        b.putInt(at + FuseProtocol.IOCTL_OUT_FLAGS, 0);
        b.putInt(at + FuseProtocol.IOCTL_OUT_IN_IOVS, 0);
        b.putInt(at + FuseProtocol.IOCTL_OUT_OUT_IOVS, 0);
        session.send(rb, r.id(), FuseProtocol.IOCTL_OUT, out, n);
    }

    @Override
    public void ioctlRetry(IoctlReply r, long[] in, long[] out) {
        if (ioctl == null) {
            error(r, Errno.ENOTTY);
        } else {
            ioctl.answerRetry(session, r.id(), in, out);
        }
    }

    @Override
    public void done(DoneReply r) {
        session.replyOk(r.id());
    }

    @Override
    public void settled(Reply r, Object lentBuffer) {
        session.unregister(r);
        if (lentBuffer != null) {
            session.giveBack((FuseRequest.Buffer) lentBuffer);
        }
    }
}
