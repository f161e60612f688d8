package org.fusd.host.fuse;

/**
 * The FUSE wire protocol (include/uapi/linux/fuse.h, 7.38) as far as a device
 * server uses it: opcodes, flags, and every struct the codec reads or writes
 * as a size ({@code READ_IN} is sizeof(struct fuse_read_in)) and field
 * offsets ({@code READ_IN_OFFSET} is offsetof(struct fuse_read_in, offset)).
 * Everything is little-endian on the wire. FuseAbiTest compiles a C program
 * against the installed header and compares every name with these numbers.
 */
public final class FuseProtocol {
    public static final int KERNEL_VERSION = 7;
    /** The newest minor whose structs this codec writes; older kernels get their own minor. */
    public static final int MAX_MINOR = 38;
    /** The oldest minor we accept (max_pages, 64-byte init_out). */
    public static final int MIN_MINOR = 28;

    public static final long ROOT_ID = 1;

    // Opcodes.
    public static final int LOOKUP = 1;
    public static final int FORGET = 2;
    public static final int GETATTR = 3;
    public static final int SETATTR = 4;
    public static final int OPEN = 14;
    public static final int READ = 15;
    public static final int WRITE = 16;
    public static final int RELEASE = 18;
    public static final int FLUSH = 25;
    public static final int INIT = 26;
    public static final int OPENDIR = 27;
    public static final int READDIR = 28;
    public static final int RELEASEDIR = 29;
    public static final int INTERRUPT = 36;
    public static final int DESTROY = 38;
    public static final int IOCTL = 39;
    public static final int POLL = 40;
    public static final int BATCH_FORGET = 42;
    public static final int CUSE_INIT = 4096;

    /** Set in the unique id of an INTERRUPT request (and its reply); the kernel's, not in the uapi header. */
    public static final long INT_REQ_BIT = 1L;

    // Notifications (out header error field, unique 0).
    public static final int NOTIFY_POLL = 1;
    public static final int NOTIFY_INVAL_ENTRY = 3;
    /** Kernel >= 6.9, newer than the headers Debian 12 installs: requeue every request read and not answered. */
    public static final int NOTIFY_RESEND = 7;

    // INIT flags.
    public static final int BIG_WRITES = 1 << 5;
    public static final int MAX_PAGES = 1 << 22;

    // open reply flags.
    public static final int FOPEN_DIRECT_IO = 1;
    public static final int FOPEN_NONSEEKABLE = 1 << 2;
    public static final int FOPEN_STREAM = 1 << 4;
    public static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;

    // poll.
    public static final int POLL_SCHEDULE_NOTIFY = 1;

    // setattr valid bits.
    public static final int FATTR_MODE = 1;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    public static final int FATTR_SIZE = 1 << 3;

    // ioctl flags (fuse_ioctl_in.flags, fuse_ioctl_out.flags) and limits.
    public static final int IOCTL_COMPAT = 1;
    public static final int IOCTL_UNRESTRICTED = 1 << 1;
    public static final int IOCTL_RETRY = 1 << 2;
    /** In + out regions of one FUSE_IOCTL_RETRY. */
    public static final int IOCTL_MAX_IOV = 256;
    /** cuse_init_out.flags: serve ioctls unrestricted (the daemon asks for the memory it needs). */
    public static final int CUSE_UNRESTRICTED_IOCTL = 1;

    /** Largest WRITE payload we accept; a request buffer holds it plus headers. */
    public static final int MAX_WRITE = 1 << 20;

    public static final int REQUEST_BUFFER = MAX_WRITE + 4096;

    /** The fuse_init_in of kernels before 7.36 ends after flags. */
    public static final int INIT_IN_MIN = FuseProtocol.INIT_IN_FLAGS + 4;

    // struct fuse_in_header: size, field offsets.
    public static final int IN_HEADER = 40;
    public static final int IN_HEADER_LEN = 0;
    public static final int IN_HEADER_OPCODE = 4;
    public static final int IN_HEADER_UNIQUE = 8;
    public static final int IN_HEADER_NODEID = 16;
    public static final int IN_HEADER_UID = 24;
    public static final int IN_HEADER_GID = 28;
    public static final int IN_HEADER_PID = 32;
    public static final int IN_HEADER_TOTAL_EXTLEN = 36;
    public static final int IN_HEADER_PADDING = 38;

    // struct fuse_out_header: size, field offsets.
    public static final int OUT_HEADER = 16;
    public static final int OUT_HEADER_LEN = 0;
    public static final int OUT_HEADER_ERROR = 4;
    public static final int OUT_HEADER_UNIQUE = 8;

    // struct fuse_init_in: size, field offsets.
    public static final int INIT_IN = 64;
    public static final int INIT_IN_MAJOR = 0;
    public static final int INIT_IN_MINOR = 4;
    public static final int INIT_IN_MAX_READAHEAD = 8;
    public static final int INIT_IN_FLAGS = 12;
    public static final int INIT_IN_FLAGS2 = 16;
    public static final int INIT_IN_UNUSED = 20;

    // struct fuse_init_out: size, field offsets.
    public static final int INIT_OUT = 64;
    public static final int INIT_OUT_MAJOR = 0;
    public static final int INIT_OUT_MINOR = 4;
    public static final int INIT_OUT_MAX_READAHEAD = 8;
    public static final int INIT_OUT_FLAGS = 12;
    public static final int INIT_OUT_MAX_BACKGROUND = 16;
    public static final int INIT_OUT_CONGESTION_THRESHOLD = 18;
    public static final int INIT_OUT_MAX_WRITE = 20;
    public static final int INIT_OUT_TIME_GRAN = 24;
    public static final int INIT_OUT_MAX_PAGES = 28;
    public static final int INIT_OUT_MAP_ALIGNMENT = 30;
    public static final int INIT_OUT_FLAGS2 = 32;
    public static final int INIT_OUT_UNUSED = 36;

    // struct cuse_init_in: size, field offsets.
    public static final int CUSE_INIT_IN = 16;
    public static final int CUSE_INIT_IN_MAJOR = 0;
    public static final int CUSE_INIT_IN_MINOR = 4;
    public static final int CUSE_INIT_IN_UNUSED = 8;
    public static final int CUSE_INIT_IN_FLAGS = 12;

    // struct cuse_init_out: size, field offsets.
    public static final int CUSE_INIT_OUT = 72;
    public static final int CUSE_INIT_OUT_MAJOR = 0;
    public static final int CUSE_INIT_OUT_MINOR = 4;
    public static final int CUSE_INIT_OUT_UNUSED = 8;
    public static final int CUSE_INIT_OUT_FLAGS = 12;
    public static final int CUSE_INIT_OUT_MAX_READ = 16;
    public static final int CUSE_INIT_OUT_MAX_WRITE = 20;
    public static final int CUSE_INIT_OUT_DEV_MAJOR = 24;
    public static final int CUSE_INIT_OUT_DEV_MINOR = 28;
    public static final int CUSE_INIT_OUT_SPARE = 32;

    // struct fuse_open_in: size, field offsets.
    public static final int OPEN_IN = 8;
    public static final int OPEN_IN_FLAGS = 0;
    public static final int OPEN_IN_OPEN_FLAGS = 4;

    // struct fuse_open_out: size, field offsets.
    public static final int OPEN_OUT = 16;
    public static final int OPEN_OUT_FH = 0;
    public static final int OPEN_OUT_OPEN_FLAGS = 8;
    public static final int OPEN_OUT_PADDING = 12;

    // struct fuse_read_in: size, field offsets.
    public static final int READ_IN = 40;
    public static final int READ_IN_FH = 0;
    public static final int READ_IN_OFFSET = 8;
    public static final int READ_IN_SIZE = 16;
    public static final int READ_IN_READ_FLAGS = 20;
    public static final int READ_IN_LOCK_OWNER = 24;
    public static final int READ_IN_FLAGS = 32;
    public static final int READ_IN_PADDING = 36;

    // struct fuse_write_in: size, field offsets.
    public static final int WRITE_IN = 40;
    public static final int WRITE_IN_FH = 0;
    public static final int WRITE_IN_OFFSET = 8;
    public static final int WRITE_IN_SIZE = 16;
    public static final int WRITE_IN_WRITE_FLAGS = 20;
    public static final int WRITE_IN_LOCK_OWNER = 24;
    public static final int WRITE_IN_FLAGS = 32;
    public static final int WRITE_IN_PADDING = 36;

    // struct fuse_write_out: size, field offsets.
    public static final int WRITE_OUT = 8;
    public static final int WRITE_OUT_SIZE = 0;
    public static final int WRITE_OUT_PADDING = 4;

    // struct fuse_release_in: size, field offsets.
    public static final int RELEASE_IN = 24;
    public static final int RELEASE_IN_FH = 0;
    public static final int RELEASE_IN_FLAGS = 8;
    public static final int RELEASE_IN_RELEASE_FLAGS = 12;
    public static final int RELEASE_IN_LOCK_OWNER = 16;

    // struct fuse_flush_in: size, field offsets.
    public static final int FLUSH_IN = 24;
    public static final int FLUSH_IN_FH = 0;
    public static final int FLUSH_IN_UNUSED = 8;
    public static final int FLUSH_IN_PADDING = 12;
    public static final int FLUSH_IN_LOCK_OWNER = 16;

    // struct fuse_ioctl_in: size, field offsets.
    public static final int IOCTL_IN = 32;
    public static final int IOCTL_IN_FH = 0;
    public static final int IOCTL_IN_FLAGS = 8;
    public static final int IOCTL_IN_CMD = 12;
    public static final int IOCTL_IN_ARG = 16;
    public static final int IOCTL_IN_IN_SIZE = 24;
    public static final int IOCTL_IN_OUT_SIZE = 28;

    // struct fuse_ioctl_iovec: size, field offsets.
    public static final int IOCTL_IOVEC = 16;
    public static final int IOCTL_IOVEC_BASE = 0;
    public static final int IOCTL_IOVEC_LEN = 8;

    // struct fuse_ioctl_out: size, field offsets.
    public static final int IOCTL_OUT = 16;
    public static final int IOCTL_OUT_RESULT = 0;
    public static final int IOCTL_OUT_FLAGS = 4;
    public static final int IOCTL_OUT_IN_IOVS = 8;
    public static final int IOCTL_OUT_OUT_IOVS = 12;

    // struct fuse_poll_in: size, field offsets.
    public static final int POLL_IN = 24;
    public static final int POLL_IN_FH = 0;
    public static final int POLL_IN_KH = 8;
    public static final int POLL_IN_FLAGS = 16;
    public static final int POLL_IN_EVENTS = 20;

    // struct fuse_poll_out: size, field offsets.
    public static final int POLL_OUT = 8;
    public static final int POLL_OUT_REVENTS = 0;
    public static final int POLL_OUT_PADDING = 4;

    // struct fuse_interrupt_in: size, field offsets.
    public static final int INTERRUPT_IN = 8;
    public static final int INTERRUPT_IN_UNIQUE = 0;

    // struct fuse_forget_in: size, field offsets.
    public static final int FORGET_IN = 8;
    public static final int FORGET_IN_NLOOKUP = 0;

    // struct fuse_batch_forget_in: size, field offsets.
    public static final int BATCH_FORGET_IN = 8;
    public static final int BATCH_FORGET_IN_COUNT = 0;
    public static final int BATCH_FORGET_IN_DUMMY = 4;

    // struct fuse_forget_one: size, field offsets.
    public static final int FORGET_ONE = 16;
    public static final int FORGET_ONE_NODEID = 0;
    public static final int FORGET_ONE_NLOOKUP = 8;

    // struct fuse_notify_poll_wakeup_out: size, field offsets.
    public static final int NOTIFY_POLL_WAKEUP_OUT = 8;
    public static final int NOTIFY_POLL_WAKEUP_OUT_KH = 0;

    // struct fuse_notify_inval_entry_out: size, field offsets.
    public static final int NOTIFY_INVAL_ENTRY_OUT = 16;
    public static final int NOTIFY_INVAL_ENTRY_OUT_PARENT = 0;
    public static final int NOTIFY_INVAL_ENTRY_OUT_NAMELEN = 8;
    public static final int NOTIFY_INVAL_ENTRY_OUT_FLAGS = 12;

    // struct fuse_getattr_in: size, field offsets.
    public static final int GETATTR_IN = 16;
    public static final int GETATTR_IN_GETATTR_FLAGS = 0;
    public static final int GETATTR_IN_DUMMY = 4;
    public static final int GETATTR_IN_FH = 8;
    /** getattr_flags: the kernel asks about an open file (fh is set): lseek(SEEK_END) does. */
    public static final int GETATTR_FH = 1;

    // struct fuse_setattr_in: size, field offsets.
    public static final int SETATTR_IN = 88;
    public static final int SETATTR_IN_VALID = 0;
    public static final int SETATTR_IN_PADDING = 4;
    public static final int SETATTR_IN_FH = 8;
    public static final int SETATTR_IN_SIZE = 16;
    public static final int SETATTR_IN_LOCK_OWNER = 24;
    public static final int SETATTR_IN_ATIME = 32;
    public static final int SETATTR_IN_MTIME = 40;
    public static final int SETATTR_IN_CTIME = 48;
    public static final int SETATTR_IN_ATIMENSEC = 56;
    public static final int SETATTR_IN_MTIMENSEC = 60;
    public static final int SETATTR_IN_CTIMENSEC = 64;
    public static final int SETATTR_IN_MODE = 68;
    public static final int SETATTR_IN_UNUSED4 = 72;
    public static final int SETATTR_IN_UID = 76;
    public static final int SETATTR_IN_GID = 80;
    public static final int SETATTR_IN_UNUSED5 = 84;

    // struct fuse_attr: size, field offsets.
    public static final int ATTR = 88;
    public static final int ATTR_INO = 0;
    public static final int ATTR_SIZE = 8;
    public static final int ATTR_BLOCKS = 16;
    public static final int ATTR_ATIME = 24;
    public static final int ATTR_MTIME = 32;
    public static final int ATTR_CTIME = 40;
    public static final int ATTR_ATIMENSEC = 48;
    public static final int ATTR_MTIMENSEC = 52;
    public static final int ATTR_CTIMENSEC = 56;
    public static final int ATTR_MODE = 60;
    public static final int ATTR_NLINK = 64;
    public static final int ATTR_UID = 68;
    public static final int ATTR_GID = 72;
    public static final int ATTR_RDEV = 76;
    public static final int ATTR_BLKSIZE = 80;
    public static final int ATTR_FLAGS = 84;

    // struct fuse_attr_out: size, field offsets.
    public static final int ATTR_OUT = 104;
    public static final int ATTR_OUT_ATTR_VALID = 0;
    public static final int ATTR_OUT_ATTR_VALID_NSEC = 8;
    public static final int ATTR_OUT_DUMMY = 12;
    public static final int ATTR_OUT_ATTR = 16;

    // struct fuse_entry_out: size, field offsets.
    public static final int ENTRY_OUT = 128;
    public static final int ENTRY_OUT_NODEID = 0;
    public static final int ENTRY_OUT_GENERATION = 8;
    public static final int ENTRY_OUT_ENTRY_VALID = 16;
    public static final int ENTRY_OUT_ATTR_VALID = 24;
    public static final int ENTRY_OUT_ENTRY_VALID_NSEC = 32;
    public static final int ENTRY_OUT_ATTR_VALID_NSEC = 36;
    public static final int ENTRY_OUT_ATTR = 40;

    // struct fuse_dirent: size, field offsets.
    public static final int DIRENT = 24;
    public static final int DIRENT_INO = 0;
    public static final int DIRENT_OFF = 8;
    public static final int DIRENT_NAMELEN = 16;
    public static final int DIRENT_TYPE = 20;
    public static final int DIRENT_NAME = 24;

    private FuseProtocol() {}
}
