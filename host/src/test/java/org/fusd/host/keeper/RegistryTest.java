package org.fusd.host.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.fusd.host.device.Caller;
import org.fusd.host.device.OpenFile;
import org.fusd.host.sys.Libc;
import org.junit.jupiter.api.Test;

/**
 * The registry as a successor reads it: what one mapping of the keeper's
 * memfd wrote, another mapping of it (the next host's) sees. CrashTest
 * covers it end to end with a real keeper.
 */
class RegistryTest {
    /** Two mappings of one memfd, as the dead host and its successor have. */
    private static Registry[] twoMappings() throws Exception {
        int fd = Libc.memfd_create("registry-test", 0);
        try {
            Libc.ftruncate(fd, Registry.SIZE);
            return new Registry[] {Registry.map(fd), Registry.map(fd)};
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void theSuccessorSeesTheLastTableAndTheOpenFiles() throws Exception {
        Registry[] r = twoMappings();
        assertNull(r[1].readTable(), "nothing written yet");
        r[0].writeTable(new Registry.Table("fuse", "/run/x y", 5, Map.of("pipe", 2L), Map.of(2L, "pipe")));
        r[0].writeTable(new Registry.Table(
                "fuse", "/run/x y", 7, Map.of("pipe", 2L, "tap", 6L), Map.of(2L, "pipe", 4L, "pipe", 6L, "tap")));
        Registry.Table t = r[1].readTable();
        assertEquals("/run/x y", t.mountDir());
        assertEquals(7, t.nextNodeid());
        assertEquals(Map.of("pipe", 2L, "tap", 6L), t.nodeids());
        assertEquals("pipe", t.inodes().get(4L), "a renamed device's old inode");

        OpenFile a = new OpenFile(new Caller(100, 0, 0), 02);
        OpenFile b = new OpenFile(new Caller(101, 1000, 1000), 04002);
        r[0].opened(1, 2, a);
        r[0].opened(3, 6, b);
        r[0].polled(3, 77);
        r[0].opened(2, 2, a);
        r[0].released(2);
        List<Registry.FileEntry> files = r[1].files();
        assertEquals(2, files.size());
        assertEquals(new Registry.FileEntry(1, 2, a.id(), 0, 02, new Caller(100, 0, 0)), files.get(0));
        assertEquals(new Registry.FileEntry(3, 6, b.id(), 77, 04002, new Caller(101, 1000, 1000)), files.get(1));
    }

    @Test
    void fusdFilesTakeFreeSlotsAndTheTableKeepsMemoryAndUnsureDevices() throws Exception {
        Registry[] r = twoMappings();
        r[0].writeTable(Registry.fusd(3, Map.of("fb", 1L, "pipe", 2L), Map.of("fb", 4711L), Map.of(3L, "tap")));
        Registry.Table t = r[1].readTable();
        assertEquals("fusd", t.channel());
        assertEquals(3, t.nextNodeid());
        assertEquals(Map.of("fb", 1L, "pipe", 2L), t.nodeids());
        assertEquals(Map.of("fb", 4711L), t.memory());
        assertEquals(Map.of(3L, "tap"), t.unsure());

        OpenFile a = new OpenFile(new Caller(100, 0, 0), 02);
        OpenFile b = new OpenFile(new Caller(101, 0, 0), 0);
        long bigFh = 4_000_000_000L; // fh_ids only grow: an entry is found by its slot, not its fh
        assertEquals(1, r[0].record(bigFh, 2, a));
        assertEquals(2, r[0].record(7, 1, b));
        r[0].clear(1);
        assertEquals(1, r[0].record(9, 2, a), "a freed slot is taken again");
        List<Registry.FileEntry> files = r[1].files();
        assertEquals(
                List.of(
                        new Registry.FileEntry(9, 2, a.id(), 0, 02, new Caller(100, 0, 0), 1),
                        new Registry.FileEntry(7, 1, b.id(), 0, 0, new Caller(101, 0, 0), 2)),
                files);
        r[1].claim(1);
        r[1].claim(2);
        assertEquals(3, r[1].record(bigFh, 2, b), "the successor does not give out the slots it serves");
    }
}
