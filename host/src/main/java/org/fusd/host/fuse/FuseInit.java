package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import org.fusd.host.device.Errno;

/**
 * FUSE_INIT for a mount: accept major 7, answer the kernel's minor capped at
 * the structs we write, and ask for big writes and 1 MiB requests. (CUSE has
 * its own init, CUSE_INIT, with the same negotiation and a device name.)
 */
public final class FuseInit {
    private volatile int minor;

    /** The negotiated minor, 0 before INIT. */
    public int minor() {
        return minor;
    }

    public void addTo(OpTable t) {
        t.add(FuseProtocol.INIT, "INIT", FuseProtocol.INIT_IN_MIN, this::init);
    }

    private void init(FuseRequest req) {
        int major = req.u32(FuseProtocol.INIT_IN_MAJOR);
        int kernelMinor = req.u32(FuseProtocol.INIT_IN_MINOR);
        int maxReadahead = req.u32(FuseProtocol.INIT_IN_MAX_READAHEAD);
        int kernelFlags = req.u32(FuseProtocol.INIT_IN_FLAGS);
        FuseSession s = req.session();
        if (major < FuseProtocol.KERNEL_VERSION
                || (major == FuseProtocol.KERNEL_VERSION && kernelMinor < FuseProtocol.MIN_MINOR)) {
            System.err.println("fusd: kernel FUSE protocol " + major + "." + kernelMinor + " is too old (need 7."
                    + FuseProtocol.MIN_MINOR + ")");
            s.replyError(req.unique, Errno.EPROTO.number());
            return;
        }
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.INIT_OUT);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        for (int i = 0; i < FuseProtocol.INIT_OUT; i += 4) {
            b.putInt(o + i, 0);
        }
        b.putInt(o + FuseProtocol.INIT_OUT_MAJOR, FuseProtocol.KERNEL_VERSION);
        if (major > FuseProtocol.KERNEL_VERSION) {
            // The kernel will send INIT again with our major; this reply is major and minor only.
            s.send(rb, req.unique, 0, FuseProtocol.INIT_OUT_MAX_READAHEAD);
            return;
        }
        int m = Math.min(kernelMinor, FuseProtocol.MAX_MINOR);
        minor = m;
        b.putInt(o + FuseProtocol.INIT_OUT_MINOR, m);
        b.putInt(o + FuseProtocol.INIT_OUT_MAX_READAHEAD, maxReadahead);
        b.putInt(o + FuseProtocol.INIT_OUT_FLAGS, kernelFlags & (FuseProtocol.BIG_WRITES | FuseProtocol.MAX_PAGES));
        b.putShort(o + FuseProtocol.INIT_OUT_MAX_BACKGROUND, (short) 16);
        b.putShort(o + FuseProtocol.INIT_OUT_CONGESTION_THRESHOLD, (short) 12);
        b.putInt(o + FuseProtocol.INIT_OUT_MAX_WRITE, FuseProtocol.MAX_WRITE);
        b.putInt(o + FuseProtocol.INIT_OUT_TIME_GRAN, 1);
        b.putShort(o + FuseProtocol.INIT_OUT_MAX_PAGES, (short) (FuseProtocol.MAX_WRITE / 4096));
        s.send(rb, req.unique, 0, FuseProtocol.INIT_OUT);
    }
}
