package org.fusd.host.channel.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.fusd.host.device.Errno;
import org.fusd.host.fuse.DeviceSlot;
import org.fusd.host.fuse.FuseProtocol;
import org.fusd.host.fuse.FuseRequest;
import org.fusd.host.fuse.FuseSession;
import org.fusd.host.fuse.OpTable;
import org.fusd.host.sys.Libc;

/**
 * The mount's inodes: a root directory (nodeid 1) listing one regular file
 * per device, owned by the host's user with the device's mode. Answers
 * LOOKUP, GETATTR, SETATTR (accepted and ignored, so a shell's `>` truncation
 * works; chmod/chown refused), OPENDIR, READDIR, RELEASEDIR and FORGET.
 *
 * Lookups are not cached by the kernel (entry timeout 0), so a removed
 * device's name fails at once while its inode lives on for open files until
 * the kernel forgets it. Every device gets a fresh nodeid, never reused.
 */
final class RootDir {
    static final long ROOT = FuseProtocol.ROOT_ID;
    private static final int DT_DIR = 4;
    private static final int DT_REG = 8;
    private static final long FILE_ATTR_VALID_S = 1;
    /**
     * The size device files report. The kernel serialises (with an
     * uninterruptible inode lock) every direct write that ends past EOF, so a
     * size of 0 would let one write waiting in the device block all others.
     * 2^40 is past any write, and its low 32 bits are 0, so the kernel's own
     * FIONREAD answer (size minus position, as an int) stays 0.
     */
    static final long FILE_SIZE = 1L << 40;

    private final Map<String, DeviceSlot> byName = new ConcurrentHashMap<>();
    private final Map<Long, Inode> inodes = new ConcurrentHashMap<>();
    private final AtomicLong nextNode = new AtomicLong(2);
    private final int uid;
    private final int gid;
    private final long startSeconds = System.currentTimeMillis() / 1000;

    private static final class Inode {
        final DeviceSlot slot;
        final AtomicLong lookups = new AtomicLong();

        Inode(DeviceSlot slot) {
            this.slot = slot;
        }
    }

    RootDir(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
    }

    /** The next nodeid to give out (a takeover continues the previous host's numbering). */
    long peekNodeid() {
        return nextNode.get();
    }

    void continueFrom(long next) {
        nextNode.accumulateAndGet(next, Math::max);
    }

    long newNodeid() {
        return nextNode.getAndIncrement();
    }

    /** Device name → nodeid, for the devices served now (fusd-keeper's registry). */
    Map<String, Long> nodeids() {
        Map<String, Long> out = new TreeMap<>();
        byName.forEach((name, slot) -> out.put(name, slot.nodeid()));
        return out;
    }

    /** Every device inode the kernel may still use → the name its device has now (a renamed device's old one too). */
    Map<Long, String> inodeNames() {
        Map<Long, String> out = new TreeMap<>();
        inodes.forEach((nodeid, inode) -> out.put(nodeid, inode.slot.device().name()));
        return out;
    }

    /** The slot serving name now, or null. */
    DeviceSlot slotNamed(String name) {
        return byName.get(name);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Adds a device's file; false if the name is taken. */
    boolean add(String name, DeviceSlot slot) {
        if (byName.putIfAbsent(name, slot) != null) {
            return false;
        }
        inodes.put(slot.nodeid(), new Inode(slot));
        return true;
    }

    /** Removes the name; its inode stays while the kernel references it. */
    DeviceSlot remove(String name) {
        DeviceSlot slot = byName.remove(name);
        if (slot != null) {
            slot.markRemoved();
        }
        return slot;
    }

    /** The device a nodeid names (removed ones too: their files stay open), or null. */
    DeviceSlot slot(long nodeid) {
        Inode i = inodes.get(nodeid);
        return i == null ? null : i.slot;
    }

    void addTo(OpTable t) {
        t.add(FuseProtocol.LOOKUP, "LOOKUP", 1, this::lookup);
        t.add(FuseProtocol.GETATTR, "GETATTR", 0, this::getattr);
        t.add(FuseProtocol.SETATTR, "SETATTR", FuseProtocol.SETATTR_IN, this::setattr);
        t.add(FuseProtocol.OPENDIR, "OPENDIR", FuseProtocol.OPEN_IN, this::opendir);
        t.add(FuseProtocol.READDIR, "READDIR", FuseProtocol.READ_IN, this::readdir);
        t.add(
                FuseProtocol.RELEASEDIR,
                "RELEASEDIR",
                FuseProtocol.RELEASE_IN,
                r -> r.session().replyOk(r.unique));
    }

    void forget(long nodeid, long n) {
        Inode i = inodes.get(nodeid);
        if (i != null && i.lookups.addAndGet(-n) <= 0 && i.slot.isRemoved()) {
            inodes.remove(nodeid, i);
        }
    }

    private void lookup(FuseRequest r) {
        FuseSession s = r.session();
        if (r.nodeid != ROOT) {
            s.replyError(r.unique, Errno.ENOTDIR.number());
            return;
        }
        DeviceSlot slot = byName.get(r.name(0));
        Inode inode = slot == null ? null : inodes.get(slot.nodeid());
        if (inode == null || slot.isRemoved()) {
            s.replyError(r.unique, Errno.ENOENT.number());
            return;
        }
        inode.lookups.incrementAndGet();
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.ENTRY_OUT);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        b.putLong(o + FuseProtocol.ENTRY_OUT_NODEID, slot.nodeid());
        b.putLong(o + FuseProtocol.ENTRY_OUT_GENERATION, 0);
        b.putLong(o + FuseProtocol.ENTRY_OUT_ENTRY_VALID, 0); // always look up again
        b.putLong(o + FuseProtocol.ENTRY_OUT_ATTR_VALID, FILE_ATTR_VALID_S);
        b.putInt(o + FuseProtocol.ENTRY_OUT_ENTRY_VALID_NSEC, 0);
        b.putInt(o + FuseProtocol.ENTRY_OUT_ATTR_VALID_NSEC, 0);
        putAttr(b, o + FuseProtocol.ENTRY_OUT_ATTR, slot);
        s.send(rb, r.unique, 0, FuseProtocol.ENTRY_OUT);
    }

    private void getattr(FuseRequest r) {
        replyAttr(r, r.nodeid);
    }

    private void setattr(FuseRequest r) {
        int valid = r.u32(FuseProtocol.SETATTR_IN_VALID);
        if ((valid & (FuseProtocol.FATTR_MODE | FuseProtocol.FATTR_UID | FuseProtocol.FATTR_GID)) != 0) {
            r.session().replyError(r.unique, Errno.EPERM.number());
            return;
        }
        replyAttr(r, r.nodeid); // size (truncate) and times: nothing to change on a device
    }

    private void replyAttr(FuseRequest r, long nodeid) {
        FuseSession s = r.session();
        DeviceSlot slot = nodeid == ROOT ? null : slot(nodeid);
        if (nodeid != ROOT && slot == null) {
            s.replyError(r.unique, Errno.ENOENT.number());
            return;
        }
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.ATTR_OUT);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        b.putLong(o + FuseProtocol.ATTR_OUT_ATTR_VALID, nodeid == ROOT ? 0 : FILE_ATTR_VALID_S);
        b.putInt(o + FuseProtocol.ATTR_OUT_ATTR_VALID_NSEC, 0);
        b.putInt(o + FuseProtocol.ATTR_OUT_DUMMY, 0);
        putAttr(b, o + FuseProtocol.ATTR_OUT_ATTR, slot);
        s.send(rb, r.unique, 0, FuseProtocol.ATTR_OUT);
    }

    /** fuse_attr for the root (slot null) or a device file. */
    private void putAttr(ByteBuffer b, int o, DeviceSlot slot) {
        for (int i = 0; i < FuseProtocol.ATTR; i += 8) {
            b.putLong(o + i, 0);
        }
        b.putLong(o + FuseProtocol.ATTR_INO, slot == null ? ROOT : slot.nodeid());
        b.putLong(o + FuseProtocol.ATTR_SIZE, slot == null ? 0 : FILE_SIZE);
        b.putLong(o + FuseProtocol.ATTR_ATIME, startSeconds);
        b.putLong(o + FuseProtocol.ATTR_MTIME, startSeconds);
        b.putLong(o + FuseProtocol.ATTR_CTIME, startSeconds);
        int mode = slot == null
                ? Libc.S_IFDIR | 0755
                : Libc.S_IFREG | (slot.device().mode() & 07777);
        b.putInt(o + FuseProtocol.ATTR_MODE, mode);
        b.putInt(o + FuseProtocol.ATTR_NLINK, slot == null ? 2 : 1);
        b.putInt(o + FuseProtocol.ATTR_UID, uid);
        b.putInt(o + FuseProtocol.ATTR_GID, gid);
        b.putInt(o + FuseProtocol.ATTR_BLKSIZE, 4096);
    }

    private void opendir(FuseRequest r) {
        FuseSession s = r.session();
        if (r.nodeid != ROOT) {
            s.replyError(r.unique, Errno.ENOTDIR.number());
            return;
        }
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.OPEN_OUT);
        ByteBuffer b = rb.bytes();
        b.putLong(FuseProtocol.OUT_HEADER + FuseProtocol.OPEN_OUT_FH, 0);
        b.putInt(FuseProtocol.OUT_HEADER + FuseProtocol.OPEN_OUT_OPEN_FLAGS, 0);
        b.putInt(FuseProtocol.OUT_HEADER + FuseProtocol.OPEN_OUT_PADDING, 0);
        s.send(rb, r.unique, 0, FuseProtocol.OPEN_OUT);
    }

    private void readdir(FuseRequest r) {
        FuseSession s = r.session();
        long offset = r.u64(FuseProtocol.READ_IN_OFFSET);
        int size = r.u32(FuseProtocol.READ_IN_SIZE);
        List<String> names = new ArrayList<>();
        List<Long> inos = new ArrayList<>();
        names.add(".");
        inos.add(ROOT);
        names.add("..");
        inos.add(ROOT);
        for (Map.Entry<String, DeviceSlot> e : new TreeMap<>(byName).entrySet()) {
            names.add(e.getKey());
            inos.add(e.getValue().nodeid());
        }
        FuseSession.ReplyBuffer rb = s.replyBuffer(size);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        int used = 0;
        for (int i = (int) Math.max(0, offset); i < names.size(); i++) {
            byte[] raw = names.get(i).getBytes(StandardCharsets.UTF_8);
            int len = (FuseProtocol.DIRENT + raw.length + 7) & ~7; // padded to 8 bytes
            if (used + len > size) {
                break;
            }
            int p = o + used;
            b.putLong(p + FuseProtocol.DIRENT_INO, inos.get(i));
            b.putLong(p + FuseProtocol.DIRENT_OFF, i + 1); // offset of the next entry
            b.putInt(p + FuseProtocol.DIRENT_NAMELEN, raw.length);
            b.putInt(p + FuseProtocol.DIRENT_TYPE, i < 2 ? DT_DIR : DT_REG);
            b.put(p + FuseProtocol.DIRENT_NAME, raw);
            for (int k = FuseProtocol.DIRENT_NAME + raw.length; k < len; k++) {
                b.put(p + k, (byte) 0);
            }
            used += len;
        }
        s.send(rb, r.unique, 0, used);
    }
}
