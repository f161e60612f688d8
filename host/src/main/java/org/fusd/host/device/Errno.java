package org.fusd.host.device;

import java.util.Map;
import java.util.TreeMap;

/**
 * A Linux errno as a value: its symbolic name and its number on x86-64/arm64 (asm-generic).
 * Drivers name errnos ("EAGAIN"); channels send the number.
 */
public record Errno(String name, int number) {

    private static final Map<String, Errno> BY_NAME = new TreeMap<>();
    private static final Errno[] BY_NUMBER = new Errno[134];

    public static final Errno EPERM = define("EPERM", 1);
    public static final Errno ENOENT = define("ENOENT", 2);
    public static final Errno ESRCH = define("ESRCH", 3);
    public static final Errno EINTR = define("EINTR", 4);
    public static final Errno EIO = define("EIO", 5);
    public static final Errno ENXIO = define("ENXIO", 6);
    public static final Errno E2BIG = define("E2BIG", 7);
    public static final Errno EBADF = define("EBADF", 9);
    public static final Errno EAGAIN = define("EAGAIN", 11);
    public static final Errno ENOMEM = define("ENOMEM", 12);
    public static final Errno EACCES = define("EACCES", 13);
    public static final Errno EFAULT = define("EFAULT", 14);
    public static final Errno EBUSY = define("EBUSY", 16);
    public static final Errno EEXIST = define("EEXIST", 17);
    public static final Errno ENODEV = define("ENODEV", 19);
    public static final Errno ENOTDIR = define("ENOTDIR", 20);
    public static final Errno EISDIR = define("EISDIR", 21);
    public static final Errno EINVAL = define("EINVAL", 22);
    public static final Errno ENFILE = define("ENFILE", 23);
    public static final Errno EMFILE = define("EMFILE", 24);
    public static final Errno ENOTTY = define("ENOTTY", 25);
    public static final Errno EFBIG = define("EFBIG", 27);
    public static final Errno ENOSPC = define("ENOSPC", 28);
    public static final Errno ESPIPE = define("ESPIPE", 29);
    public static final Errno EROFS = define("EROFS", 30);
    public static final Errno EPIPE = define("EPIPE", 32);
    public static final Errno EDOM = define("EDOM", 33);
    public static final Errno ERANGE = define("ERANGE", 34);
    public static final Errno EDEADLK = define("EDEADLK", 35);
    public static final Errno ENAMETOOLONG = define("ENAMETOOLONG", 36);
    public static final Errno ENOSYS = define("ENOSYS", 38);
    public static final Errno ENODATA = define("ENODATA", 61);
    public static final Errno ETIME = define("ETIME", 62);
    public static final Errno EPROTO = define("EPROTO", 71);
    public static final Errno EBADMSG = define("EBADMSG", 74);
    public static final Errno EOVERFLOW = define("EOVERFLOW", 75);
    public static final Errno EILSEQ = define("EILSEQ", 84);
    public static final Errno EMSGSIZE = define("EMSGSIZE", 90);
    public static final Errno EOPNOTSUPP = define("EOPNOTSUPP", 95);
    public static final Errno ECONNABORTED = define("ECONNABORTED", 103);
    public static final Errno ECONNRESET = define("ECONNRESET", 104);
    public static final Errno ENOBUFS = define("ENOBUFS", 105);
    public static final Errno ENOTCONN = define("ENOTCONN", 107);
    public static final Errno ESHUTDOWN = define("ESHUTDOWN", 108);
    public static final Errno ETIMEDOUT = define("ETIMEDOUT", 110);
    public static final Errno ECONNREFUSED = define("ECONNREFUSED", 111);
    public static final Errno EHOSTUNREACH = define("EHOSTUNREACH", 113);
    public static final Errno EALREADY = define("EALREADY", 114);
    public static final Errno EINPROGRESS = define("EINPROGRESS", 115);
    public static final Errno ECANCELED = define("ECANCELED", 125);

    private static Errno define(String name, int number) {
        Errno errno = new Errno(name, number);
        BY_NAME.put(name, errno);
        BY_NUMBER[number] = errno;
        return errno;
    }

    /** The errno with this symbolic name ("EAGAIN"), or null if fusd does not know it. */
    public static Errno byName(String name) {
        return BY_NAME.get(name);
    }

    /** The errno with this positive number; unknown numbers get a name "E<number>". */
    public static Errno byNumber(int number) {
        if (number > 0 && number < BY_NUMBER.length && BY_NUMBER[number] != null) {
            return BY_NUMBER[number];
        }
        return new Errno("E" + number, number);
    }

    /** All errnos known by name, sorted by name (for the script API). */
    public static Map<String, Errno> all() {
        return java.util.Collections.unmodifiableMap(BY_NAME);
    }

    @Override
    public String toString() {
        return name;
    }
}
