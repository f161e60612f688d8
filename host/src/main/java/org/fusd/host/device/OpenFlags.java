package org.fusd.host.device;

/** The open(2) flag bits fusd looks at (Linux x86-64/arm64 values). */
public final class OpenFlags {
    public static final int O_ACCMODE = 0003;
    public static final int O_RDONLY = 00;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_NONBLOCK = 04000;

    private OpenFlags() {}

    public static boolean nonBlocking(int flags) {
        return (flags & O_NONBLOCK) != 0;
    }
}
