package org.fusd.host.keeper;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fusd.host.device.Caller;
import org.fusd.host.device.OpenFile;
import org.fusd.host.fuse.OpenFileLog;

/**
 * What a host that dies leaves for the next one, in shared memory that the
 * keeper holds (a memfd every host of the keeper maps): the device table
 * (which nodeid each device name has on the mount; on fusd, which dev_id,
 * and the inode of its shared memory's memfd) and one entry per open file
 * (its fh, nodeid or dev_id, id, opener, flags and poll handle). The host
 * writes it as it goes, with plain stores that survive the process (the
 * pages belong to the memfd), in an order that leaves it consistent at any
 * instant a SIGKILL may strike:
 *
 * - the table is written into the idle one of two slots, then a sequence
 *   number flips to it (release store);
 * - a file's entry is written before the OPEN reply gives the kernel its
 *   fh, its nodeid last (release store; 0 means free); RELEASE clears the
 *   nodeid first.
 *
 * The last {@link Journal#SIZE} bytes hold the {@link Journal}.
 *
 * On fuse a file's entry is indexed by its fh (the host chooses small
 * ones). On fusd the kernel's fh_id only grows, so a file takes a free slot
 * ({@link #record}) and its entry holds the fh_id.
 *
 * So a successor never sees a half-written table, and every fh the kernel
 * knows has its entry. The layout is private to one build: a keeper restarts
 * the same command, so writer and reader are the same code.
 */
public final class Registry implements OpenFileLog {
    /** The memfd's size (fusd-keeper.c's REGISTRY_SIZE). */
    static final int SIZE = 8 << 20;

    private static final long MAGIC = 0x31676572_64737566L; // "fusdreg1", little-endian
    private static final int SEQ = 8;
    private static final int LENGTHS = 16;
    private static final int HIGHEST_FH = 24;
    private static final int TABLES = 4096;
    private static final int TABLE_SIZE = 64 * 1024;
    private static final int FILES = TABLES + 2 * TABLE_SIZE;
    /** nodeid (or dev_id) @0, id @8, kh @16, flags @24, opener pid, uid, gid @28, fh @40. */
    private static final int ENTRY = 48;
    /** The journal of requests read and not answered (fuse, cuse) takes the registry's last bytes. */
    private static final int JOURNAL = SIZE - Journal.SIZE;
    /** The highest fh with an entry; a file with a larger one is not recorded (it does not survive a crash). */
    static final int MAX_FH = (JOURNAL - FILES) / ENTRY - 1;

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer mem;
    private final Journal journal;
    /** fusd: the slots of entries in use (slot 0 is never used). */
    private final java.util.BitSet slots = new java.util.BitSet();

    private Registry(ByteBuffer mem) {
        this.mem = mem;
        this.journal = new Journal(mem, JOURNAL);
    }

    /** The requests read and not yet answered (fuse and cuse). */
    public Journal journal() {
        return journal;
    }

    /** Maps the memfd fd (the mapping outlives the fd). */
    static Registry map(int fd) throws IOException {
        MappedByteBuffer m;
        try (FileChannel ch =
                FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() < SIZE) {
                throw new IOException("the keeper's registry has " + ch.size() + " bytes, not " + SIZE
                        + " (a fusd-keeper of another build?)");
            }
            m = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
        }
        Registry r = new Registry(m.order(ByteOrder.LITTLE_ENDIAN));
        if (r.mem.getLong(0) != MAGIC) {
            r.mem.putLong(0, MAGIC);
        }
        return r;
    }

    // ---- the device table ----

    /** The channel and its devices as the last host left them. */
    /**
     * The channel and its devices as the last host left them. nodeids: device
     * name → the node serving it; inodes: every device inode the kernel may
     * still use (with the open files of a renamed device's old name) → the
     * name of the device it belongs to.
     */
    public record Table(
            String channel,
            String mountDir,
            long nextNodeid,
            Map<String, Long> nodeids,
            Map<Long, String> inodes,
            Map<String, Long> memory,
            Map<Long, String> unsure) {
        /** A fuse table: no shared memory, nothing unsure. */
        public Table(
                String channel, String mountDir, long nextNodeid, Map<String, Long> nodeids, Map<Long, String> inodes) {
            this(channel, mountDir, nextNodeid, nodeids, inodes, Map.of(), Map.of());
        }
    }

    /**
     * A fusd table. registered: device name → dev_id; memory: device name →
     * the inode of its shared memory's memfd (the keeper holds the memfd);
     * unsure: dev_id → name of a device between REGISTER and its record (or
     * being unregistered), which a successor unregisters rather than trusts.
     */
    public static Table fusd(
            long nextDevId, Map<String, Long> registered, Map<String, Long> memory, Map<Long, String> unsure) {
        return new Table("fusd", "", nextDevId, registered, Map.of(), memory, unsure);
    }

    /** Records the channel's devices (name → nodeid); any thread, serialized. */
    public synchronized void writeTable(Table t) {
        StringBuilder b = new StringBuilder();
        b.append(t.channel())
                .append('\t')
                .append(t.nextNodeid())
                .append('\t')
                .append(t.mountDir())
                .append('\n');
        for (Map.Entry<String, Long> e : t.nodeids().entrySet()) {
            b.append(e.getValue()).append("\tnode\t").append(e.getKey()).append('\n');
        }
        for (Map.Entry<Long, String> e : t.inodes().entrySet()) {
            b.append(e.getKey()).append("\tinode\t").append(e.getValue()).append('\n');
        }
        for (Map.Entry<String, Long> e : t.memory().entrySet()) {
            b.append(e.getValue()).append("\tmemory\t").append(e.getKey()).append('\n');
        }
        for (Map.Entry<Long, String> e : t.unsure().entrySet()) {
            b.append(e.getKey()).append("\tunsure\t").append(e.getValue()).append('\n');
        }
        byte[] raw = b.toString().getBytes(StandardCharsets.UTF_8);
        if (raw.length > TABLE_SIZE) {
            System.err.println("fusd: the device table is too large for the keeper's registry (" + raw.length
                    + " bytes); a crash now loses the devices");
            return;
        }
        long seq = (long) LONGS.getAcquire(mem, SEQ);
        int slot = (int) ((seq + 1) & 1);
        mem.put(TABLES + slot * TABLE_SIZE, raw);
        mem.putInt(LENGTHS + slot * 4, raw.length);
        LONGS.setRelease(mem, SEQ, seq + 1);
    }

    /** The last table written, or null if none was. */
    public Table readTable() throws IOException {
        long seq = (long) LONGS.getAcquire(mem, SEQ);
        if (mem.getLong(0) != MAGIC || seq == 0) {
            return null;
        }
        int slot = (int) (seq & 1);
        int len = mem.getInt(LENGTHS + slot * 4);
        if (len <= 0 || len > TABLE_SIZE) {
            throw new IOException("the keeper's registry holds a damaged device table (" + len + " bytes)");
        }
        byte[] raw = new byte[len];
        mem.get(TABLES + slot * TABLE_SIZE, raw);
        try {
            return parse(new String(raw, StandardCharsets.UTF_8).split("\n"));
        } catch (NumberFormatException e) {
            throw new IOException("the keeper's registry holds a damaged device table: " + e.getMessage(), e);
        }
    }

    private static Table parse(String[] lines) throws IOException {
        String[] head = lines[0].split("\t", 3);
        if (head.length != 3) {
            throw new IOException("the keeper's registry holds a damaged device table: " + lines[0]);
        }
        Map<String, Long> nodeids = new LinkedHashMap<>();
        Map<Long, String> inodes = new LinkedHashMap<>();
        Map<String, Long> memory = new LinkedHashMap<>();
        Map<Long, String> unsure = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split("\t", 3);
            if (f.length != 3) {
                throw new IOException("the keeper's registry holds a damaged device table: " + lines[i]);
            }
            switch (f[1]) {
                case "node" -> nodeids.put(f[2], Long.parseLong(f[0]));
                case "inode" -> inodes.put(Long.parseLong(f[0]), f[2]);
                case "memory" -> memory.put(f[2], Long.parseLong(f[0]));
                case "unsure" -> unsure.put(Long.parseLong(f[0]), f[2]);
                default -> throw new IOException("the keeper's registry holds a damaged device table: " + lines[i]);
            }
        }
        return new Table(head[0], head[2], Long.parseLong(head[1]), nodeids, inodes, memory, unsure);
    }

    // ---- open files ----

    /** One open file the last host recorded; slot: where (on fuse its fh). */
    public record FileEntry(long fh, long nodeid, long id, long kh, int flags, Caller opener, int slot) {
        /** A fuse file: its entry's slot is its fh. */
        public FileEntry(long fh, long nodeid, long id, long kh, int flags, Caller opener) {
            this(fh, nodeid, id, kh, flags, opener, (int) fh);
        }
    }

    @Override
    public void opened(long fh, long nodeid, OpenFile file) {
        if (fh <= 0 || fh > MAX_FH) {
            return;
        }
        write((int) fh, fh, nodeid, file);
    }

    /**
     * fusd: records an open file (fh: the kernel's fh_id, devId its device)
     * in a free slot; returns the slot, or 0 if the registry is full (the
     * file then does not survive a crash).
     */
    public int record(long fh, long devId, OpenFile file) {
        int slot;
        synchronized (slots) {
            slot = slots.nextClearBit(1);
            if (slot > MAX_FH) {
                return 0;
            }
            slots.set(slot);
        }
        write(slot, fh, devId, file);
        return slot;
    }

    /** fusd: the file recorded in slot was released (RELEASE, first thing). */
    public void clear(int slot) {
        if (slot > 0 && slot <= MAX_FH) {
            LONGS.setRelease(mem, FILES + slot * ENTRY, 0L);
            synchronized (slots) {
                slots.clear(slot);
            }
        }
    }

    /** fusd: a slot a dead host recorded, whose file this host serves on: not given out again. */
    public void claim(int slot) {
        synchronized (slots) {
            slots.set(slot);
        }
    }

    private void write(int slot, long fh, long node, OpenFile file) {
        int at = FILES + slot * ENTRY;
        LONGS.setRelease(mem, at, 0L);
        mem.putLong(at + 8, file.id());
        mem.putLong(at + 16, 0);
        mem.putLong(at + 40, fh);
        mem.putInt(at + 24, file.flags());
        mem.putInt(at + 28, file.opener().pid());
        mem.putInt(at + 32, file.opener().uid());
        mem.putInt(at + 36, file.opener().gid());
        long highest;
        do {
            highest = (long) LONGS.getVolatile(mem, HIGHEST_FH);
        } while (highest < slot && !LONGS.compareAndSet(mem, HIGHEST_FH, highest, (long) slot));
        LONGS.setRelease(mem, at, node);
    }

    @Override
    public void polled(long fh, long kh) {
        if (fh > 0 && fh <= MAX_FH) {
            LONGS.setRelease(mem, FILES + (int) fh * ENTRY + 16, kh);
        }
    }

    @Override
    public void released(long fh) {
        if (fh > 0 && fh <= MAX_FH) {
            LONGS.setRelease(mem, FILES + (int) fh * ENTRY, 0L);
        }
    }

    /** Every file recorded open (its nodeid set). */
    public List<FileEntry> files() {
        List<FileEntry> out = new ArrayList<>();
        long highest = Math.min(MAX_FH, (long) LONGS.getAcquire(mem, HIGHEST_FH));
        for (int slot = 1; slot <= highest; slot++) {
            int at = FILES + slot * ENTRY;
            long nodeid = (long) LONGS.getAcquire(mem, at);
            if (nodeid == 0) {
                continue;
            }
            Caller opener = new Caller(mem.getInt(at + 28), mem.getInt(at + 32), mem.getInt(at + 36));
            out.add(new FileEntry(
                    mem.getLong(at + 40),
                    nodeid,
                    mem.getLong(at + 8),
                    mem.getLong(at + 16),
                    mem.getInt(at + 24),
                    opener,
                    slot));
        }
        return out;
    }
}
