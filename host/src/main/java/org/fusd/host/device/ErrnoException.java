package org.fusd.host.device;

/** Thrown by Java drivers (and the script runtime) to answer a call with an errno. */
public class ErrnoException extends RuntimeException {
    private final Errno errno;

    public ErrnoException(Errno errno) {
        this(errno, errno.name());
    }

    public ErrnoException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
