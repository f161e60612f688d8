package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.fusd.host.device.Call;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlMemory;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollEvents;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.WriteReply;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

/**
 * Turns what a script gave back into the typed reply: a returned value, a
 * resolved or rejected promise, a Deferred's reply or fail, a thrown error,
 * or no callback at all. Each reply type says what it accepts; a value of the
 * wrong kind is EIO for the caller and one line naming the driver and what
 * was expected for the person running the host. Loop thread only.
 */
final class Answers {

    private final ScriptDevice device;
    private ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
    private final Set<Integer> warnedIoctls = new HashSet<>();

    Answers(ScriptDevice device) {
        this.device = device;
    }

    /** What a kernel driver without this method answers. */
    void missing(Invocation c) {
        switch (c.reply) {
            case ReadReply r -> r.error(Errno.EINVAL);
            case WriteReply r -> r.error(Errno.EINVAL);
            case IoctlReply r -> r.error(Errno.ENOTTY);
            case PollReply r -> r.mask(PollEvents.DEFAULT_MASK);
            case OpenReply r -> r.ok();
            case DoneReply r -> r.ok();
            case SeekReply r -> seekWithoutCallback(c, r);
        }
        device.afterReply(c);
    }

    /** `seekable = true` and no llseek: positions are the caller's own; no size, so SEEK_SET only. */
    private static void seekWithoutCallback(Invocation c, SeekReply r) {
        Call.Llseek s = (Call.Llseek) c.call;
        if (s.whence() == 0 && s.offset() >= 0) {
            r.position(s.offset());
        } else {
            r.error(Errno.EINVAL);
        }
    }

    /** A callback's answer (returned, resolved or passed to Deferred.reply) becomes the reply. */
    void complete(Invocation c, Value v) {
        try {
            switch (c.reply) {
                case ReadReply r -> completeRead(c, r, v);
                case WriteReply r -> completeWrite(c, r, v);
                case IoctlReply r -> completeIoctl(c, r, v);
                case PollReply r -> completePoll(c, r, v);
                case OpenReply r -> completeOk(c, v, r::ok);
                case DoneReply r -> completeOk(c, v, r::ok);
                case SeekReply r -> completeSeek(c, r, v);
            }
        } catch (PolyglotException e) {
            thrown(c, e, device.code());
        }
        device.afterReply(c);
    }

    /** A read's answer that is a buffer (v.hasBufferElements()): at most max bytes of it, copied once. */
    void replyBuffer(ReadReply r, Value v) {
        scratch = LoadedCode.copyBuffer(v, 0, (int) Math.min(v.getBufferSize(), r.max()), scratch);
        r.bytes(scratch);
    }

    private void completeRead(Invocation c, ReadReply r, Value v) {
        if (v == null || v.isNull()) {
            r.endOfFile();
            return;
        }
        if (isInt(v) && v.asLong() < 0) {
            r.error(Errno.byNumber((int) -v.asLong()));
            return;
        }
        ByteBuffer b = device.code().bytesInto(v, scratch);
        if (b == null) {
            wrongType(c, v, "bytes (a string, Uint8Array, ArrayBuffer, bytes or bytearray)");
            return;
        }
        // Keep a grown buffer for next time: one bytesInto allocated because scratch was too small
        // (so larger than scratch, hence not scratch itself), and that copyBuffer can reuse, which
        // writes into its backing array by index: the array must be exactly the buffer.
        if (b.capacity() > scratch.capacity()
                && b.hasArray()
                && b.arrayOffset() == 0
                && b.array().length == b.capacity()
                && !v.isString()) {
            scratch = b;
        }
        r.bytes(b);
    }

    private void completeWrite(Invocation c, WriteReply r, Value v) {
        if (v == null || v.isNull()) {
            r.count(r.offered());
        } else if (isInt(v)) {
            long n = v.asLong();
            if (n < 0) {
                r.error(Errno.byNumber((int) -n));
            } else {
                r.count((int) Math.min(n, r.offered()));
            }
        } else {
            wrongType(c, v, "a count of bytes consumed, a negative errno or nothing");
        }
    }

    private void completeSeek(Invocation c, SeekReply r, Value v) {
        if (isInt(v) && v.asLong() >= 0) {
            r.position(v.asLong());
        } else if (isInt(v)) {
            r.error(Errno.byNumber((int) -v.asLong()));
        } else {
            wrongType(c, v, "the new position (a number >= 0) or a negative errno");
        }
    }

    private void completePoll(Invocation c, PollReply r, Value v) {
        if (v == null || v.isNull()) {
            r.mask(PollEvents.DEFAULT_MASK);
        } else if (isInt(v) && v.asLong() >= 0) {
            r.mask(v.asInt());
        } else if (isInt(v)) {
            r.error(Errno.byNumber((int) -v.asLong()));
        } else {
            wrongType(c, v, "an event mask like POLLIN | POLLOUT");
        }
    }

    /** open, flush, release: nothing, true or 0 is success; a negative number an errno. */
    private void completeOk(Invocation c, Value v, Runnable ok) {
        if (v == null || v.isNull() || (v.isBoolean() && v.asBoolean())) {
            ok.run();
        } else if (isInt(v)) {
            if (v.asLong() < 0) {
                c.failed = true;
                c.reply.error(Errno.byNumber((int) -v.asLong()));
            } else {
                ok.run();
            }
        } else {
            c.failed = true;
            wrongType(c, v, "nothing, 0 or a negative errno");
        }
    }

    private void completeIoctl(Invocation c, IoctlReply r, Value v) {
        if (ioctlNeedsMemory(c, r)) {
            return;
        }
        if (v == null || v.isNull()) {
            replyIoctl(c, r, 0, null);
            return;
        }
        if (isInt(v)) {
            long n = v.asLong();
            if (n < 0) {
                r.error(Errno.byNumber((int) -n));
            } else {
                replyIoctl(c, r, (int) n, null);
            }
            return;
        }
        int result = 0;
        Value out = v;
        if (!v.isString()
                && !v.hasBufferElements()
                && !HostValues.isTypedArray(v)
                && v.hasArrayElements()
                && v.getArraySize() == 2
                && isInt(v.getArrayElement(0))) {
            result = v.getArrayElement(0).asInt();
            out = v.getArrayElement(1);
        }
        int structOut = ((Call.Ioctl) c.call).outSize();
        ByteBuffer b = out.isNull() ? null : device.code().bytesInto(out, ByteBuffer.allocate(Math.max(structOut, 16)));
        if (b == null && !out.isNull()) {
            wrongType(c, v, "a number, bytes for _IOR/_IOWR, or [result, bytes]");
            return;
        }
        if (b != null && b.remaining() > structOut) {
            b.limit(b.position() + structOut);
        }
        replyIoctl(c, r, result, b);
    }

    /** The ioctl's result with its out bytes: the returned struct, plus what the script wrote through mem. */
    private static void replyIoctl(Invocation c, IoctlReply r, int result, ByteBuffer struct) {
        MemArg m = c.mem;
        int structOut = ((Call.Ioctl) c.call).outSize();
        r.result(result, m != null && m.hasOutBeyond(structOut) ? m.outBytes(struct, structOut) : struct);
    }

    /**
     * If the callback touched caller memory not mapped for this run, answers
     * with a retry that maps it (cuse) or ENOTTY and a hint (fuse); true if so.
     */
    private boolean ioctlNeedsMemory(Invocation c, IoctlReply r) {
        MemArg m = c.mem;
        if (m == null || !m.needsMore()) {
            return false;
        }
        IoctlMemory memory = m.memory();
        if (memory != null && memory.canRetry()) {
            r.retry(m.wantIn(), m.wantOut());
            return true;
        }
        int cmd = ((Call.Ioctl) c.call).cmd();
        if (warnedIoctls.add(cmd)) {
            device.log("ioctl 0x" + Integer.toHexString(cmd) + " needs caller memory beyond its encoded argument ("
                    + m.describeNeeds() + "); this channel passes only the _IOC-encoded struct (restricted"
                    + " ioctls), so the caller gets ENOTTY: serve the device with --channel cuse");
        }
        r.error(Errno.ENOTTY);
        return true;
    }

    /** A callback threw: an Errno is the caller's errno; anything else is EIO plus a message. */
    void thrown(Invocation c, PolyglotException e, LoadedCode lc) {
        if (c.reply instanceof IoctlReply r && ioctlNeedsMemory(c, r)) {
            return;
        }
        if (c.reply instanceof OpenReply) {
            c.failed = true;
        }
        Errno errno = lc.thrownErrno(e);
        if (errno != null) {
            c.reply.error(errno);
            return;
        }
        if (e.isCancelled() || e.isExit()) {
            c.reply.error(Errno.EIO);
            return;
        }
        if (ranOutOfMemory(e)) {
            device.outOfMemory(c.op().callback(), c); // as when the heap fills in host code: ENOMEM, faulted
            return;
        }
        device.report(c.op().callback(), e, lc);
        c.reply.error(Errno.EIO);
    }

    /**
     * The heap filled while the script ran and the language turned it into an
     * exception of its own (GraalPy raises MemoryError) instead of letting the
     * host's OutOfMemoryError through.
     */
    private static boolean ranOutOfMemory(PolyglotException e) {
        if (e.isResourceExhausted()) {
            return true;
        }
        if (!e.isGuestException() || e.getGuestObject() == null) {
            return false;
        }
        Value meta = e.getGuestObject().getMetaObject();
        return meta != null && "MemoryError".equals(meta.getMetaSimpleName());
    }

    void rejected(Invocation c, Value reason) {
        if (reason != null && !reason.isNull() && reason.hasMembers() && reason.hasMember("_fusd_errno")) {
            c.reply.error(errnoOf(reason.getMember("_fusd_errno")));
        } else {
            device.log(c.op().callback() + ": promise rejected: "
                    + (reason == null ? "undefined" : ScriptDevice.firstLine(reason.toString())) + " ("
                    + device.code().path + ")");
            c.reply.error(Errno.EIO);
        }
        device.afterReply(c);
    }

    /** Deferred.fail(errno). */
    void fail(Invocation c, Value errno) {
        c.reply.error(errnoOf(errno));
        device.afterReply(c);
    }

    /** "EAGAIN", 11 or -11, an Errno object: the errno it names (EIO if none). */
    static Errno errnoOf(Value v) {
        if (v != null && v.hasMember("_fusd_errno")) {
            v = v.getMember("_fusd_errno");
        }
        if (v != null && v.isString()) {
            Errno e = Errno.byName(v.asString());
            return e != null ? e : Errno.EIO;
        }
        if (v != null && v.isNumber() && v.fitsInInt() && v.asInt() != 0) {
            return Errno.byNumber(Math.abs(v.asInt()));
        }
        return Errno.EIO;
    }

    private static boolean isInt(Value v) {
        return v.isNumber() && v.fitsInLong();
    }

    private void wrongType(Invocation c, Value v, String expected) {
        device.log(c.op().callback() + " returned " + describe(v) + "; expected " + expected + " (" + device.code().path
                + ")");
        c.reply.error(Errno.EIO);
    }

    private static String describe(Value v) {
        if (v.isNumber()) {
            return "a number (" + v + ")";
        }
        if (v.isBoolean()) {
            return "a boolean (" + v + ")";
        }
        String t = HostValues.typeName(v);
        return (t.matches("^[AEIOUaeiou].*") ? "an " : "a ") + t;
    }
}
