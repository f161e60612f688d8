package org.fusd.host.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Ioc;
import org.fusd.host.device.IoctlMemory;

/**
 * The caller memory of one FUSE_IOCTL request, and the FUSE_IOCTL_RETRY
 * rounds that map more of it on CUSE.
 *
 * Restricted (a FUSE mount): the kernel copied the _IOC-encoded struct and
 * nothing else can be had; a retry is answered ENOTTY.
 *
 * Unrestricted (CUSE): the kernel first sends nothing but cmd and arg. The
 * daemon answers RETRY with iovec lists (in, then out: u64 base, u64 len
 * each), and the kernel sends the request again with the in regions'
 * bytes concatenated and out_size their total; the final reply's data is
 * scattered over the out regions. The repeated request does not say which
 * regions it carries, so the lists we asked for are kept per (fh, thread)
 * in {@link Rounds} until the next round takes them. An _IOC-encoded command
 * gets its struct mapped by a first retry without bothering the device, so
 * plain _IOR/_IOW/_IOWR work as on a restricted channel.
 */
public final class FuseIoctlMemory implements IoctlMemory {
    /** Bytes per direction the kernel moves by default (fc->max_pages 32). */
    public static final int MAX_BYTES = 32 * 4096;

    private static final long[] NONE = new long[0];

    private final boolean unrestricted;
    private final Rounds rounds;
    private final Rounds.Key key;
    private final int cmd;
    private final long arg;
    private final long[] in;
    private final long[] out;
    private final ByteBuffer inData;
    private final int outSize;

    private FuseIoctlMemory(
            boolean unrestricted,
            Rounds rounds,
            Rounds.Key key,
            int cmd,
            long arg,
            long[] in,
            long[] out,
            ByteBuffer inData) {
        this.unrestricted = unrestricted;
        this.rounds = rounds;
        this.key = key;
        this.cmd = cmd;
        this.arg = arg;
        this.in = in;
        this.out = out;
        this.inData = inData;
        this.outSize = (int) total(out);
    }

    /** A restricted request: the encoded struct (inSize bytes in, outSize out), nothing more. */
    static FuseIoctlMemory restricted(FuseRequest req, int cmd, long arg, int inSize, int outSize) {
        long[] in = inSize > 0 ? new long[] {arg, inSize} : NONE;
        long[] out = outSize > 0 ? new long[] {arg, outSize} : NONE;
        return new FuseIoctlMemory(false, null, null, cmd, arg, in, out, data(req, inSize));
    }

    /** A restricted call handed over by a previous host: the struct's bytes in, outSize out. */
    static FuseIoctlMemory restricted(int cmd, long arg, byte[] inBytes, int outSize) {
        long[] in = inBytes.length > 0 ? new long[] {arg, inBytes.length} : NONE;
        long[] out = outSize > 0 ? new long[] {arg, outSize} : NONE;
        ByteBuffer data =
                ByteBuffer.allocateDirect(inBytes.length).put(inBytes).flip().order(ByteOrder.LITTLE_ENDIAN);
        return new FuseIoctlMemory(false, null, null, cmd, arg, in, out, data);
    }

    /**
     * An unrestricted request: the call to deliver to the device, or null if
     * this method answered the request itself (a first RETRY for the encoded
     * struct, or EIO for a round we cannot place).
     */
    static FuseIoctlMemory unrestricted(
            FuseRequest req, Rounds rounds, long fh, int cmd, long arg, int inSize, int outSize) {
        Rounds.Key key = new Rounds.Key(fh, req.pid);
        Rounds.Round r = rounds.take(key);
        if (r != null && r.cmd == cmd && r.arg == arg && total(r.in) == inSize && total(r.out) == outSize) {
            return new FuseIoctlMemory(true, rounds, key, cmd, arg, r.in, r.out, data(req, inSize));
        }
        if (inSize != 0 || outSize != 0) {
            req.session.replyError(req.unique, Errno.EIO.number()); // a round we did not ask for
            return null;
        }
        int size = Ioc.size(cmd);
        long[] encIn = Ioc.writes(cmd) && size > 0 ? new long[] {arg, size} : NONE;
        long[] encOut = Ioc.reads(cmd) && size > 0 ? new long[] {arg, size} : NONE;
        if (encIn.length == 0 && encOut.length == 0) {
            return new FuseIoctlMemory(true, rounds, key, cmd, arg, NONE, NONE, data(req, 0));
        }
        rounds.put(key, new Rounds.Round(cmd, arg, encIn, encOut));
        sendRetry(req.session, req.unique, encIn, encOut);
        return null;
    }

    private static ByteBuffer data(FuseRequest req, int inSize) {
        return req.payload(FuseProtocol.IOCTL_IN, inSize).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** What the device's ioctl() gets as {@code in}: the encoded struct's bytes for _IOW/_IOWR, else empty. */
    ByteBuffer structIn() {
        int n = !Ioc.writes(cmd) ? 0 : unrestricted ? Math.min(Ioc.size(cmd), inData.remaining()) : inData.remaining();
        return inData.slice(0, n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** What the device's ioctl() gets as {@code outSize}: the encoded struct's size for _IOR/_IOWR, else 0. */
    int structOut() {
        if (!Ioc.reads(cmd)) {
            return 0;
        }
        return unrestricted ? Math.min(Ioc.size(cmd), outSize) : outSize;
    }

    @Override
    public boolean canRetry() {
        return unrestricted;
    }

    @Override
    public long[] in() {
        return in.clone();
    }

    @Override
    public ByteBuffer inData() {
        return inData.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] out() {
        return out.clone();
    }

    @Override
    public int outSize() {
        return outSize;
    }

    /**
     * The device asked for these regions: a RETRY that maps them (unique is the
     * request being answered), or an errno if they cannot be mapped. A
     * restricted request cannot map anything: ENOTTY.
     */
    void answerRetry(FuseSession session, long unique, long[] wantIn, long[] wantOut) {
        if (!unrestricted) {
            session.replyError(unique, Errno.ENOTTY.number());
            return;
        }
        String bad = check(wantIn, wantOut);
        if (bad != null) {
            System.err.println(
                    "fusd: ioctl 0x" + Integer.toHexString(cmd) + ": cannot map the memory asked for: " + bad);
            session.replyError(unique, (bad.startsWith("more than") ? Errno.ENOMEM : Errno.EINVAL).number());
            return;
        }
        long[] i = wantIn.clone();
        long[] o = wantOut.clone();
        if (Arrays.equals(i, in) && Arrays.equals(o, out)) {
            System.err.println("fusd: ioctl 0x" + Integer.toHexString(cmd) + ": retry asked for no new memory");
            session.replyError(unique, Errno.EIO.number());
            return;
        }
        rounds.put(key, new Rounds.Round(cmd, arg, i, o));
        sendRetry(session, unique, i, o);
    }

    /** Why the kernel would refuse these lists, or null if it will map them. */
    static String check(long[] wantIn, long[] wantOut) {
        if (wantIn.length % 2 != 0 || wantOut.length % 2 != 0) {
            return "region lists must be (address, length) pairs";
        }
        if ((wantIn.length + wantOut.length) / 2 > FuseProtocol.IOCTL_MAX_IOV) {
            return "more than " + FuseProtocol.IOCTL_MAX_IOV + " regions";
        }
        for (long[] list : new long[][] {wantIn, wantOut}) {
            for (int k = 1; k < list.length; k += 2) {
                if (list[k] < 0) {
                    return "a negative length";
                }
            }
            if (total(list) > MAX_BYTES) {
                return "more than " + MAX_BYTES + " bytes in one direction";
            }
        }
        return null;
    }

    static long total(long[] regions) {
        long n = 0;
        for (int k = 1; k < regions.length; k += 2) {
            n += regions[k];
        }
        return n;
    }

    /** Bytes of a RETRY reply body for these lists. */
    static int retrySize(long[] wantIn, long[] wantOut) {
        return FuseProtocol.IOCTL_OUT + (wantIn.length + wantOut.length) / 2 * FuseProtocol.IOCTL_IOVEC;
    }

    /** Writes fuse_ioctl_out (flags RETRY, the counts) and the iovecs at b[at...]; returns the body length. */
    public static int encodeRetry(ByteBuffer b, int at, long[] wantIn, long[] wantOut) {
        b.putInt(at + FuseProtocol.IOCTL_OUT_RESULT, 0);
        b.putInt(at + FuseProtocol.IOCTL_OUT_FLAGS, FuseProtocol.IOCTL_RETRY);
        b.putInt(at + FuseProtocol.IOCTL_OUT_IN_IOVS, wantIn.length / 2);
        b.putInt(at + FuseProtocol.IOCTL_OUT_OUT_IOVS, wantOut.length / 2);
        int o = at + FuseProtocol.IOCTL_OUT;
        for (long[] list : new long[][] {wantIn, wantOut}) {
            for (int k = 0; k < list.length; k += 2) {
                b.putLong(o + FuseProtocol.IOCTL_IOVEC_BASE, list[k]);
                b.putLong(o + FuseProtocol.IOCTL_IOVEC_LEN, list[k + 1]);
                o += FuseProtocol.IOCTL_IOVEC;
            }
        }
        return o - at;
    }

    private static void sendRetry(FuseSession s, long unique, long[] wantIn, long[] wantOut) {
        int n = retrySize(wantIn, wantOut);
        FuseSession.ReplyBuffer rb = s.replyBuffer(n);
        encodeRetry(rb.bytes(), FuseProtocol.OUT_HEADER, wantIn, wantOut);
        s.send(rb, unique, 0, n);
    }

    /** Regions asked for by a RETRY, until the repeated request takes them. Keyed by fh and calling thread. */
    public static final class Rounds {
        record Key(long fh, int tid) {}

        /** One round asked for: the call it belongs to and the regions it wants. Arrays are not copied. */
        static final class Round {
            final int cmd;
            final long arg;
            final long[] in;
            final long[] out;

            Round(int cmd, long arg, long[] in, long[] out) {
                this.cmd = cmd;
                this.arg = arg;
                this.in = in;
                this.out = out;
            }
        }

        private final ConcurrentHashMap<Key, Round> asked = new ConcurrentHashMap<>();

        Round take(Key k) {
            return asked.remove(k);
        }

        void put(Key k, Round r) {
            asked.put(k, r);
        }

        /** Rounds asked for and not (yet) repeated: calls interrupted between rounds leave one each. */
        public int size() {
            return asked.size();
        }
    }
}
