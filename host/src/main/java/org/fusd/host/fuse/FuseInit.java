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
        int major = req.u32(0);
        int kernelMinor = req.u32(4);
        int maxReadahead = req.u32(8);
        int kernelFlags = req.u32(12);
        FuseSession s = req.session();
        if (major < FuseProtocol.KERNEL_MAJOR
                || (major == FuseProtocol.KERNEL_MAJOR && kernelMinor < FuseProtocol.MIN_MINOR)) {
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
        b.putInt(o, FuseProtocol.KERNEL_MAJOR);
        if (major > FuseProtocol.KERNEL_MAJOR) {
            // The kernel will send INIT again with our major.
            s.send(rb, req.unique, 0, 8);
            return;
        }
        int m = Math.min(kernelMinor, FuseProtocol.MAX_MINOR);
        minor = m;
        b.putInt(o + 4, m);
        b.putInt(o + 8, maxReadahead);
        b.putInt(o + 12, kernelFlags & (FuseProtocol.BIG_WRITES | FuseProtocol.MAX_PAGES));
        b.putShort(o + 16, (short) 16); // max_background
        b.putShort(o + 18, (short) 12); // congestion_threshold
        b.putInt(o + 20, FuseProtocol.MAX_WRITE);
        b.putInt(o + 24, 1); // time_gran
        b.putShort(o + 28, (short) (FuseProtocol.MAX_WRITE / 4096)); // max_pages
        s.send(rb, req.unique, 0, FuseProtocol.INIT_OUT);
    }
}
