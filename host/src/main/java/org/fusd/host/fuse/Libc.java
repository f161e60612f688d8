package org.fusd.host.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.Buffer;

/**
 * The few libc calls Java lacks, through JNA. The request/reply path (read,
 * write, writev) is direct-mapped with raw addresses so a round trip costs no
 * allocation; the rare calls (mount, spawn, recvmsg) use an interface mapping.
 * Errors surface as {@link LastErrorException} carrying errno.
 */
public final class Libc {
    public static final int O_RDWR = 02;
    public static final int O_CLOEXEC = 02000000;
    public static final int F_SETFD = 2;
    public static final int FD_CLOEXEC = 1;
    public static final int MS_NOSUID = 2;
    public static final int MS_NODEV = 4;
    public static final int MNT_DETACH = 2;
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;

    public static final int EINTR = 4;
    public static final int ENOENT = 2;
    public static final int EAGAIN = 11;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int ENOTCONN = 107;

    static {
        Native.register(Libc.class, NativeLibrary.getInstance("c"));
    }

    private Libc() {}

    public static native long read(int fd, long buf, long count) throws LastErrorException;

    public static native long write(int fd, long buf, long count) throws LastErrorException;

    public static native long writev(int fd, long iov, int iovcnt) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native int open(String path, int flags) throws LastErrorException;

    public static native int getuid();

    public static native int getgid();

    public static native int mount(String source, String target, String type, long flags, String data)
            throws LastErrorException;

    public static native int umount2(String target, int flags) throws LastErrorException;

    /** The address of a direct buffer's first byte (ignoring its position). */
    public static long address(Buffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** Calls needing arrays or structs: not on any hot path. */
    public interface Ext extends Library {
        Ext INSTANCE = Native.load("c", Ext.class);

        int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

        long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

        long send(int fd, Pointer buf, long len, int flags) throws LastErrorException;

        long recv(int fd, Pointer buf, long len, int flags) throws LastErrorException;

        int posix_spawnp(int[] pid, String file, Pointer fileActions, Pointer attr, String[] argv, String[] envp);

        int waitpid(int pid, int[] status, int options);

        int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        int stat(String path, Pointer buf) throws LastErrorException;
    }

    /** errno of a failed call, or -1 if the throwable is not one. */
    public static int errno(Throwable t) {
        return t instanceof LastErrorException e ? e.getErrorCode() : -1;
    }
}
