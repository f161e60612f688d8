package org.fusd.host.channel.cuse;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.fusd.host.device.Errno;
import org.fusd.host.sys.Libc;

/** The device node of a CUSE device: is it there, make it, give it its mode and owner. */
final class CuseNodes {
    private CuseNodes() {}

    /** True if path is a character device with this number. */
    static boolean isCharDevice(Path path, long rdev) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            long dev = (Long) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            return (mode & Libc.S_IFMT) == Libc.S_IFCHR && dev == rdev;
        } catch (IOException e) {
            return false;
        }
    }

    static void mknod(Path path, long rdev) throws IOException {
        try {
            Files.deleteIfExists(path);
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent()); // drums/bam: devtmpfs would make /dev/drums
            }
            Libc.Ext.INSTANCE.mknod(path.toString(), Libc.S_IFCHR | 0600, rdev);
        } catch (LastErrorException e) {
            throw new IOException("cannot make " + path + ": " + Errno.byNumber(e.getErrorCode()));
        }
    }

    /**
     * chmod and chown, as the fuse channel gives its files the driver's mode and the host's owner.
     * By path (chmod(2)/chown(2)), never through an open fd: the JDK opens the file to change the
     * mode of a path it must not follow, and CUSE makes the node before it adds the cdev, so such
     * an open can fail with ENXIO. The caller has checked that path is the device node, not a link.
     */
    static void setModeAndOwner(Path path, int mode, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", gid);
        Files.setAttribute(path, "unix:mode", mode & 07777);
    }
}
