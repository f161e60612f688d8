package org.fusd.host.driver;

import org.fusd.host.device.Call;
import org.fusd.host.device.Ioc;

/**
 * The arguments a script callback gets for a call (docs/driver-api.md):
 * the file first, then what the operation passes.
 */
final class CallbackArgs {
    private CallbackArgs() {}

    static Object[] of(Invocation c, ScriptFile sf, LoadedCode lc) {
        return switch (c.call) {
            case Call.Read r -> new Object[] {sf, r.size(), r.offset()};
            case Call.Write w -> new Object[] {sf, lc.guestData(w.data()), w.offset()};
            case Call.Ioctl i -> ioctl(c, i, sf, lc);
            case Call.Open o -> new Object[] {sf, o.file().flags()};
            case Call.Poll p -> new Object[] {sf};
            case Call.Flush f -> new Object[] {sf};
            case Call.Release r -> new Object[] {sf};
            case Call.Llseek s -> new Object[] {sf, s.offset(), s.whence()};
            case Call.Mmap m -> new Object[] {sf, m.offset(), m.length(), m.prot()};
        };
    }

    /** file, cmd, arg, and mem when the callback takes it; c keeps mem for the answer. */
    private static Object[] ioctl(Invocation c, Call.Ioctl call, ScriptFile sf, LoadedCode lc) {
        c.mem = new MemArg(call.arg(), call.memory(), call.in(), call.outSize(), lc);
        long cmd = Integer.toUnsignedLong(call.cmd());
        Object arg = ioctlArg(call, lc);
        return lc.ioctlTakesMemory() ? new Object[] {sf, cmd, arg, c.mem} : new Object[] {sf, cmd, arg};
    }

    private static Object ioctlArg(Call.Ioctl call, LoadedCode lc) {
        if (Ioc.writes(call.cmd()) && call.in() != null) {
            return lc.guestData(call.in()); // _IOW, _IOWR: the bytes the caller passed
        }
        if (Ioc.reads(call.cmd())) {
            return null; // _IOR: nothing comes in
        }
        return call.arg(); // _IO or unencoded: the raw argument
    }
}
