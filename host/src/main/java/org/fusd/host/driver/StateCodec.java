package org.fusd.host.driver;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * State as bytes, for a takeover: the host values a StateObject holds (see
 * {@link HostValues}) written as tagged values. A container stored in two
 * places is written once and referred to after, so the successor's state has
 * the same shape. A Deferred is written as the id of the call it answers
 * (the successor gives it the same call), or as a finished one if its call
 * was already answered.
 */
final class StateCodec {
    private static final int NULL = 0;
    private static final int TRUE = 1;
    private static final int FALSE = 2;
    private static final int INT = 3;
    private static final int LONG = 4;
    private static final int DOUBLE = 5;
    private static final int STRING = 6;
    private static final int BYTES = 7;
    private static final int OBJECT = 8;
    private static final int LIST = 9;
    private static final int DEFERRED = 10;
    private static final int DONE_DEFERRED = 11;
    private static final int SEEN = 12;

    private StateCodec() {}

    /** How a Deferred in state is found again by the successor. */
    interface Deferreds {
        /** The Deferred that answers the call with this id, or null if that call is not pending. */
        Deferred of(long unique);

        /** A finished Deferred (its call was answered before the takeover) on file fileId. */
        Deferred finished(String op, long fileId, int size, boolean cancelled);
    }

    static byte[] encode(StateObject state) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            write(out, state, new IdentityHashMap<>());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    private static void write(DataOutputStream out, Object v, Map<Object, Integer> seen) throws IOException {
        switch (v) {
            case null -> out.writeByte(NULL);
            case Boolean x -> out.writeByte(x ? TRUE : FALSE);
            case Integer x -> {
                out.writeByte(INT);
                out.writeInt(x);
            }
            case Long x -> {
                out.writeByte(LONG);
                out.writeLong(x);
            }
            case Double x -> {
                out.writeByte(DOUBLE);
                out.writeDouble(x);
            }
            case String x -> {
                out.writeByte(STRING);
                byte[] raw = x.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeInt(raw.length);
                out.write(raw);
            }
            case byte[] x -> {
                out.writeByte(BYTES);
                out.writeInt(x.length);
                out.write(x);
            }
            case Deferred d -> {
                Invocation c = d.call;
                if (!d.done && c != null && !c.reply.isDone()) {
                    out.writeByte(DEFERRED);
                    out.writeLong(c.reply.id());
                } else {
                    out.writeByte(DONE_DEFERRED);
                    out.writeUTF(d.op);
                    out.writeLong(d.file == null ? 0 : d.file.id);
                    out.writeInt(d.size);
                    out.writeBoolean(d.cancelled);
                }
            }
            case StateObject o -> {
                if (writeSeen(out, o, seen)) {
                    return;
                }
                Map<String, Object> m = o.snapshot();
                out.writeByte(OBJECT);
                out.writeInt(m.size());
                for (Map.Entry<String, Object> e : m.entrySet()) {
                    out.writeUTF(e.getKey());
                    write(out, e.getValue(), seen);
                }
            }
            case StateList l -> {
                if (writeSeen(out, l, seen)) {
                    return;
                }
                List<Object> items = l.snapshot();
                out.writeByte(LIST);
                out.writeInt(items.size());
                for (Object o : items) {
                    write(out, o, seen);
                }
            }
            default ->
                throw new IllegalStateException("state holds a " + v.getClass().getName());
        }
    }

    private static boolean writeSeen(DataOutputStream out, Object container, Map<Object, Integer> seen)
            throws IOException {
        Integer index = seen.get(container);
        if (index != null) {
            out.writeByte(SEEN);
            out.writeInt(index);
            return true;
        }
        seen.put(container, seen.size());
        return false;
    }

    /** Fills target (empty) from bytes made by {@link #encode}. */
    static void decodeInto(StateObject target, byte[] raw, StateSpace space, Deferreds deferreds) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw));
        if (in.readByte() != OBJECT) {
            throw new IOException("state is not an object");
        }
        List<Object> seen = new ArrayList<>();
        seen.add(target);
        readObjectBody(in, target, space, deferreds, seen);
        space.add(raw.length); // the encoded size: an estimate that, unlike estimatedSize(), stops at cycles
    }

    private static void readObjectBody(
            DataInputStream in, StateObject o, StateSpace space, Deferreds deferreds, List<Object> seen)
            throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String key = in.readUTF();
            o.putHost(key, read(in, space, deferreds, seen));
        }
    }

    private static Object read(DataInputStream in, StateSpace space, Deferreds deferreds, List<Object> seen)
            throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case TRUE -> true;
            case FALSE -> false;
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case DOUBLE -> in.readDouble();
            case STRING -> {
                byte[] raw = new byte[in.readInt()];
                in.readFully(raw);
                yield new String(raw, java.nio.charset.StandardCharsets.UTF_8);
            }
            case BYTES -> {
                byte[] raw = new byte[in.readInt()];
                in.readFully(raw);
                yield raw;
            }
            case DEFERRED -> {
                long unique = in.readLong();
                Deferred d = deferreds.of(unique);
                if (d == null) {
                    throw new IOException("state refers to call " + unique + ", which was not handed over");
                }
                yield d;
            }
            case DONE_DEFERRED -> deferreds.finished(in.readUTF(), in.readLong(), in.readInt(), in.readBoolean());
            case OBJECT -> {
                StateObject o = new StateObject(space);
                seen.add(o);
                readObjectBody(in, o, space, deferreds, seen);
                yield o;
            }
            case LIST -> {
                StateList l = new StateList(space);
                seen.add(l);
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    l.addHost(read(in, space, deferreds, seen));
                }
                yield l;
            }
            case SEEN -> seen.get(in.readInt());
            default -> throw new IOException("unknown state tag " + tag);
        };
    }
}
