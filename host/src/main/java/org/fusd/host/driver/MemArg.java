package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.IoctlMemory;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * The {@code mem} argument of an ioctl callback: the caller's memory behind
 * pointers (docs/driver-api.md, "Pointers in ioctl arguments").
 * On a channel with direct access (fusd) both are plain synchronous calls
 * that reach the caller's memory at once (a bad address throws a catchable
 * Errno EFAULT). Elsewhere
 * {@code mem.read(addr, len)} returns the caller's bytes if they are mapped
 * for this run of the callback, else notes the region and throws;
 * {@code mem.write(addr, bytes)} stores bytes to copy out with the reply, or
 * notes the region. A callback that needed regions not mapped yet is run
 * again once the channel has mapped them (cuse), so it must leave no side
 * effects before its last memory access; on a channel that cannot map memory
 * (fuse) the caller gets ENOTTY. Valid during the call (and until a deferred
 * reply); used on the device's loop thread only.
 */
public final class MemArg {
    /** The raw ioctl argument: for a pointer argument, the caller's address. */
    @HostAccess.Export
    public final long arg;

    private final IoctlMemory memory;
    private final LoadedCode code;
    private final long[] in;
    private final long[] out;
    private final ByteBuffer inData;
    private final List<long[]> needIn = new ArrayList<>();
    private final List<long[]> needOut = new ArrayList<>();
    private final List<Object[]> writes = new ArrayList<>(); // {Integer offset, byte[] bytes}

    /** memory null: a channel that passed only the encoded struct (in bytes, outSize). */
    MemArg(long arg, IoctlMemory memory, ByteBuffer in, int outSize, LoadedCode code) {
        this.arg = arg;
        this.memory = memory;
        this.code = code;
        if (memory != null) {
            this.in = memory.in();
            this.out = memory.out();
            this.inData = memory.inData();
        } else {
            this.inData = in == null ? ByteBuffer.allocate(0) : in.duplicate();
            this.in = in != null && in.hasRemaining() ? new long[] {arg, in.remaining()} : new long[0];
            this.out = outSize > 0 ? new long[] {arg, outSize} : new long[0];
        }
    }

    /** Thrown into the script by read() of memory not mapped yet; the call is retried or refused. */
    static final class NotMapped extends RuntimeException {
        NotMapped(long addr, int len) {
            super(
                    "the caller's memory at 0x" + Long.toHexString(addr) + " (" + len
                            + " bytes) is not mapped yet: fusd maps it and runs ioctl again (do not catch this)",
                    null,
                    false,
                    false);
        }
    }

    @HostAccess.Export
    public Object read(Value addr, Value len) {
        long a = address(addr);
        int n = length(len);
        if (memory != null && memory.direct()) {
            try {
                return code.guestBytes(memory.readNow(a, n));
            } catch (ErrnoException e) {
                throw code.guestErrno(e);
            }
        }
        int at = find(in, a, n);
        if (at < 0) {
            note(needIn, a, n);
            throw new NotMapped(a, n);
        }
        byte[] b = new byte[n];
        inData.get(inData.position() + at, b);
        return code.guestBytes(b);
    }

    @HostAccess.Export
    public void write(Value addr, Value bytes) {
        long a = address(addr);
        ByteBuffer b = code.bytesInto(bytes, ByteBuffer.allocate(0));
        if (b == null) {
            throw new IllegalArgumentException("TypeError: mem.write(addr, bytes): bytes must be a Uint8Array, "
                    + "ArrayBuffer, bytes, bytearray or string");
        }
        if (memory != null && memory.direct()) {
            try {
                memory.writeNow(a, b);
            } catch (ErrnoException e) {
                throw code.guestErrno(e);
            }
            return;
        }
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        if (copy.length == 0) {
            return;
        }
        int at = find(out, a, copy.length);
        if (at < 0) {
            note(needOut, a, copy.length);
        } else {
            writes.add(new Object[] {at, copy});
        }
    }

    private static long address(Value v) {
        if (v != null && v.isNumber() && v.fitsInLong()) {
            return v.asLong();
        }
        if (v != null && v.isNumber() && v.fitsInDouble()) {
            return (long) v.asDouble();
        }
        throw new IllegalArgumentException("TypeError: an address must be a number or BigInt, not " + v);
    }

    private static int length(Value v) {
        if (v != null && v.isNumber() && v.fitsInInt() && v.asInt() >= 0) {
            return v.asInt();
        }
        throw new IllegalArgumentException("TypeError: a length must be a non-negative number, not " + v);
    }

    /** Offset of [a, a+n) in the concatenation of regions, or -1 if no region holds it all. */
    static int find(long[] regions, long a, int n) {
        long off = 0;
        for (int k = 0; k < regions.length; k += 2) {
            long base = regions[k];
            long len = regions[k + 1];
            if (a >= base && a + n <= base + len) {
                return (int) (off + a - base);
            }
            off += len;
        }
        return -1;
    }

    private static void note(List<long[]> list, long a, int n) {
        for (long[] r : list) {
            if (r[0] == a && r[1] == n) {
                return;
            }
        }
        list.add(new long[] {a, n});
    }

    /** True if the callback touched memory that is not mapped in this run. */
    boolean needsMore() {
        return !needIn.isEmpty() || !needOut.isEmpty();
    }

    /** The regions to ask for: those of this run, then the new ones. */
    long[] wantIn() {
        return concat(in, needIn);
    }

    long[] wantOut() {
        return concat(out, needOut);
    }

    private static long[] concat(long[] have, List<long[]> more) {
        long[] r = new long[have.length + 2 * more.size()];
        System.arraycopy(have, 0, r, 0, have.length);
        int k = have.length;
        for (long[] m : more) {
            r[k++] = m[0];
            r[k++] = m[1];
        }
        return r;
    }

    /** The memory object of the channel, or null. */
    IoctlMemory memory() {
        return memory;
    }

    /** True if the reply must carry more than the encoded struct: writes, or out regions beyond it. */
    boolean hasOutBeyond(int structOut) {
        return !writes.isEmpty() || total(out) > structOut;
    }

    /** The out bytes of the reply: the returned struct (at most structOut bytes) at 0, then every write. */
    ByteBuffer outBytes(ByteBuffer returned, int structOut) {
        ByteBuffer b = ByteBuffer.allocate((int) total(out));
        if (returned != null) {
            int n = Math.min(returned.remaining(), structOut);
            b.put(0, returned, returned.position(), n);
        }
        for (Object[] w : writes) {
            b.put((Integer) w[0], (byte[]) w[1]);
        }
        return b;
    }

    /** A description for messages: the regions asked for. */
    String describeNeeds() {
        StringBuilder s = new StringBuilder();
        for (long[] r : needIn) {
            s.append(s.length() == 0 ? "" : ", ")
                    .append("read 0x")
                    .append(Long.toHexString(r[0]))
                    .append('+')
                    .append(r[1]);
        }
        for (long[] r : needOut) {
            s.append(s.length() == 0 ? "" : ", ")
                    .append("write 0x")
                    .append(Long.toHexString(r[0]))
                    .append('+')
                    .append(r[1]);
        }
        return s.toString();
    }

    private static long total(long[] regions) {
        long n = 0;
        for (int k = 1; k < regions.length; k += 2) {
            n += regions[k];
        }
        return n;
    }
}
