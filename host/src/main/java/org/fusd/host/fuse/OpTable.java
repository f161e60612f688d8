package org.fusd.host.fuse;

/**
 * The protocol as a table: one row per opcode with its name, the smallest
 * body it can be decoded from, and its handler. A session looks rows up by
 * opcode; an opcode without a row is answered ENOSYS, a body shorter than the
 * row's minimum EINVAL. Channels compose their table from the shared rows
 * ({@link FileOps}, {@link FuseSession#addCommonRows}) and their own.
 */
public final class OpTable {

    /** Decodes one request (body fields by offset) and answers it, now or later. */
    @FunctionalInterface
    public interface Handler {
        void handle(FuseRequest request);
    }

    public record Row(int opcode, String name, int minBody, Handler handler) {}

    private final Row[] rows = new Row[64];
    private Row cuseInit;

    /** Adds or replaces the row for an opcode. */
    public OpTable add(int opcode, String name, int minBody, Handler handler) {
        Row op = new Row(opcode, name, minBody, handler);
        if (opcode == FuseProtocol.CUSE_INIT) {
            cuseInit = op;
        } else if (opcode > 0 && opcode < rows.length) {
            rows[opcode] = op;
        } else {
            throw new IllegalArgumentException("opcode out of range: " + opcode);
        }
        return this;
    }

    /** The row for an opcode, or null (answer ENOSYS). */
    public Row get(int opcode) {
        if (opcode > 0 && opcode < rows.length) {
            return rows[opcode];
        }
        return opcode == FuseProtocol.CUSE_INIT ? cuseInit : null;
    }

    /** The opcode's name for traces and errors ("READ", or "opcode 77"). */
    public String name(int opcode) {
        Row op = get(opcode);
        return op != null ? op.name() : "opcode " + opcode;
    }
}
