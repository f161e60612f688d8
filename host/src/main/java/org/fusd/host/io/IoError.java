package org.fusd.host.io;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.fusd.host.device.Errno;

/**
 * What a failed I/O operation tells the driver: an errno a device's caller
 * understands if the driver passes it on, and a message saying what
 * happened. A remote end that is gone (refused, reset, hung up) is EIO; a
 * grant that is missing is EACCES with the flag to add; a closed handle EBADF.
 */
public record IoError(Errno errno, String message) {

    static IoError of(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return switch (e) {
            case GrantException g -> new IoError(Errno.EACCES, m);
            case NoSuchFileException x -> new IoError(Errno.ENOENT, m + ": no such file or directory");
            case FileNotFoundException x -> new IoError(Errno.ENOENT, m);
            case AccessDeniedException x -> new IoError(Errno.EACCES, m + ": permission denied");
            case FileAlreadyExistsException x -> new IoError(Errno.EEXIST, m + ": exists");
            case NotDirectoryException x -> new IoError(Errno.ENOTDIR, m + ": not a directory");
            case AsynchronousCloseException x -> closed();
            case ClosedChannelException x -> closed();
            case ConnectException x -> new IoError(Errno.EIO, "connection refused: " + m);
            case NoRouteToHostException x -> new IoError(Errno.EIO, "no route to host: " + m);
            case UnknownHostException x -> new IoError(Errno.EIO, "unknown host: " + m);
            case SocketTimeoutException x -> new IoError(Errno.EIO, "timed out: " + m);
            case EOFException x -> new IoError(Errno.EIO, "the other end is gone: " + m);
            case com.sun.jna.LastErrorException x -> errno(x.getErrorCode(), m);
            case IOException x -> new IoError(Errno.EIO, m);
            case IllegalArgumentException x -> new IoError(Errno.EINVAL, m);
            default -> new IoError(Errno.EIO, "internal error: " + e);
        };
    }

    /** From a libc errno: the one number the caller would get, EIO for a device that hung up. */
    static IoError errno(int number, String what) {
        Errno e = Errno.byNumber(number);
        return new IoError(e, what + " (" + e.name() + ")");
    }

    static IoError closed() {
        return new IoError(Errno.EBADF, "the handle is closed");
    }
}
