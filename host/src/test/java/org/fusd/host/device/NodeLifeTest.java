package org.fusd.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The removed-device rule every channel shares. */
class NodeLifeTest {

    @Test
    void aRemovedNodeWithNoOpenFileIsGoneAtOnce() {
        AtomicInteger gone = new AtomicInteger();
        NodeLife<String> life = new NodeLife<>(gone::incrementAndGet);
        assertFalse(life.isRemoved());
        life.remove();
        assertTrue(life.isRemoved());
        assertEquals(1, gone.get());
        life.remove();
        assertEquals(1, gone.get(), "once");
    }

    @Test
    void openFilesKeepItUntilTheLastIsReleased() {
        AtomicInteger gone = new AtomicInteger();
        NodeLife<String> life = new NodeLife<>(gone::incrementAndGet);
        life.opened("a");
        life.opened("b");
        life.remove();
        assertEquals(0, gone.get());
        life.released("a");
        assertEquals(0, gone.get());
        assertEquals(1, life.openCount());
        life.released("b");
        assertEquals(1, gone.get());
    }

    @Test
    void releasingWithoutRemovalKeepsTheNode() {
        AtomicInteger gone = new AtomicInteger();
        NodeLife<String> life = new NodeLife<>(gone::incrementAndGet);
        life.opened("a");
        life.released("a");
        assertEquals(0, gone.get());
    }
}
