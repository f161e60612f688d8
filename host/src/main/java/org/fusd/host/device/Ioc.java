package org.fusd.host.device;

/**
 * The _IOC encoding of an ioctl command (asm-generic, as on x86-64 and
 * arm64): bits 31-30 direction, 29-16 argument size, 15-8 type, 7-0 number.
 * Direction is from the caller's side: WRITE means the driver reads the
 * caller's struct, READ that it fills it.
 */
public final class Ioc {
    public static final int NONE = 0;
    public static final int WRITE = 1;
    public static final int READ = 2;

    private Ioc() {}

    /** _IOC(dir, type, nr, size). */
    public static int cmd(int dir, int type, int nr, int size) {
        return (dir << 30) | (size << 16) | (type << 8) | nr;
    }

    public static int dir(int cmd) {
        return (cmd >>> 30) & 3;
    }

    public static int size(int cmd) {
        return (cmd >>> 16) & 0x3fff;
    }

    public static int type(int cmd) {
        return (cmd >>> 8) & 0xff;
    }

    public static int nr(int cmd) {
        return cmd & 0xff;
    }

    /** True if the driver gets the caller's struct (_IOW, _IOWR). */
    public static boolean writes(int cmd) {
        return (dir(cmd) & WRITE) != 0;
    }

    /** True if the driver fills the caller's struct (_IOR, _IOWR). */
    public static boolean reads(int cmd) {
        return (dir(cmd) & READ) != 0;
    }
}
