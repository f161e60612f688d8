package org.fusd.host.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.function.Consumer;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Op;
import org.fusd.host.io.Grants;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;

/**
 * One evaluation of a driver script: its context and the callbacks it
 * exported, looked up once. Everything tied to the context lives here and
 * nowhere else, so a reload is "evaluate a new LoadedCode, swap, close the
 * old one". Used only on the device's loop thread.
 */
abstract class LoadedCode implements AutoCloseable {
    final Path path;
    final Context context;
    private final EnumMap<Op, Value> callbacks = new EnumMap<>(Op.class);
    /** "file:line" of each exported callback, taken when bound (reading it later would enter the context). */
    private final EnumMap<Op, String> sources = new EnumMap<>(Op.class);

    private Value interrupted;
    private Value reloadHook;
    /** The device this code serves: the export {@code name}, or the one of {@link #devices} it was loaded for. */
    String name;

    /** Export {@code devices}: the names of the devices the script defines, or null if it exports {@code name}. */
    java.util.List<String> devices;

    int mode = 0666;
    /** Device number asked for (exports `major`, `minor`); 0 = any. Honoured by channels that make real nodes (cuse). */
    int major;

    int minor;

    /** Export {@code seekable = true}: the file has a position (lseek, pread, pwrite) where the channel can seek. */
    boolean seekable;

    /** Export {@code memory = {size: N}}: bytes of memory clients may mmap (0: none). */
    long memorySize;

    private Value memoryWrapper;

    /** The script's own budget per call in ms (export {@code callTimeoutMs}; 0: none); -1: the host's. */
    long callTimeoutMs = -1;

    /** Export {@code recovery = "reissue"}: a call read by a host that crashed runs again (default "fail": EIO). */
    boolean reissue;

    /** What the script says it needs (export {@code grants}); the host refuses to serve it without them. */
    Grants.Declared grants = Grants.Declared.NONE;

    LoadedCode(Path path, Context context) {
        this.path = path;
        this.context = context;
    }

    /**
     * Reads and evaluates the script in a fresh context of its language, with
     * api as its host object; created is told the new code before the script
     * runs (its top level may already need the code, to read bytes from
     * state). A script that fails to load gives a
     * ScriptLoadException naming file:line and the first line of the error;
     * its context is closed.
     */
    static LoadedCode load(DriverRuntime runtime, Path path, Object api, Consumer<LoadedCode> created) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScriptLoadException(path + ": cannot read: " + e.getMessage());
        }
        DriverRuntime.Language lang = DriverRuntime.languageOf(path);
        Context ctx = runtime.newContext(lang, path);
        try {
            return lang == DriverRuntime.Language.JS
                    ? JsCode.load(path, text, ctx, api, created)
                    : PyCode.load(path, text, ctx, api, created);
        } catch (PolyglotException e) {
            String where = loadErrorWhere(e, path);
            if (lang == DriverRuntime.Language.PYTHON && e.isGuestException() && !e.isSyntaxError()) {
                where = PyCode.whereOfLoadError(ctx, e, where);
            }
            ctx.close(true);
            throw new ScriptLoadException(where + ": " + ScriptDevice.firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            ctx.close(true);
            throw e;
        }
    }

    /** file:line of a load error: where it was raised, else the innermost script frame, else the file. */
    private static String loadErrorWhere(PolyglotException e, Path path) {
        String where = guestWhere(e);
        return where != null ? where : path.toString();
    }

    /** The exported callback for op, or null if the script has none. */
    final Value callback(Op op) {
        return callbacks.get(op);
    }

    /** "file:line" where the script defines the callback for op, or null if it has none. */
    final String source(Op op) {
        return sources.get(op);
    }

    /** Where a function is defined: its source location, or a Python function's code object; else the script. */
    private String sourceOf(Value fn) {
        try {
            SourceSection s = fn.getSourceLocation();
            if (s != null) {
                return s.getSource().getName() + ":" + s.getStartLine();
            }
            Value code = fn.getMember("__code__");
            if (code != null && code.hasMember("co_firstlineno")) {
                return code.getMember("co_filename").asString() + ":"
                        + code.getMember("co_firstlineno").asInt();
            }
        } catch (RuntimeException e) {
            // a function from elsewhere (a builtin): the script is all we can name
        }
        return path.toString();
    }

    /** The optional {@code interrupted(file, op)} callback (JS promises). */
    final Value interruptedCallback() {
        return interrupted;
    }

    /** The optional {@code reload(previousVersion, device)} hook, run once after a hot reload. */
    final Value reloadHook() {
        return reloadHook;
    }

    /** Reads name, mode and the callbacks from the script's exports. */
    final void bind(Value exports) {
        bind(exports::getMember);
    }

    /** Reads name, mode and the callbacks through lookup (a module's own globals, never builtins). */
    final void bind(java.util.function.Function<String, Value> exports) {
        Value n = exports.apply("name");
        Value list = exports.apply("devices");
        boolean hasName = n != null && !n.isNull();
        if (list != null && !list.isNull()) {
            if (hasName) {
                throw new ScriptLoadException(path + ": the driver defines both `name` and `devices`; define `name`"
                        + " for one device or `devices` (a list of names) for several");
            }
            devices = deviceNames(list);
        } else if (!hasName) {
            throw new ScriptLoadException(
                    path + ": the driver does not define `name` (the device name) or" + " `devices` (a list of names)");
        } else if (!n.isString()) {
            throw new ScriptLoadException(path + ": `name` must be a string, not " + HostValues.typeName(n));
        } else {
            name = n.asString();
        }
        Value m = exports.apply("mode");
        if (m != null && !m.isNull()) {
            if (!m.fitsInInt() || m.asInt() < 0 || m.asInt() > 07777) {
                throw new ScriptLoadException(path + ": `mode` must be permission bits like 0o666, not " + m);
            }
            mode = m.asInt();
        }
        major = number(exports, "major", 4095);
        minor = number(exports, "minor", (1 << 20) - 1);
        Value seek = exports.apply("seekable");
        if (seek != null && !seek.isNull()) {
            if (!seek.isBoolean()) {
                throw new ScriptLoadException(path + ": `seekable` must be true or false, not " + seek);
            }
            seekable = seek.asBoolean();
        }
        Value mem = exports.apply("memory");
        if (mem != null && !mem.isNull()) {
            Value size = mem.hasMembers() ? mem.getMember("size") : null;
            if (size == null && mem.hasHashEntries()) {
                size = mem.getHashValue("size");
            }
            if (size == null
                    || !size.isNumber()
                    || !size.fitsInLong()
                    || size.asLong() <= 0
                    || size.asLong() > org.fusd.host.device.SharedMemory.MAX) {
                throw new ScriptLoadException(path + ": `memory` must be {size: BYTES} with 1 <= BYTES <= "
                        + org.fusd.host.device.SharedMemory.MAX + ", not " + mem);
            }
            memorySize = size.asLong();
        }
        Value budget = exports.apply("callTimeoutMs");
        if (budget != null && !budget.isNull()) {
            if (!budget.isNumber() || !budget.fitsInLong() || budget.asLong() < 0) {
                throw new ScriptLoadException(
                        path + ": `callTimeoutMs` must be a whole number of milliseconds >= 0 (0: no budget), not "
                                + budget);
            }
            callTimeoutMs = budget.asLong();
        }
        Value recovery = exports.apply("recovery");
        if (recovery != null && !recovery.isNull()) {
            if (!recovery.isString() || !List.of("fail", "reissue").contains(recovery.asString())) {
                throw new ScriptLoadException(path + ": `recovery` must be \"fail\" or \"reissue\", not " + recovery);
            }
            reissue = recovery.asString().equals("reissue");
        }
        Value declared = exports.apply("grants");
        if (declared != null && !declared.isNull()) {
            grants = DeclaredGrants.parse(declared, path);
        }
        for (Op op : Op.values()) {
            Value fn = function(exports, op.callback());
            if (fn != null) {
                sources.put(op, sourceOf(fn));
            }
            callbacks.put(op, wrap(op, fn));
        }
        interrupted = function(exports, "interrupted");
        reloadHook = function(exports, "reload");
    }

    /** Most devices one script may define (each runs its own copy of the script). */
    static final int MAX_DEVICES = 64;

    /** The export {@code devices}: a list of 1 to {@link #MAX_DEVICES} distinct strings. */
    private java.util.List<String> deviceNames(Value list) {
        String want = "`devices` must be a list of 1 to " + MAX_DEVICES + " device names (strings)";
        if (!list.hasArrayElements() || list.isString()) {
            throw new ScriptLoadException(path + ": " + want + ", not " + HostValues.typeName(list));
        }
        long size = list.getArraySize();
        if (size < 1 || size > MAX_DEVICES) {
            throw new ScriptLoadException(path + ": " + want + "; it has " + size);
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (long i = 0; i < size; i++) {
            Value e = list.getArrayElement(i);
            if (e == null || !e.isString()) {
                throw new ScriptLoadException(path + ": " + want + "; element " + i + " is "
                        + (e == null ? "missing" : HostValues.typeName(e)));
            }
            String s = e.asString();
            if (names.contains(s)) {
                throw new ScriptLoadException(path + ": `devices` names \"" + s + "\" twice");
            }
            names.add(s);
        }
        return java.util.List.copyOf(names);
    }

    private int number(java.util.function.Function<String, Value> exports, String member, int max) {
        Value v = exports.apply(member);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isNumber() || !v.fitsInInt() || v.asInt() < 0 || v.asInt() > max) {
            throw new ScriptLoadException(path + ": `" + member + "` must be a number from 0 to " + max + ", not " + v);
        }
        return v.asInt();
    }

    /** True if the ioctl callback takes the 4th argument, {@code mem} (JS: always; extra arguments are ignored). */
    boolean ioctlTakesMemory() {
        return true;
    }

    private Value function(java.util.function.Function<String, Value> exports, String member) {
        Value f = exports.apply(member);
        if (f == null || f.isNull()) {
            return null;
        }
        if (!f.canExecute()) {
            throw new ScriptLoadException(
                    path + ": `" + member + "` must be a function, not " + HostValues.typeName(f));
        }
        return f;
    }

    /**
     * The shared memory as the script sees it, without a copy: an ArrayBuffer
     * over it, lent like device.buffer's (JS), a writable memoryview (Python).
     * One per loaded version.
     */
    final Object guestMemory(java.nio.ByteBuffer memory) {
        if (memoryWrapper == null) {
            boolean js = DriverRuntime.languageOf(path) == DriverRuntime.Language.JS;
            memoryWrapper = js
                    ? lend(memory) // a read returning a view of it goes out without a copy
                    : context.eval(org.graalvm.polyglot.Source.create("python", PY_MEMORY))
                            .execute(new MemoryView(memory, this));
        }
        return memoryWrapper;
    }

    /** device.memory for Python: a bytearray-like view over {@link MemoryView}; evaluates to its factory. */
    private static final String PY_MEMORY = """
            class FusdMemory:
                __slots__ = ("_m", "_n")

                def __init__(self, m):
                    self._m = m
                    self._n = m.size()

                def __len__(self):
                    return self._n

                def _span(self, k):
                    start, stop, step = k.indices(self._n)
                    if step != 1:
                        raise ValueError("device.memory: slices with a step are not supported")
                    return start, max(stop - start, 0)

                def _index(self, k):
                    k = k.__index__()
                    if k < 0:
                        k += self._n
                    if not 0 <= k < self._n:
                        raise IndexError("device.memory index out of range")
                    return k

                def __getitem__(self, k):
                    if isinstance(k, slice):
                        start, n = self._span(k)
                        return self._m.read(start, n)
                    return self._m.get(self._index(k))

                def __setitem__(self, k, v):
                    if isinstance(k, slice):
                        start, n = self._span(k)
                        if len(v) != n:
                            raise ValueError("device.memory: a slice assignment must keep the size")
                        self._m.write(start, v)
                    else:
                        self._m.set(self._index(k), v)

                def write(self, offset, data):
                    self._m.write(offset, data)

                def __repr__(self):
                    return "<device.memory, %d bytes>" % self._n

            FusdMemory
            """;

    /** The script's Errno class (a global of its language, set by the prelude). */
    Value errnoClass() {
        String lang = DriverRuntime.languageOf(path) == DriverRuntime.Language.JS ? "js" : "python";
        return context.getBindings(lang).getMember("Errno");
    }

    /**
     * Throws e into the script as an Errno it may catch (mem.read of a bad
     * address gives EFAULT), with e's message; uncaught, it fails the call
     * with that errno like any thrown Errno.
     */
    final RuntimeException guestErrno(org.fusd.host.device.ErrnoException e) {
        Value cls = errnoClass();
        Value ex = cls.canInstantiate()
                ? cls.newInstance(e.errno().name(), e.getMessage())
                : cls.execute(e.errno().name(), e.getMessage());
        throw ex.throwException();
    }

    /** A language may wrap a callback (JS wraps read to copy its bytes into {@link #readScratch()}). */
    Value wrap(Op op, Value fn) {
        return fn;
    }

    /**
     * If non-null, the read callback is wrapped: it returns a number n when it
     * copied n bytes into this buffer, an ArrayBuffer holding the bytes, or
     * else a 1-element array holding what the script returned. Loop thread only.
     */
    ByteBuffer readScratch() {
        return null;
    }

    /** Written data as the script sees it: valid during the call (JS: a zero-copy Uint8Array). */
    abstract Object guestData(ByteBuffer data);

    /**
     * Host memory as the script's buffer (device.buffer): JS an ArrayBuffer over it, which a
     * read may return to have it sent without a copy.
     */
    abstract Value lend(ByteBuffer memory);

    /** Stored bytes handed back to the script (a copy). */
    abstract Object guestBytes(byte[] bytes);

    /**
     * Copies v's bytes into out (cleared first) if v is bytes in this language
     * (or a string, as UTF-8), growing it if needed; returns the buffer to use, or
     * null if v is not bytes.
     */
    final ByteBuffer bytesInto(Value v, ByteBuffer out) {
        if (v.isString()) {
            byte[] b = v.asString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return ByteBuffer.wrap(b);
        }
        Value buf = v;
        long off = 0;
        long len;
        if (v.hasBufferElements()) {
            len = v.getBufferSize();
        } else if (HostValues.isTypedArray(v)) {
            buf = v.getMember("buffer");
            off = v.getMember("byteOffset").asLong();
            len = v.getMember("byteLength").asLong();
        } else {
            return null;
        }
        return copyBuffer(buf, off, Math.toIntExact(len), out);
    }

    /**
     * n bytes of buf from off, copied into out (or a larger buffer if out is too small, which is
     * returned instead): the bytes are between the returned buffer's position and limit.
     */
    static ByteBuffer copyBuffer(Value buf, long off, int n, ByteBuffer out) {
        if (out.capacity() < n) {
            out = ByteBuffer.allocate(Math.max(n, out.capacity() * 2));
        }
        int start = n > 0 ? readBufferToEnd(buf, off, out.array(), n) : 0;
        out.clear().position(start).limit(start + n);
        return out;
    }

    /**
     * Copies n bytes of buf from off into the last n bytes of dst; returns the index they start at.
     * The last bytes, because GraalPy 25.0 refuses a bulk copy into a larger array (it checks the
     * room after the destination offset, not n) and a byte-by-byte copy costs 100 times more.
     * Byte by byte only for the few buffers that refuse bulk copy altogether.
     */
    static int readBufferToEnd(Value buf, long off, byte[] dst, int n) {
        int start = dst.length - n;
        try {
            buf.readBuffer(off, dst, start, n);
        } catch (IndexOutOfBoundsException | UnsupportedOperationException e) {
            for (int i = 0; i < n; i++) {
                dst[start + i] = buf.readBufferByte(off + i);
            }
        }
        return start;
    }

    /** A failed I/O operation as the script sees it: an Errno with the message. Loop thread only. */
    abstract Object ioError(org.fusd.host.io.IoError error);

    /**
     * A new promise and the {@code (error, value)} function that settles it
     * (JS), for an I/O call without a callback; null: callbacks only (Python).
     */
    Value[] promise() {
        return null;
    }

    /** An I/O result as the script sees it: bytes become the language's bytes, a Map an object. */
    final Object toGuest(Object v) {
        if (v instanceof byte[] b) {
            return guestBytes(b);
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.HashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), toGuest(x)));
            return org.graalvm.polyglot.proxy.ProxyObject.fromMap(out);
        }
        return v;
    }

    /** True if v is a pending computation whose settlement is the reply (a JS Promise). */
    boolean isPromise(Value v) {
        return false;
    }

    /** The errno a thrown value names (Errno("EAGAIN"), Errno.EAGAIN), or null if it is not an Errno. */
    final Errno thrownErrno(PolyglotException e) {
        if (!e.isGuestException()) {
            return null;
        }
        Value g = e.getGuestObject();
        if (g == null || g.isNull() || !g.hasMember("_fusd_errno")) {
            return null;
        }
        return Answers.errnoOf(g.getMember("_fusd_errno"));
    }

    /** Where the exception was thrown, "file:line", or null. */
    String where(PolyglotException e) {
        return guestWhere(e);
    }

    /**
     * Where an interrupted script was: its innermost frame in the driver's
     * own files (not the host's preludes, named fusd-*), "file:line", or null.
     */
    static String scriptWhere(PolyglotException e) {
        for (PolyglotException.StackFrame f : e.getPolyglotStackTrace()) {
            SourceSection s = f.getSourceLocation();
            if (f.isGuestFrame()
                    && s != null
                    && !s.getSource().isInternal()
                    && !s.getSource().getName().startsWith("fusd-")) {
                return s.getSource().getName() + ":" + s.getStartLine();
            }
        }
        return guestWhere(e);
    }

    /**
     * Where e was raised, else the innermost frame in a script: "file:line", or null. A language's
     * own code (a builtin such as Array.prototype.join, where an interrupt may land) names no file.
     */
    private static String guestWhere(PolyglotException e) {
        SourceSection s = e.getSourceLocation();
        if (s == null || s.getSource().isInternal()) {
            s = null;
            for (PolyglotException.StackFrame f : e.getPolyglotStackTrace()) {
                SourceSection at = f.getSourceLocation();
                if (f.isGuestFrame() && at != null && !at.getSource().isInternal()) {
                    s = at;
                    break;
                }
            }
        }
        return s == null ? null : s.getSource().getName() + ":" + s.getStartLine();
    }

    @Override
    public void close() {
        try {
            context.close(true);
        } catch (RuntimeException e) {
            // the context may be mid-call on a crashed loop; nothing else to free
        }
    }
}
