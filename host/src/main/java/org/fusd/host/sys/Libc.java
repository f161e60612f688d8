package org.fusd.host.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.Buffer;

/**
 * The host's one binding to libc, through JNA: the calls Java lacks and the
 * numbers they take. The request/reply path (read, write, writev, poll) is
 * direct-mapped with raw addresses so a round trip costs no allocation; the
 * rare calls needing arrays or structs (mount helper, sockets, mknod) go
 * through {@link Ext}, an interface mapping. Errors surface as
 * {@link LastErrorException} carrying errno (see org.fusd.host.device.Errno).
 */
public final class Libc {
    // open(2)
    public static final int O_RDWR = 02;
    public static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    // fcntl(2)
    public static final int F_SETFD = 2;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = 1;

    // memfd_create(2), F_ADD_SEALS, mmap(2)
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_SEAL_SHRINK = 2;
    public static final int F_SEAL_GROW = 4;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_FIXED = 0x10;
    public static final int SEEK_END = 2;

    // mount(2), umount2(2)
    public static final int MS_NOSUID = 2;
    public static final int MS_NODEV = 4;
    public static final int MNT_DETACH = 2;

    // socket(2), cmsg(3)
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;

    // poll(2)
    public static final short POLLIN = 0x001;
    public static final short POLLOUT = 0x004;

    // errno values the I/O API waits on
    public static final int EAGAIN = 11;
    public static final int EINTR = 4;

    // termios(3): tcsetattr's "now"; the size of struct termios (glibc) with room to spare
    public static final int TCSANOW = 0;
    public static final int TERMIOS_SIZE = 64;

    // eventfd(2)
    public static final int EFD_NONBLOCK = 04000;
    public static final int EFD_CLOEXEC = 02000000;

    // stat(2) st_mode, mknod(2)
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFREG = 0100000;

    static {
        Native.register(Libc.class, NativeLibrary.getInstance("c"));
    }

    private Libc() {}

    public static native long read(int fd, long buf, long count) throws LastErrorException;

    public static native long write(int fd, long buf, long count) throws LastErrorException;

    public static native long writev(int fd, long iov, int iovcnt) throws LastErrorException;

    /** fds: an array of struct pollfd {int fd; short events; short revents;}. */
    public static native int poll(long fds, long nfds, int timeout) throws LastErrorException;

    public static native int eventfd(int initval, int flags) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native int open(String path, int flags) throws LastErrorException;

    /** ioctl(2) with a pointer or number argument. */
    public static native int ioctl(int fd, long request, long arg) throws LastErrorException;

    public static native int memfd_create(String name, int flags) throws LastErrorException;

    public static native int ftruncate(int fd, long length) throws LastErrorException;

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    public static native int munmap(long addr, long length) throws LastErrorException;

    public static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    public static native int getuid();

    public static native int getgid();

    public static native int mount(String source, String target, String type, long flags, String data)
            throws LastErrorException;

    public static native int umount2(String target, int flags) throws LastErrorException;

    public static native int getpid();

    public static native long pthread_self();

    /** Returns the error number (0 on success), like every pthread call. */
    public static native int pthread_kill(long thread, int sig);

    /** The address of a direct buffer's first byte (ignoring its position). */
    public static long address(Buffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** The kernel's dev_t encoding of a device number (glibc's makedev macro). */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    /** Calls needing arrays or structs: not on any hot path. */
    public interface Ext extends Library {
        Ext INSTANCE = Native.load("c", Ext.class);

        int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

        long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

        int posix_spawnp(int[] pid, String file, Pointer fileActions, Pointer attr, String[] argv, String[] envp);

        int waitpid(int pid, int[] status, int options);

        int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        int stat(String path, Pointer buf) throws LastErrorException;

        int mknod(String path, int mode, long dev) throws LastErrorException;

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, Pointer addr, int len) throws LastErrorException;

        int listen(int fd, int backlog) throws LastErrorException;

        int accept4(int fd, Pointer addr, Pointer len, int flags) throws LastErrorException;

        int connect(int fd, Pointer addr, int len) throws LastErrorException;

        long sendmsg(int fd, Pointer msg, int flags) throws LastErrorException;

        int shutdown(int fd, int how) throws LastErrorException;

        int dup(int fd) throws LastErrorException;

        int dup2(int fd, int to) throws LastErrorException;

        int sigaction(int sig, Pointer act, Pointer old) throws LastErrorException;

        int __libc_current_sigrtmin();

        int tcgetattr(int fd, Pointer termios) throws LastErrorException;

        int tcsetattr(int fd, int when, Pointer termios) throws LastErrorException;

        void cfmakeraw(Pointer termios);

        int cfsetspeed(Pointer termios, int speed) throws LastErrorException;

        int cfgetospeed(Pointer termios);
    }
}
