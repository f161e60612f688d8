package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** State written by one host and read by its successor (a takeover) comes back as it was. */
class StateCodecTest {
    private final StateSpace space = new StateSpace(b -> b, 0);

    private static final StateCodec.Deferreds NONE = new StateCodec.Deferreds() {
        @Override
        public Deferred of(long unique) {
            return null;
        }

        @Override
        public Deferred finished(String op, long fileId, int size, boolean cancelled) {
            return new Deferred(op, null, size, cancelled);
        }
    };

    private StateObject roundTrip(StateObject state) throws IOException {
        StateObject copy = new StateObject(space);
        StateCodec.decodeInto(copy, StateCodec.encode(state), space, NONE);
        return copy;
    }

    @Test
    void valuesContainersAndSharingSurvive() throws IOException {
        StateObject s = new StateObject(space);
        StateObject shared = new StateObject(space);
        shared.putHost("n", 7);
        StateList list = new StateList(space);
        list.addHost("é");
        list.addHost(null);
        list.addHost(shared);
        s.putHost("int", 42);
        s.putHost("long", 1L << 40);
        s.putHost("double", 2.5);
        s.putHost("bool", true);
        s.putHost("nothing", null);
        s.putHost("bytes", new byte[] {0, 1, (byte) 255});
        s.putHost("list", list);
        s.putHost("shared", shared);

        StateObject c = roundTrip(s);
        assertEquals(42, c.get("int"));
        assertEquals(1L << 40, c.get("long"));
        assertEquals(2.5, c.get("double"));
        assertEquals(true, c.get("bool"));
        assertTrue(c.snapshot().containsKey("nothing"));
        assertNull(c.get("nothing"));
        assertArrayEquals(new byte[] {0, 1, (byte) 255}, (byte[]) c.get("bytes"));
        List<Object> l = ((StateList) c.get("list")).snapshot();
        assertEquals("é", l.get(0));
        assertNull(l.get(1));
        assertSame(c.get("shared"), l.get(2), "one container stored twice is still one");
        assertEquals(7, ((StateObject) c.get("shared")).get("n"));
        assertTrue(space.used() > 0, "the restored state counts against the cap");
    }

    @Test
    void aContainerHoldingItselfDoesNotLoop() throws IOException {
        StateObject s = new StateObject(space);
        s.putHost("self", s);
        StateObject c = roundTrip(s);
        assertSame(c, c.get("self"));
    }

    @Test
    void anAnsweredDeferredCrossesFinished() throws IOException {
        StateObject s = new StateObject(space);
        s.putHost("d", new Deferred("read", null, 10, true));
        Deferred d = (Deferred) roundTrip(s).get("d");
        assertEquals("read", d.op);
        assertEquals(10, d.size);
        assertTrue(d.done);
        assertTrue(d.cancelled);
    }

    @Test
    void garbageIsRefusedWithAReason() {
        StateObject target = new StateObject(space);
        IOException e =
                assertThrows(IOException.class, () -> StateCodec.decodeInto(target, new byte[] {9}, space, NONE));
        assertEquals("state is not an object", e.getMessage());
    }
}
