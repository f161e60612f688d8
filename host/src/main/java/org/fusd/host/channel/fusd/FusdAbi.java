package org.fusd.host.channel.fusd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Java mirror of kernel-module/include/uapi/fusd.h: every constant, the
 * layout of struct fusd_msg and struct fusd_register, and how to put and get
 * their fields in a buffer. Host byte order, fixed offsets; nothing here
 * knows about devices. FusdAbiTest compares {@link #dump()} with the C
 * program kernel-module/selftests/abi_dump line by line.
 */
public final class FusdAbi {
    public static final ByteOrder ORDER = ByteOrder.nativeOrder();

    public static final int FUSD_MAGIC = 0x44535546;
    public static final int FUSD_ABI_VERSION = 2;
    public static final int FUSD_MAX_PAYLOAD = 131072;
    public static final int FUSD_NAME_MAX = 64;
    public static final int FUSD_MEM_MAX = 64 << 20;
    public static final int FUSD_MEM_CHUNK = 65536;
    public static final long FUSD_SHM_MAX = 1L << 30;

    // Opcodes, daemon -> kernel.
    public static final int FUSD_REGISTER = 1;
    public static final int FUSD_UNREGISTER = 2;
    public static final int FUSD_REPLY = 3;
    public static final int FUSD_POLL_NOTIFY = 4;
    public static final int FUSD_RESEND = 5;
    // Opcodes, kernel -> daemon.
    public static final int FUSD_OPEN = 16;
    public static final int FUSD_RELEASE = 17;
    public static final int FUSD_READ = 18;
    public static final int FUSD_WRITE = 19;
    public static final int FUSD_IOCTL = 20;
    public static final int FUSD_FLUSH = 21;
    public static final int FUSD_LLSEEK = 22;
    public static final int FUSD_INTERRUPT = 23;
    public static final int FUSD_MMAP = 24;

    public static final int FUSD_DEV_SEEKABLE = 0x1;
    public static final int FUSD_DEV_FLUSH = 0x2;
    public static final int FUSD_DEV_MMAP_CHECK = 0x4;
    public static final int FUSD_DEV_FLAGS_ALL = FUSD_DEV_SEEKABLE | FUSD_DEV_FLUSH | FUSD_DEV_MMAP_CHECK;

    // struct fusd_msg.xflags: of requests, and of a REPLY.
    public static final int FUSD_REQ_COMPAT32 = 0x1;
    public static final int FUSD_REQ_RESENT = 0x2;
    public static final int FUSD_REQ_MAP_SHARED = 0x4;
    public static final int FUSD_REPLY_POLL = 0x1;
    public static final int FUSD_REPLY_FLAGS_ALL = FUSD_REPLY_POLL;

    public static final int FUSD_POLLIN = 0x0001;
    public static final int FUSD_POLLPRI = 0x0002;
    public static final int FUSD_POLLOUT = 0x0004;
    public static final int FUSD_POLLERR = 0x0008;
    public static final int FUSD_POLLHUP = 0x0010;
    public static final int FUSD_POLLRDNORM = 0x0040;
    public static final int FUSD_POLLWRNORM = 0x0100;
    public static final int FUSD_POLL_ALL = 0x015f;

    /** struct fusd_msg: size and field offsets. */
    public static final int MSG_SIZE = 72;

    public static final int MSG_MAGIC = 0;
    public static final int MSG_VERSION = 4;
    public static final int MSG_OPCODE = 6;
    public static final int MSG_LEN = 8;
    public static final int MSG_DEV_ID = 12;
    public static final int MSG_REQ_ID = 16;
    public static final int MSG_FH_ID = 24;
    public static final int MSG_FLAGS = 28;
    public static final int MSG_PID = 32;
    public static final int MSG_UID = 36;
    public static final int MSG_GID = 40;
    public static final int MSG_ARG = 44;
    public static final int MSG_OFFSET = 48;
    public static final int MSG_SIZE_FIELD = 56;
    public static final int MSG_XFLAGS = 60;
    public static final int MSG_RESULT = 64;

    /** struct fusd_register: size and field offsets. */
    public static final int REG_SIZE = 96;

    public static final int REG_NAME = 0;
    public static final int REG_MODE = 64;
    public static final int REG_UID = 68;
    public static final int REG_GID = 72;
    public static final int REG_FLAGS = 76;
    public static final int REG_POLL_MASK = 80;
    public static final int REG_RESERVED = 84;

    /** struct fusd_mem (FUSD_MEM_READ/WRITE): size and field offsets. */
    public static final int MEM_SIZE = 32;

    public static final int MEM_REQ_ID = 0;
    public static final int MEM_ADDR = 8;
    public static final int MEM_BUF = 16;
    public static final int MEM_LEN = 24;
    public static final int MEM_RESERVED = 28;

    /** struct fusd_shm (FUSD_SET_SHM): size and field offsets. */
    public static final int SHM_SIZE = 24;

    public static final int SHM_DEV_ID = 0;
    public static final int SHM_FD = 4;
    public static final int SHM_SIZE_FIELD = 8;
    public static final int SHM_RESERVED = 16;

    // ioctls on /dev/fusd (Linux _IO/_IOW encoding).
    public static final int FUSD_IOC_MAGIC = 0xF5;
    public static final int FUSD_VERSION = ioc(0, 0, 0);
    public static final int FUSD_MEM_READ = ioc(1, 1, MEM_SIZE);
    public static final int FUSD_MEM_WRITE = ioc(1, 2, MEM_SIZE);
    public static final int FUSD_SET_SHM = ioc(1, 3, SHM_SIZE);

    /** FUSD_MSG_MAX: a read buffer of this size always holds the next message. */
    public static final int FUSD_MSG_MAX = MSG_SIZE + FUSD_MAX_PAYLOAD;

    /** The largest errno a reply may carry (the module's FUSD_ERRNO_MAX). */
    public static final int ERRNO_MAX = 511;

    private FusdAbi() {}

    /** _IOC(dir, FUSD_IOC_MAGIC, nr, size) with dir 0 (none) or 1 (_IOC_WRITE). */
    private static int ioc(int dir, int nr, int size) {
        return (dir << 30) | (size << 16) | (FUSD_IOC_MAGIC << 8) | nr;
    }

    /** Writes a message header at 0; fields not named are zero. */
    public static void putHeader(
            ByteBuffer b, int opcode, int len, int devId, long reqId, int fhId, int arg, long result) {
        putHeader(b, opcode, len, devId, reqId, fhId, arg, 0, result);
    }

    /** Writes a message header at 0 with xflags; fields not named are zero. */
    public static void putHeader(
            ByteBuffer b, int opcode, int len, int devId, long reqId, int fhId, int arg, int xflags, long result) {
        b.putInt(MSG_MAGIC, FUSD_MAGIC);
        b.putShort(MSG_VERSION, (short) FUSD_ABI_VERSION);
        b.putShort(MSG_OPCODE, (short) opcode);
        b.putInt(MSG_LEN, len);
        b.putInt(MSG_DEV_ID, devId);
        b.putLong(MSG_REQ_ID, reqId);
        b.putInt(MSG_FH_ID, fhId);
        b.putInt(MSG_FLAGS, 0);
        b.putLong(MSG_PID, 0L); // pid, uid
        b.putLong(MSG_GID, 0L); // gid, arg
        b.putInt(MSG_ARG, arg);
        b.putLong(MSG_OFFSET, 0L);
        b.putInt(MSG_SIZE_FIELD, 0);
        b.putInt(MSG_XFLAGS, xflags);
        b.putLong(MSG_RESULT, result);
    }

    /** Writes a struct fusd_register at off; false if the name does not fit. */
    public static boolean putRegister(
            ByteBuffer b, int off, byte[] name, int mode, int uid, int gid, int flags, int pollMask) {
        if (name.length == 0 || name.length >= FUSD_NAME_MAX) {
            return false;
        }
        for (int i = 0; i < REG_SIZE; i++) {
            b.put(off + i, (byte) 0);
        }
        b.put(off + REG_NAME, name);
        b.putInt(off + REG_MODE, mode);
        b.putInt(off + REG_UID, uid);
        b.putInt(off + REG_GID, gid);
        b.putInt(off + REG_FLAGS, flags);
        b.putInt(off + REG_POLL_MASK, pollMask);
        return true;
    }

    /** Name of an opcode for messages, e.g. "READ". */
    public static String opName(int opcode) {
        return switch (opcode) {
            case FUSD_REGISTER -> "REGISTER";
            case FUSD_UNREGISTER -> "UNREGISTER";
            case FUSD_REPLY -> "REPLY";
            case FUSD_POLL_NOTIFY -> "POLL_NOTIFY";
            case FUSD_RESEND -> "RESEND";
            case FUSD_OPEN -> "OPEN";
            case FUSD_RELEASE -> "RELEASE";
            case FUSD_READ -> "READ";
            case FUSD_WRITE -> "WRITE";
            case FUSD_IOCTL -> "IOCTL";
            case FUSD_FLUSH -> "FLUSH";
            case FUSD_LLSEEK -> "LLSEEK";
            case FUSD_INTERRUPT -> "INTERRUPT";
            case FUSD_MMAP -> "MMAP";
            default -> "OP" + opcode;
        };
    }

    /** Every constant, size and offset under the names abi_dump prints them. */
    public static Map<String, Long> dump() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("FUSD_MAGIC", Integer.toUnsignedLong(FUSD_MAGIC));
        m.put("FUSD_ABI_VERSION", (long) FUSD_ABI_VERSION);
        m.put("FUSD_MAX_PAYLOAD", (long) FUSD_MAX_PAYLOAD);
        m.put("FUSD_MSG_MAX", (long) FUSD_MSG_MAX);
        m.put("FUSD_NAME_MAX", (long) FUSD_NAME_MAX);
        m.put("FUSD_MEM_MAX", (long) FUSD_MEM_MAX);
        m.put("FUSD_MEM_CHUNK", (long) FUSD_MEM_CHUNK);
        m.put("FUSD_SHM_MAX", FUSD_SHM_MAX);
        m.put("FUSD_REGISTER", (long) FUSD_REGISTER);
        m.put("FUSD_UNREGISTER", (long) FUSD_UNREGISTER);
        m.put("FUSD_REPLY", (long) FUSD_REPLY);
        m.put("FUSD_POLL_NOTIFY", (long) FUSD_POLL_NOTIFY);
        m.put("FUSD_RESEND", (long) FUSD_RESEND);
        m.put("FUSD_OPEN", (long) FUSD_OPEN);
        m.put("FUSD_RELEASE", (long) FUSD_RELEASE);
        m.put("FUSD_READ", (long) FUSD_READ);
        m.put("FUSD_WRITE", (long) FUSD_WRITE);
        m.put("FUSD_IOCTL", (long) FUSD_IOCTL);
        m.put("FUSD_FLUSH", (long) FUSD_FLUSH);
        m.put("FUSD_LLSEEK", (long) FUSD_LLSEEK);
        m.put("FUSD_INTERRUPT", (long) FUSD_INTERRUPT);
        m.put("FUSD_MMAP", (long) FUSD_MMAP);
        m.put("FUSD_DEV_SEEKABLE", (long) FUSD_DEV_SEEKABLE);
        m.put("FUSD_DEV_FLUSH", (long) FUSD_DEV_FLUSH);
        m.put("FUSD_DEV_MMAP_CHECK", (long) FUSD_DEV_MMAP_CHECK);
        m.put("FUSD_DEV_FLAGS_ALL", (long) FUSD_DEV_FLAGS_ALL);
        m.put("FUSD_REQ_COMPAT32", (long) FUSD_REQ_COMPAT32);
        m.put("FUSD_REQ_RESENT", (long) FUSD_REQ_RESENT);
        m.put("FUSD_REQ_MAP_SHARED", (long) FUSD_REQ_MAP_SHARED);
        m.put("FUSD_REPLY_POLL", (long) FUSD_REPLY_POLL);
        m.put("FUSD_REPLY_FLAGS_ALL", (long) FUSD_REPLY_FLAGS_ALL);
        m.put("FUSD_POLLIN", (long) FUSD_POLLIN);
        m.put("FUSD_POLLPRI", (long) FUSD_POLLPRI);
        m.put("FUSD_POLLOUT", (long) FUSD_POLLOUT);
        m.put("FUSD_POLLERR", (long) FUSD_POLLERR);
        m.put("FUSD_POLLHUP", (long) FUSD_POLLHUP);
        m.put("FUSD_POLLRDNORM", (long) FUSD_POLLRDNORM);
        m.put("FUSD_POLLWRNORM", (long) FUSD_POLLWRNORM);
        m.put("FUSD_POLL_ALL", (long) FUSD_POLL_ALL);
        m.put("fusd_msg.sizeof", (long) MSG_SIZE);
        m.put("fusd_msg.magic", (long) MSG_MAGIC);
        m.put("fusd_msg.version", (long) MSG_VERSION);
        m.put("fusd_msg.opcode", (long) MSG_OPCODE);
        m.put("fusd_msg.len", (long) MSG_LEN);
        m.put("fusd_msg.dev_id", (long) MSG_DEV_ID);
        m.put("fusd_msg.req_id", (long) MSG_REQ_ID);
        m.put("fusd_msg.fh_id", (long) MSG_FH_ID);
        m.put("fusd_msg.flags", (long) MSG_FLAGS);
        m.put("fusd_msg.pid", (long) MSG_PID);
        m.put("fusd_msg.uid", (long) MSG_UID);
        m.put("fusd_msg.gid", (long) MSG_GID);
        m.put("fusd_msg.arg", (long) MSG_ARG);
        m.put("fusd_msg.offset", (long) MSG_OFFSET);
        m.put("fusd_msg.size", (long) MSG_SIZE_FIELD);
        m.put("fusd_msg.xflags", (long) MSG_XFLAGS);
        m.put("fusd_msg.result", (long) MSG_RESULT);
        m.put("fusd_register.sizeof", (long) REG_SIZE);
        m.put("fusd_register.name", (long) REG_NAME);
        m.put("fusd_register.mode", (long) REG_MODE);
        m.put("fusd_register.uid", (long) REG_UID);
        m.put("fusd_register.gid", (long) REG_GID);
        m.put("fusd_register.flags", (long) REG_FLAGS);
        m.put("fusd_register.poll_mask", (long) REG_POLL_MASK);
        m.put("fusd_register.reserved", (long) REG_RESERVED);
        m.put("fusd_mem.sizeof", (long) MEM_SIZE);
        m.put("fusd_mem.req_id", (long) MEM_REQ_ID);
        m.put("fusd_mem.addr", (long) MEM_ADDR);
        m.put("fusd_mem.buf", (long) MEM_BUF);
        m.put("fusd_mem.len", (long) MEM_LEN);
        m.put("fusd_mem.reserved", (long) MEM_RESERVED);
        m.put("fusd_shm.sizeof", (long) SHM_SIZE);
        m.put("fusd_shm.dev_id", (long) SHM_DEV_ID);
        m.put("fusd_shm.fd", (long) SHM_FD);
        m.put("fusd_shm.size", (long) SHM_SIZE_FIELD);
        m.put("fusd_shm.reserved", (long) SHM_RESERVED);
        m.put("FUSD_IOC_MAGIC", (long) FUSD_IOC_MAGIC);
        m.put("FUSD_VERSION", (long) FUSD_VERSION);
        m.put("FUSD_MEM_READ", (long) FUSD_MEM_READ);
        m.put("FUSD_MEM_WRITE", (long) FUSD_MEM_WRITE);
        m.put("FUSD_SET_SHM", (long) FUSD_SET_SHM);
        return m;
    }
}
