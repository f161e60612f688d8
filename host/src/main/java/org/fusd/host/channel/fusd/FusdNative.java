package org.fusd.host.channel.fusd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The libc calls the fusd channel needs beyond org.fusd.host.fuse.Libc
 * (read, write, open, close): poll(2) and an eventfd, so that close() can
 * wake the reader thread (closing an fd does not end a read blocked on it).
 * Direct-mapped with raw addresses: no allocation per call.
 */
final class FusdNative {
    static final int POLLIN = 0x1;
    static final int EFD_CLOEXEC = 02000000;
    static final int EFD_NONBLOCK = 04000;
    static final int O_NONBLOCK = 04000;

    static {
        Native.register(FusdNative.class, NativeLibrary.getInstance("c"));
    }

    private FusdNative() {}

    /** fds: an array of struct pollfd {int fd; short events; short revents;}. */
    static native int poll(long fds, long nfds, int timeout) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;
}
