package org.fusd.host.channel.fusd;

import java.nio.ByteBuffer;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;
import org.fusd.host.device.ReplyEncoder;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.SilentEncoder;
import org.fusd.host.device.WriteReply;

/**
 * Writes the answers to one open file's requests as FUSD_REPLY messages,
 * shaped to pass the module's checks (READ: result = payload length <= size;
 * WRITE: count <= size; OPEN/FLUSH: 0; IOCTL: payload <= _IOC_SIZE for
 * _IOR). A release is not answered: the kernel does not wait for it.
 */
final class FusdEncoder implements ReplyEncoder {
    private final FusdChannel channel;
    private final FusdFile file;

    FusdEncoder(FusdChannel channel, FusdFile file) {
        this.channel = channel;
        this.file = file;
    }

    @Override
    public void error(Reply r, Errno errno) {
        int n = errno.number();
        send(r, -(n > 0 && n <= FusdAbi.ERRNO_MAX ? n : Errno.EIO.number()), null, 0);
    }

    @Override
    public void opened(OpenReply r) {
        channel.opened(file, r);
    }

    @Override
    public void openAbandoned(OpenReply r) {
        channel.releaseAbandoned(file);
    }

    @Override
    public void read(ReadReply r, ByteBuffer bytes, int n) {
        send(r, n, bytes, n);
    }

    @Override
    public void wrote(WriteReply r, int n) {
        send(r, n, null, 0);
    }

    @Override
    public void ioctl(IoctlReply r, int result, ByteBuffer out, int n) {
        send(r, result, out, n);
    }

    /** The kernel never asks for a poll: the channel's own polls answer through FusdNode. */
    @Override
    public void polled(PollReply r, int mask) {
        throw new IllegalStateException("fusd: a poll reply cannot be sent to the kernel");
    }

    @Override
    public void done(DoneReply r) {
        send(r, 0, null, 0);
    }

    @Override
    public void seeked(SeekReply r, long position) {
        channel.sendReply(file, r, position, null, 0);
    }

    @Override
    public void settled(Reply r, Object lentBuffer) {
        channel.unpend(r);
        if (r instanceof OpenReply) {
            channel.openSettled(file);
        }
        if (lentBuffer != null) {
            channel.giveBack((ByteBuffer) lentBuffer);
        }
    }

    private void send(Reply r, long result, ByteBuffer payload, int n) {
        if (r instanceof DoneReply || r instanceof OpenReply || !file.node.device.pollVaries()) {
            channel.sendReply(file, r, result, payload, n);
        } else {
            sendAfterPoll(r, result, payload, n);
        }
    }

    /**
     * The kernel never asks for a poll mask, and a call may change it (a read
     * that empties a buffer): the file's mask is asked for and, if it changed,
     * carried in the reply (FUSD_REPLY_POLL), which the kernel applies before
     * the caller wakes, so its next poll(2) is right. Other open files
     * are left alone: their masks change when the driver says so
     * (device.notify(), as on every channel). Refreshing them all after each
     * call made every call cost one poll per open file, and the channel
     * collapsed under concurrent clients. The payload is copied since the
     * device's buffer is only valid until this returns.
     */
    private void sendAfterPoll(Reply r, long result, ByteBuffer payload, int n) {
        ByteBuffer copy = null;
        if (n > 0) {
            byte[] b = new byte[n];
            payload.get(payload.position(), b);
            copy = ByteBuffer.wrap(b);
        }
        ByteBuffer data = copy;
        file.node.pollForReply(file, mask -> channel.sendReply(file, r, result, data, n, mask));
    }

    /** For releases: nothing is written, and nothing was pending. */
    static final ReplyEncoder SILENT = new SilentEncoder();
}
