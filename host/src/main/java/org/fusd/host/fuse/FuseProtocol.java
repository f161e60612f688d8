package org.fusd.host.fuse;

/**
 * Numbers of the FUSE wire protocol (include/uapi/linux/fuse.h), as far as a
 * device server uses them: opcodes, flags and the sizes of the fixed structs.
 * Everything is little-endian on the wire; structs are read by offset.
 */
public final class FuseProtocol {
    public static final int KERNEL_MAJOR = 7;
    /** The newest minor whose structs this codec writes; older kernels get their own minor. */
    public static final int MAX_MINOR = 38;
    /** The oldest minor we accept (max_pages, 64-byte init_out). */
    public static final int MIN_MINOR = 28;

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

    /** Set in the unique id of an INTERRUPT request (and its reply). */
    public static final long INT_REQ_BIT = 1L;

    // Notifications (out header error field, unique 0).
    public static final int NOTIFY_POLL = 1;
    public static final int NOTIFY_INVAL_ENTRY = 3;

    // Header sizes.
    public static final int IN_HEADER = 40;
    public static final int OUT_HEADER = 16;

    // Struct sizes (bodies after the in header).
    public static final int INIT_IN_MIN = 16;
    public static final int INIT_OUT = 64;
    public static final int OPEN_IN = 8;
    public static final int OPEN_OUT = 16;
    public static final int READ_IN = 40;
    public static final int WRITE_IN = 40;
    public static final int WRITE_OUT = 8;
    public static final int RELEASE_IN = 24;
    public static final int FLUSH_IN = 24;
    public static final int INTERRUPT_IN = 8;
    public static final int FORGET_IN = 8;
    public static final int BATCH_FORGET_IN = 8;
    public static final int IOCTL_IN = 32;
    public static final int IOCTL_OUT = 16;
    public static final int POLL_IN = 24;
    public static final int POLL_OUT = 8;
    public static final int GETATTR_IN = 16;
    public static final int SETATTR_IN = 88;
    public static final int ATTR = 88;
    public static final int ATTR_OUT = 16 + ATTR;
    public static final int ENTRY_OUT = 40 + ATTR;

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

    /** Largest WRITE payload we accept; a request buffer holds it plus headers. */
    public static final int MAX_WRITE = 1 << 20;

    public static final int REQUEST_BUFFER = MAX_WRITE + 4096;

    private FuseProtocol() {}
}
