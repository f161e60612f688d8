package org.fusd.host.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.fusd.host.fuse.ReadLog;
import org.fusd.host.sys.Libc;
import org.junit.jupiter.api.Test;

/**
 * The journal of requests read and not answered, as a successor reads it
 * from another mapping of the keeper's memfd. CrashTest covers it end to end
 * (a host killed while reads block, on a kernel without resend).
 */
class JournalTest {
    private static Journal[] twoMappings() throws Exception {
        int fd = Libc.memfd_create("journal-test", 0);
        try {
            Libc.ftruncate(fd, Registry.SIZE);
            return new Journal[] {Registry.map(fd).journal(), Registry.map(fd).journal()};
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void whatWasReadAndNotAnsweredIsLeftForTheSuccessor() throws Exception {
        Journal[] j = twoMappings();
        ReadLog fuse = j[0].forConnection(0);
        ReadLog cuse7 = j[0].forConnection(7);
        for (long u = 2; u <= 2000; u += 2) {
            fuse.read(u);
        }
        for (long u = 2; u <= 2000; u += 2) {
            if (u != 40 && u != 1500) {
                fuse.answered(u);
            }
        }
        cuse7.read(40); // the same unique on another connection is another request
        cuse7.read(1L << 48); // too large to enter: skipped, not mistaken for another
        cuse7.answered(12345); // never read: nothing happens
        Set<Journal.Entry> left = new HashSet<>(j[1].takeAll());
        assertEquals(Set.of(new Journal.Entry(0, 40), new Journal.Entry(0, 1500), new Journal.Entry(7, 40)), left);
        assertEquals(List.of(), j[1].takeAll(), "taking empties the journal");
    }

    @Test
    void aFullNeighbourhoodSkipsTheRequestRatherThanLosingAnother() throws Exception {
        Journal[] j = twoMappings();
        ReadLog log = j[0].forConnection(1);
        int entered = 3 * Journal.SLOTS;
        for (long u = 1; u <= entered; u++) {
            log.read(u);
        }
        List<Journal.Entry> left = j[1].takeAll();
        assertTrue(left.size() <= Journal.SLOTS, left.size() + " entries");
        assertTrue(left.size() > Journal.SLOTS / 2, "only " + left.size() + " of " + Journal.SLOTS + " slots used");
        assertEquals(left.size(), new HashSet<>(left).size(), "an entry twice");
    }

    @Test
    void aConnectionNumberThatDoesNotFitIsRefused() throws Exception {
        Journal j = twoMappings()[0];
        assertThrows(IllegalArgumentException.class, () -> j.forConnection(1 << 15));
    }
}
