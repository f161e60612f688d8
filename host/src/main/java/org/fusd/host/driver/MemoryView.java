package org.fusd.host.driver;

import java.nio.ByteBuffer;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * The device's shared memory as a Python script reaches it: the host calls
 * behind {@code device.memory}, a bytearray-like view (indexing and slices
 * read and write the shared pages in place; a slice read is a bytes copy of
 * that slice only). GraalPy's memoryview takes no foreign buffers, so the
 * Python side is a small class in {@link LoadedCode#guestMemory}. JS wraps
 * the same ByteBuffer as an ArrayBuffer directly.
 */
public final class MemoryView {
    private final ByteBuffer memory;
    private final LoadedCode code;

    MemoryView(ByteBuffer memory, LoadedCode code) {
        this.memory = memory;
        this.code = code;
    }

    @HostAccess.Export
    public int size() {
        return memory.capacity();
    }

    @HostAccess.Export
    public int get(int i) {
        return memory.get(i) & 0xff;
    }

    @HostAccess.Export
    public void set(int i, int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("ValueError: byte must be in range(0, 256)");
        }
        memory.put(i, (byte) v);
    }

    @HostAccess.Export
    public Object read(int offset, int n) {
        byte[] b = new byte[n];
        memory.get(offset, b);
        return code.guestBytes(b);
    }

    @HostAccess.Export
    public void write(int offset, Value bytes) {
        ByteBuffer b = code.bytesInto(bytes, ByteBuffer.allocate(0));
        if (b == null) {
            throw new IllegalArgumentException("TypeError: device.memory takes bytes, bytearray or memoryview");
        }
        if (offset < 0 || offset > memory.capacity() - b.remaining()) {
            throw new IllegalArgumentException("IndexError: " + b.remaining() + " bytes at " + offset
                    + " do not fit the " + memory.capacity() + " bytes of device.memory");
        }
        memory.put(offset, b, b.position(), b.remaining());
    }
}
