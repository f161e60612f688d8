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
 * The mount's inodes: a root directory (nodeid 1) with one regular file per
 * device, owned by the host's user with the device's mode; a name with '/'
 * (drums/bam) is a file in a subdirectory, which exists while a device is
 * under it. Answers LOOKUP, GETATTR, SETATTR (accepted and ignored, so a
 * shell's `>` truncation works; chmod/chown refused), OPENDIR, READDIR,
 * RELEASEDIR and FORGET.
 *
 * Lookups are not cached by the kernel (entry timeout 0), so a removed
 * device's name fails at once while its inode lives on for open files until
 * the kernel forgets it. Every device gets a fresh nodeid, never reused; a
 * directory keeps its nodeid for as long as the host runs.
 */
final class RootDir {
    static final long ROOT = FuseProtocol.ROOT_ID;
    private static final int DT_DIR = 4;
    private static final int DT_REG = 8;
    /**
     * The size device files report, and their block size: the same, because
     * GNU tail reads a file no larger than its block size to the end instead
     * of seeking to its end (so `tail -c 5` prints what a character device
     * would). The kernel serialises (with an uninterruptible inode lock) every
     * direct write that ends past the size, so one write waiting in the device
     * would hold up all others: a stream open writes at offset 0, so only a
     * single write(2) of more than this size does that. Readers are not
     * limited by it (direct reads go to the device past the size).
     */
    static final int FILE_SIZE = 1 << 20;

    private final Map<String, DeviceSlot> byName = new ConcurrentHashMap<>();
    /** Subdirectories by path ("drums", "a/b") and by nodeid; made on first lookup, never forgotten. */
    private final Map<String, Long> dirIds = new ConcurrentHashMap<>();

    private final Map<Long, String> dirPaths = new ConcurrentHashMap<>();
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

    /**
     * Adds a device's file; false if the name is taken. The caller checks
     * {@link #conflict} first (a file cannot also be a directory).
     */
    synchronized boolean add(String name, DeviceSlot slot) {
        if (conflict(name) != null || byName.putIfAbsent(name, slot) != null) {
            return false;
        }
        inodes.put(slot.nodeid(), new Inode(slot));
        return true;
    }

    /**
     * Why name cannot be added next to the devices served now, or null: it is
     * a directory of another device's name, or one of its directories is a
     * device (drums and drums/bam cannot both be served).
     */
    synchronized String conflict(String name) {
        for (String other : byName.keySet()) {
            if (other.startsWith(name + "/")) {
                return "'" + name + "' is the directory of the device '" + other + "'";
            }
            if (name.startsWith(other + "/")) {
                return "its directory '" + other + "' is a device";
            }
        }
        return null;
    }

    /** True if path ("" is the root) is a directory now: a device's name is under it. */
    private boolean dirExists(String path) {
        if (path.isEmpty()) {
            return true;
        }
        for (String name : byName.keySet()) {
            if (name.startsWith(path + "/")) {
                return true;
            }
        }
        return false;
    }

    /** The nodeid of the directory path, made on first use. */
    private long dirId(String path) {
        if (path.isEmpty()) {
            return ROOT;
        }
        return dirIds.computeIfAbsent(path, p -> {
            long id = newNodeid();
            dirPaths.put(id, p);
            return id;
        });
    }

    /** The path of a directory nodeid ("" for the root), or null if nodeid is no directory. */
    private String dirPath(long nodeid) {
        return nodeid == ROOT ? "" : dirPaths.get(nodeid);
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
        String parent = dirPath(r.nodeid);
        if (parent == null) {
            s.replyError(r.unique, (slot(r.nodeid) != null ? Errno.ENOTDIR : Errno.ENOENT).number());
            return;
        }
        String name = r.name(0);
        String path = parent.isEmpty() ? name : parent + "/" + name;
        DeviceSlot slot = byName.get(path);
        Inode inode = slot == null ? null : inodes.get(slot.nodeid());
        if (inode == null || slot.isRemoved()) {
            if (!name.equals(".") && !name.equals("..") && dirExists(path)) {
                replyEntry(s, r.unique, dirId(path), null);
            } else {
                s.replyError(r.unique, Errno.ENOENT.number());
            }
            return;
        }
        inode.lookups.incrementAndGet();
        replyEntry(s, r.unique, slot.nodeid(), slot);
    }

    /** A LOOKUP's answer: a device's file (slot), or a directory (slot null). */
    private void replyEntry(FuseSession s, long unique, long nodeid, DeviceSlot slot) {
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.ENTRY_OUT);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        b.putLong(o + FuseProtocol.ENTRY_OUT_NODEID, nodeid);
        b.putLong(o + FuseProtocol.ENTRY_OUT_GENERATION, 0);
        b.putLong(o + FuseProtocol.ENTRY_OUT_ENTRY_VALID, 0); // always look up again
        b.putLong(o + FuseProtocol.ENTRY_OUT_ATTR_VALID, 0);
        b.putInt(o + FuseProtocol.ENTRY_OUT_ENTRY_VALID_NSEC, 0);
        b.putInt(o + FuseProtocol.ENTRY_OUT_ATTR_VALID_NSEC, 0);
        putAttr(b, o + FuseProtocol.ENTRY_OUT_ATTR, nodeid, slot);
        s.send(rb, unique, 0, FuseProtocol.ENTRY_OUT);
    }

    /**
     * GETATTR; for lseek(SEEK_END) on a device file the kernel asks with the
     * open file's fh (stat(2) asks without one) and is told ESPIPE, as for a
     * file without an end: GNU tail -n then reads the device like a pipe
     * instead of reading backwards from the size. Attributes are never cached
     * (valid 0 s), so that every SEEK_END asks.
     */
    private void getattr(FuseRequest r) {
        if (r.bodyLength() >= FuseProtocol.GETATTR_IN
                && (r.u32(FuseProtocol.GETATTR_IN_GETATTR_FLAGS) & FuseProtocol.GETATTR_FH) != 0
                && slot(r.nodeid) != null) {
            r.session().replyError(r.unique, Errno.ESPIPE.number());
            return;
        }
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
        boolean dir = dirPath(nodeid) != null;
        DeviceSlot slot = dir ? null : slot(nodeid);
        if (!dir && slot == null) {
            s.replyError(r.unique, Errno.ENOENT.number());
            return;
        }
        FuseSession.ReplyBuffer rb = s.replyBuffer(FuseProtocol.ATTR_OUT);
        ByteBuffer b = rb.bytes();
        int o = FuseProtocol.OUT_HEADER;
        b.putLong(o + FuseProtocol.ATTR_OUT_ATTR_VALID, 0);
        b.putInt(o + FuseProtocol.ATTR_OUT_ATTR_VALID_NSEC, 0);
        b.putInt(o + FuseProtocol.ATTR_OUT_DUMMY, 0);
        putAttr(b, o + FuseProtocol.ATTR_OUT_ATTR, nodeid, slot);
        s.send(rb, r.unique, 0, FuseProtocol.ATTR_OUT);
    }

    /** fuse_attr for a directory (slot null) or a device file. */
    private void putAttr(ByteBuffer b, int o, long nodeid, DeviceSlot slot) {
        for (int i = 0; i < FuseProtocol.ATTR; i += 8) {
            b.putLong(o + i, 0);
        }
        b.putLong(o + FuseProtocol.ATTR_INO, nodeid);
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
        b.putInt(o + FuseProtocol.ATTR_BLKSIZE, slot == null ? 4096 : FILE_SIZE);
    }

    private void opendir(FuseRequest r) {
        FuseSession s = r.session();
        if (dirPath(r.nodeid) == null) {
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
        String path = dirPath(r.nodeid);
        if (path == null) {
            s.replyError(r.unique, Errno.ENOTDIR.number());
            return;
        }
        String prefix = path.isEmpty() ? "" : path + "/";
        List<String> names = new ArrayList<>();
        List<Long> inos = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        names.add(".");
        inos.add(r.nodeid);
        types.add(DT_DIR);
        names.add("..");
        int up = path.lastIndexOf('/');
        inos.add(dirId(up < 0 ? "" : path.substring(0, up)));
        types.add(DT_DIR);
        TreeMap<String, Long> files = new TreeMap<>();
        TreeMap<String, Long> dirs = new TreeMap<>();
        for (Map.Entry<String, DeviceSlot> e : byName.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith(prefix)) {
                continue;
            }
            String rest = n.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                files.put(rest, e.getValue().nodeid());
            } else {
                String child = rest.substring(0, slash);
                dirs.put(child, dirId(prefix + child));
            }
        }
        TreeMap<String, Integer> all = new TreeMap<>();
        dirs.keySet().forEach(n -> all.put(n, DT_DIR));
        files.keySet().forEach(n -> all.put(n, DT_REG));
        for (Map.Entry<String, Integer> e : all.entrySet()) {
            names.add(e.getKey());
            inos.add(e.getValue() == DT_DIR ? dirs.get(e.getKey()) : files.get(e.getKey()));
            types.add(e.getValue());
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
            b.putInt(p + FuseProtocol.DIRENT_TYPE, types.get(i));
            b.put(p + FuseProtocol.DIRENT_NAME, raw);
            for (int k = FuseProtocol.DIRENT_NAME + raw.length; k < len; k++) {
                b.put(p + k, (byte) 0);
            }
            used += len;
        }
        s.send(rb, r.unique, 0, used);
    }
}
