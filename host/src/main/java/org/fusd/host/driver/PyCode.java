package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Op;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/** A Python driver: a plain module whose globals are the contract. */
final class PyCode extends LoadedCode {

    /** Defines the globals every Python driver sees; evaluated in the module before the script. */
    private static final String PRELUDE = """
            class Errno(Exception):
                def __init__(self, errno, message=None):
                    Exception.__init__(self, str(errno) if message is None else message)
                    self._fusd_errno = errno

            for _n in (%s,):
                setattr(Errno, _n, Errno(_n))
            del _n

            device = _fusd_host.device
            hostio = _fusd_host.io

            def set_timeout(fn, ms, *args):
                return _fusd_host.setTimer(fn, float(ms), False, args)

            def set_interval(fn, ms, *args):
                return _fusd_host.setTimer(fn, float(ms), True, args)

            def clear_timeout(timer_id):
                if timer_id is not None:
                    _fusd_host.clearTimer(timer_id)

            clear_interval = clear_timeout

            def _fusd_where(e):
                tb = e.__traceback__
                if tb is None:
                    return None
                while tb.tb_next is not None:
                    tb = tb.tb_next
                return "%%s:%%d" %% (tb.tb_frame.f_code.co_filename, tb.tb_lineno)

            def _fusd_bytes(s):
                return s.encode("latin-1")

            _fusd_bytearray = bytearray

            def _fusd_nargs(fn):
                c = getattr(fn, "__code__", None)
                if c is None:
                    return 3
                if c.co_flags & 4:
                    return 99
                return c.co_argcount - (1 if hasattr(fn, "__self__") else 0)

            def _fusd_export(n):
                return globals().get(n)
            """.formatted(String.join(
            ", ", Errno.all().keySet().stream().map(n -> "'" + n + "'").toList()));

    private final Value whereFn;
    private final Value bytesFn;
    private final Value bytearrayFn;
    private final Value nargsFn;
    private final Value errnoClass;
    private Boolean ioctlMem;

    private PyCode(Path path, Context context, Value globals) {
        super(path, context);
        this.whereFn = globals.getMember("_fusd_where");
        this.bytesFn = globals.getMember("_fusd_bytes");
        this.bytearrayFn = globals.getMember("_fusd_bytearray");
        this.nargsFn = globals.getMember("_fusd_nargs");
        this.errnoClass = globals.getMember("Errno");
    }

    /**
     * Where a Python script's load error was raised, by the prelude's
     * traceback walk ({@code _fusd_where}), which finds the script's own
     * frame; dflt if that cannot tell.
     */
    static String whereOfLoadError(Context ctx, PolyglotException e, String dflt) {
        try {
            Value w = ctx.getBindings("python").getMember("_fusd_where");
            if (w != null && e.getGuestObject() != null) {
                Value s = w.execute(e.getGuestObject());
                if (s.isString()) {
                    return s.asString();
                }
            }
        } catch (RuntimeException ignored) {
            // keep the location we have
        }
        return dflt;
    }

    static PyCode load(Path path, String text, Context context, Object bridge, Consumer<LoadedCode> created) {
        Value globals = context.getBindings("python");
        globals.putMember("_fusd_host", bridge);
        ConstantsPrelude.python(context);
        context.eval(Source.newBuilder("python", PRELUDE, "fusd-prelude.py").buildLiteral());
        PyCode code = new PyCode(path, context, globals);
        created.accept(code);
        Path dir = path.toAbsolutePath().normalize().getParent();
        if (dir != null) { // modules next to the script can be imported; no .pyc written there
            globals.putMember("_fusd_dir", dir.toString());
            context.eval(Source.newBuilder("python", """
                            import sys as _fusd_sys
                            _fusd_sys.dont_write_bytecode = True
                            _fusd_sys.path.insert(0, _fusd_dir)
                            del _fusd_sys, _fusd_dir
                            """, "fusd-path.py").buildLiteral());
        }
        context.eval(Source.newBuilder("python", text, path.toString()).buildLiteral());
        Value export = globals.getMember("_fusd_export");
        code.bind(n -> export.execute(n));
        return code;
    }

    @Override
    Object guestData(ByteBuffer data) {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        return guestBytes(b);
    }

    @Override
    Object ioError(org.fusd.host.io.IoError e) {
        return errnoClass.execute(e.errno().name(), e.message());
    }

    @Override
    boolean ioctlTakesMemory() {
        if (ioctlMem == null) {
            Value fn = callback(Op.IOCTL);
            ioctlMem = fn != null && nargsFn.execute(fn).asInt() >= 4;
        }
        return ioctlMem;
    }

    /** A bytearray of the memory's size: GraalPy 25.0 has no view of host memory, so nothing is lent. */
    @Override
    Value lend(ByteBuffer memory) {
        return bytearrayFn.execute(memory.capacity());
    }

    @Override
    Object guestBytes(byte[] bytes) {
        // a Latin-1 string crosses into Python in one piece; encode() makes the bytes
        return bytesFn.execute(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Override
    String where(PolyglotException e) {
        if (e.isGuestException() && e.getGuestObject() != null) {
            try {
                Value w = whereFn.execute(e.getGuestObject());
                if (w.isString()) {
                    return w.asString();
                }
            } catch (PolyglotException ignored) {
                // fall back to the frame location
            }
        }
        return super.where(e);
    }
}
