package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.fusd.host.device.Caller;
import org.fusd.host.sys.Libc;

/**
 * One request as read from the device fd: the in-header fields, and the body
 * read in place from the reader's buffer. A reader reuses one instance for
 * every request; handlers must not keep it. A handler that hands a slice of
 * the body to a device answering later lends the buffer to the reply
 * ({@link org.fusd.host.device.Reply#lend}), and the reader continues with another one.
 */
public final class FuseRequest {
    public static final int BODY = FuseProtocol.IN_HEADER;

    final FuseSession session;
    Buffer buffer;

    public int length;
    public int opcode;
    public long unique;
    public long nodeid;
    public int uid;
    public int gid;
    public int pid;

    FuseRequest(FuseSession session, Buffer buffer) {
        this.session = session;
        this.buffer = buffer;
    }

    /** A request buffer: its memory and a view handed to devices. */
    static final class Buffer {
        final ByteBuffer bytes;
        final long address;
        final ByteBuffer view;

        Buffer(int capacity) {
            bytes = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
            address = Libc.address(bytes);
            view = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    void decodeHeader(int n) {
        ByteBuffer b = buffer.bytes;
        length = n;
        opcode = b.getInt(FuseProtocol.IN_HEADER_OPCODE);
        unique = b.getLong(FuseProtocol.IN_HEADER_UNIQUE);
        nodeid = b.getLong(FuseProtocol.IN_HEADER_NODEID);
        uid = b.getInt(FuseProtocol.IN_HEADER_UID);
        gid = b.getInt(FuseProtocol.IN_HEADER_GID);
        pid = b.getInt(FuseProtocol.IN_HEADER_PID);
    }

    public FuseSession session() {
        return session;
    }

    /** Bytes after the in header. */
    public int bodyLength() {
        return length - BODY;
    }

    public int u32(int offset) {
        return buffer.bytes.getInt(BODY + offset);
    }

    public long u64(int offset) {
        return buffer.bytes.getLong(BODY + offset);
    }

    /** A NUL-terminated name starting at a body offset. */
    public String name(int offset) {
        ByteBuffer b = buffer.bytes;
        int start = BODY + offset;
        int end = start;
        while (end < length && b.get(end) != 0) {
            end++;
        }
        byte[] raw = new byte[end - start];
        b.get(start, raw);
        return new String(raw, StandardCharsets.UTF_8);
    }

    /**
     * The body bytes [offset, offset+len) as a buffer for a device, valid until
     * the request's reply completes. One view per request buffer, reused.
     */
    public ByteBuffer payload(int offset, int len) {
        ByteBuffer v = buffer.view;
        int start = BODY + offset;
        int end = Math.min(start + Math.max(len, 0), length);
        v.limit(end).position(Math.min(start, end));
        return v;
    }

    /** An empty buffer (a fresh, shared-nothing one is not needed: it holds no bytes). */
    public ByteBuffer emptyPayload() {
        return payload(bodyLength(), 0);
    }

    public Caller caller() {
        return new Caller(pid, uid, gid);
    }
}
