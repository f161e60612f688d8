package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fusd.host.device.Errno;

/**
 * CUSE_INIT, the first request on a /dev/cuse fd: the FUSE version
 * negotiation of {@link FuseInit} plus what makes the character device. The
 * reply is struct cuse_init_out followed by the device info, "KEY=value" strings each ending in NUL; the kernel needs
 * DEVNAME. We ask for unrestricted ioctls (FUSE_IOCTL_RETRY rounds, see
 * {@link FuseIoctlMemory}). The kernel creates the device after reading the reply,
 * or aborts the connection if it refuses (name taken, number busy).
 */
public final class CuseInit {
    /** The kernel refuses a CUSE server that answers an older minor. */
    public static final int MIN_MINOR = 11;
    /** The device info must fit in one page. */
    public static final int INFO_MAX = 4096;

    private final String devname;
    private final int devMajor;
    private final int devMinor;
    private volatile int minor;

    /** devMajor 0 lets the kernel pick a free number (devMinor is then the first minor tried). */
    public CuseInit(String devname, int devMajor, int devMinor) {
        if (infoLength(devname) > INFO_MAX || devname.isEmpty() || devname.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad CUSE device name: '" + devname + "'");
        }
        this.devname = devname;
        this.devMajor = devMajor;
        this.devMinor = devMinor;
    }

    /** The negotiated minor, 0 before CUSE_INIT was answered. */
    public int minor() {
        return minor;
    }

    public void addTo(OpTable t) {
        t.add(FuseProtocol.CUSE_INIT, "CUSE_INIT", FuseProtocol.CUSE_INIT_IN, this::init);
    }

    private void init(FuseRequest req) {
        int major = req.u32(FuseProtocol.CUSE_INIT_IN_MAJOR);
        int kernelMinor = req.u32(FuseProtocol.CUSE_INIT_IN_MINOR);
        FuseSession s = req.session();
        if (major != FuseProtocol.KERNEL_VERSION || kernelMinor < MIN_MINOR) {
            System.err.println("fusd: kernel CUSE protocol " + major + "." + kernelMinor + " is not supported (need 7."
                    + MIN_MINOR + " or newer 7.x)");
            s.replyError(req.unique, Errno.EPROTO.number());
            return;
        }
        int m = Math.min(kernelMinor, FuseProtocol.MAX_MINOR);
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.CUSE_INIT_OUT + infoLength(devname));
        int n = encode(rb.bytes(), FuseProtocol.OUT_HEADER, m, FuseProtocol.MAX_WRITE, devMajor, devMinor, devname);
        minor = m;
        s.send(rb, req.unique, 0, n);
    }

    /** Bytes of the device info for a name: "DEVNAME=" + name + NUL. */
    static int infoLength(String devname) {
        return 8 + devname.getBytes(StandardCharsets.UTF_8).length + 1;
    }

    /**
     * Writes cuse_init_out and the device info at b[at...]; returns the body
     * length. maxIo is both max_read and max_write.
     */
    public static int encode(ByteBuffer b, int at, int minor, int maxIo, int devMajor, int devMinor, String devname) {
        for (int i = 0; i < FuseProtocol.CUSE_INIT_OUT; i += 4) {
            b.putInt(at + i, 0);
        }
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_MAJOR, FuseProtocol.KERNEL_VERSION);
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_MINOR, minor);
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_FLAGS, FuseProtocol.CUSE_UNRESTRICTED_IOCTL);
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_MAX_READ, maxIo);
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_MAX_WRITE, maxIo);
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_DEV_MAJOR, devMajor);
        b.putInt(at + FuseProtocol.CUSE_INIT_OUT_DEV_MINOR, devMinor);
        byte[] info = ("DEVNAME=" + devname).getBytes(StandardCharsets.UTF_8);
        b.put(at + FuseProtocol.CUSE_INIT_OUT, info);
        b.put(at + FuseProtocol.CUSE_INIT_OUT + info.length, (byte) 0);
        return FuseProtocol.CUSE_INIT_OUT + info.length + 1;
    }
}
