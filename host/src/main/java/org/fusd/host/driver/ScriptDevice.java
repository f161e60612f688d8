package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlMemory;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.PollEvents;
import org.fusd.host.device.Reply;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * A device whose behaviour is a driver script. Channel threads call the
 * Device methods; each runs the script's callback right away on the calling
 * thread if the device is idle, else queues it to the device's
 * {@link DeviceLoop} (see there: one thread at a time owns the device), and
 * converts the callback's answer into the reply. "Loop thread only" below
 * means: only the thread owning the device.
 *
 * What is the device (name, node, open files with their state, device state,
 * deferred replies) lives here; what is the code (context, callbacks) lives in
 * {@link LoadedCode}, held in one field that {@link #reload()} swaps.
 */
public final class ScriptDevice implements Device {
    static final int DEFAULT_POLL_MASK =
            PollEvents.POLLIN | PollEvents.POLLOUT | PollEvents.POLLRDNORM | PollEvents.POLLWRNORM;

    private final DriverRuntime runtime;
    private final Path path;
    private final DeviceLoop loop;
    private final StateObject.GuestBytes guestBytes = b -> code().guestBytes(b);
    private final StateObject deviceState = new StateObject(guestBytes);
    private final Map<Long, ScriptFile> files = new LinkedHashMap<>(); // loop thread only
    private final java.util.Set<Call> pending = new java.util.LinkedHashSet<>(); // deferred calls; loop thread only
    private final java.util.List<DeviceNode> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Bridge bridge; // the live code's; loop thread only
    private volatile LoadedCode code;
    private volatile int version = 1;
    private volatile boolean closed; // set on the loop thread; calls then get ENODEV
    private Call current; // loop thread only
    private ByteBuffer scratch = ByteBuffer.allocate(64 * 1024); // loop thread only
    private final java.util.Set<Integer> warnedIoctls = new java.util.HashSet<>(); // loop thread only

    ScriptDevice(DriverRuntime runtime, Path path) {
        this.runtime = runtime;
        this.path = path;
        this.loop = new DeviceLoop(
                path.getFileName().toString(),
                e -> runtime.log("fusd: " + path + ": internal error on the device thread: " + e));
    }

    /** Starts the device thread and evaluates the script on it. */
    void start() {
        loop.start();
        try {
            code = onLoop(() -> {
                Loaded l = load();
                bridge = l.bridge();
                return l.code();
            });
        } catch (RuntimeException e) {
            loop.stop();
            throw e;
        }
    }

    /** What a successful {@link #reload()} did. */
    public record Reloaded(int version, String oldName, String newName, long nanos) {
        public boolean renamed() {
            return !oldName.equals(newName);
        }
    }

    /**
     * Evaluates the script again in a fresh context on the shared engine and
     * swaps it in (see docs/hot-reload.md). Open files, their state, device
     * state and poll waiters carry over; the old code's timers stop. A call
     * the old code deferred is kept if its Deferred is reachable from host
     * state (the new code answers it), else it is handed to the new code as if
     * it had just arrived. The new code's {@code reload(previousVersion,
     * device)} export, if any, runs once before any call. A new {@code name}
     * renames the device (the caller moves it on its channel). On failure
     * (ScriptLoadException with file:line) the old code keeps serving.
     */
    public Reloaded reload() {
        return onLoop(() -> {
            if (closed) {
                throw new ScriptLoadException(path + ": the device is closed");
            }
            long t0 = System.nanoTime();
            Loaded fresh = load();
            String oldName = code.name;
            String newName = fresh.code().name;
            if (!newName.equals(oldName)) {
                String problem = runtime.rename(this, oldName, newName);
                if (problem != null) {
                    fresh.bridge().cancelTimers();
                    fresh.code().close();
                    throw new ScriptLoadException(path + ": device name \"" + newName + "\" " + problem);
                }
            }
            bridge.cancelTimers();
            LoadedCode old = code;
            int previous = version;
            code = fresh.code();
            bridge = fresh.bridge();
            version = previous + 1;
            java.util.List<Call> handed = handOver();
            loop.submit(old::close); // after the calls already waiting: they go first
            Value hook = code.reloadHook();
            if (hook != null) {
                Object api = bridge.getMember("device");
                runGuarded("reload", () -> hook.execute(previous, api));
            }
            for (Call c : handed) {
                c.run();
            }
            for (DeviceNode n : nodes) {
                n.notifyPollers(); // the new code may report another mask
            }
            return new Reloaded(version, oldName, newName, System.nanoTime() - t0);
        });
    }

    /** The code's version: 1 when loaded, +1 per successful reload. */
    public int version() {
        return version;
    }

    /**
     * Sorts the calls the old code deferred: those whose Deferred is in host
     * state stay (the new code reaches them there); the rest (held by old
     * globals, or JS promises) are returned to be dispatched to the new code.
     */
    private java.util.List<Call> handOver() {
        pending.removeIf(c -> c.reply.isDone());
        java.util.Set<Object> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        collectDeferreds(deviceState, kept, seen);
        for (ScriptFile f : files.values()) {
            collectDeferreds(f.state, kept, seen);
        }
        java.util.List<Call> handed = new java.util.ArrayList<>();
        for (java.util.Iterator<Call> it = pending.iterator(); it.hasNext(); ) {
            Call c = it.next();
            if (c.deferredBy != null && kept.contains(c.deferredBy)) {
                c.deferredBy.oncancel = null; // a function of the closed context
                continue;
            }
            if (c.deferredBy != null) {
                c.deferredBy.done = true; // superseded: nobody can reply to it any more
            }
            if (c.settled != null) {
                c.settled[0] = true;
            }
            c.deferredBy = null;
            c.settled = null;
            c.deferred = false;
            it.remove();
            handed.add(c);
        }
        return handed;
    }

    private static void collectDeferreds(Object v, java.util.Set<Object> out, java.util.Set<Object> seen) {
        if (v instanceof Deferred) {
            out.add(v);
        } else if ((v instanceof StateObject || v instanceof StateList) && seen.add(v)) {
            Iterable<?> children = v instanceof StateObject o ? o.snapshot().values() : ((StateList) v).snapshot();
            for (Object child : children) {
                collectDeferreds(child, out, seen);
            }
        }
    }

    /** A freshly evaluated script and the host API (with its timers) it was given. */
    private record Loaded(LoadedCode code, Bridge bridge) {}

    private Loaded load() {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new ScriptLoadException(path + ": cannot read: " + e.getMessage());
        }
        DriverRuntime.Language lang = DriverRuntime.languageOf(path);
        Context ctx = runtime.newContext(lang, path);
        Bridge b = new Bridge();
        try {
            return new Loaded(
                    lang == DriverRuntime.Language.JS
                            ? JsCode.load(path, text, ctx, b)
                            : PyCode.load(path, text, ctx, b),
                    b);
        } catch (PolyglotException e) {
            b.cancelTimers();
            String where = loadErrorWhere(e);
            if (e.isGuestException() && !e.isSyntaxError()) {
                try {
                    where = whereOfLoadError(lang, ctx, e, where);
                } catch (RuntimeException ignored) {
                    // keep the location we have
                }
            }
            ctx.close(true);
            throw new ScriptLoadException(where + ": " + firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            b.cancelTimers();
            ctx.close(true);
            throw e;
        }
    }

    /** file:line of a load error: where it was raised, else the innermost script frame, else the file. */
    private String loadErrorWhere(PolyglotException e) {
        org.graalvm.polyglot.SourceSection s = e.getSourceLocation();
        if (s == null) {
            for (PolyglotException.StackFrame f : e.getPolyglotStackTrace()) {
                if (f.isGuestFrame() && f.getSourceLocation() != null) {
                    s = f.getSourceLocation();
                    break;
                }
            }
        }
        return s != null ? s.getSource().getName() + ":" + s.getStartLine() : path.toString();
    }

    private static String whereOfLoadError(DriverRuntime.Language lang, Context ctx, PolyglotException e, String dflt) {
        if (lang == DriverRuntime.Language.PYTHON && e.getGuestObject() != null) {
            Value w = ctx.getBindings("python").getMember("_fusd_where");
            if (w != null) {
                Value s = w.execute(e.getGuestObject());
                if (s.isString()) {
                    return s.asString();
                }
            }
        }
        return dflt;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Runs f on the loop thread and waits for its result; exceptions come back to the caller. */
    private <T> T onLoop(java.util.function.Supplier<T> f) {
        if (loop.inLoop()) {
            return f.get();
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        loop.submit(() -> {
            try {
                done.complete(f.get());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the device thread", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    LoadedCode code() {
        return code;
    }

    Path path() {
        return path;
    }

    /** device.state, host owned. */
    public StateObject state() {
        return deviceState;
    }

    /**
     * Stops the device thread and closes the context. Deferred calls get
     * ENODEV, and so does every call after this (the loop runs those on the
     * caller once it has exited).
     */
    void close() {
        loop.submit(() -> {
            closed = true;
            for (Call c : pending) {
                if (c.deferredBy != null) {
                    c.deferredBy.done = true;
                }
                if (c.settled != null) {
                    c.settled[0] = true;
                }
                c.reply.error(Errno.ENODEV);
            }
            for (ScriptFile f : files.values()) {
                f.file.setState(null);
            }
            files.clear();
            pending.clear();
            loop.cancelAllTimers();
            code.close();
        });
        loop.stop();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- Device: channel threads ----

    @Override
    public String name() {
        return code.name;
    }

    @Override
    public int mode() {
        return code.mode;
    }

    @Override
    public int major() {
        return code.major;
    }

    @Override
    public int minor() {
        return code.minor;
    }

    @Override
    public void attach(DeviceNode node) {
        nodes.add(node); // more than one after a rename: old opens stay on the old node
    }

    @Override
    public void detach(DeviceNode node) {
        nodes.remove(node);
    }

    /** How many nodes serve the device (tests). */
    int nodeCount() {
        return nodes.size();
    }

    @Override
    public void open(OpenFile file, Reply reply) {
        loop.execute(new Call(this, Op.OPEN, file, reply));
    }

    @Override
    public void read(OpenFile file, int size, long offset, Reply reply) {
        Call c = new Call(this, Op.READ, file, reply);
        c.size = size;
        c.offset = offset;
        loop.execute(c);
    }

    @Override
    public void write(OpenFile file, ByteBuffer data, long offset, Reply reply) {
        Call c = new Call(this, Op.WRITE, file, reply);
        c.data = data;
        c.size = data.remaining();
        c.offset = offset;
        loop.execute(c);
    }

    @Override
    public void ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, Reply reply) {
        ioctl(file, cmd, arg, in, outSize, null, reply);
    }

    @Override
    public void ioctl(OpenFile file, int cmd, long arg, ByteBuffer in, int outSize, IoctlMemory memory, Reply reply) {
        Call c = new Call(this, Op.IOCTL, file, reply);
        c.cmd = cmd;
        c.offset = arg;
        c.data = in;
        c.size = outSize;
        c.memory = memory;
        loop.execute(c);
    }

    @Override
    public void poll(OpenFile file, Reply reply) {
        loop.execute(new Call(this, Op.POLL, file, reply));
    }

    /** Without a poll callback the mask is the default one (a reload that adds poll notifies pollers). */
    @Override
    public boolean pollVaries() {
        return code.callback(Op.POLL) != null;
    }

    @Override
    public void flush(OpenFile file, Reply reply) {
        loop.execute(new Call(this, Op.FLUSH, file, reply));
    }

    @Override
    public void release(OpenFile file, Reply reply) {
        loop.execute(new Call(this, Op.RELEASE, file, reply));
    }

    // ---- the loop thread ----

    /** One queued call. */
    static final class Call implements Runnable {
        final ScriptDevice device;
        final Op op;
        final OpenFile file;
        final Reply reply;
        int size;
        int cmd;
        long offset;
        ByteBuffer data;
        IoctlMemory memory;
        IoctlMem mem; // the script's view of memory (ioctl)
        boolean deferred;
        boolean failed;
        Deferred deferredBy; // while pending: the Deferred the script holds
        boolean[] settled; // while pending: the promise's settled flag

        Call(ScriptDevice device, Op op, OpenFile file, Reply reply) {
            this.device = device;
            this.op = op;
            this.file = file;
            this.reply = reply;
        }

        @Override
        public void run() {
            try {
                device.dispatch(this);
            } catch (RuntimeException e) {
                device.internalError(this, e);
            }
        }
    }

    private void dispatch(Call c) {
        if (c.reply.isDone()) {
            return; // interrupted while queued
        }
        if (closed) {
            c.reply.error(Errno.ENODEV);
            return;
        }
        ScriptFile sf = fileOf(c);
        LoadedCode lc = code;
        Value fn = lc.callback(c.op);
        if (fn == null) {
            missing(c);
            return;
        }
        sf.refresh();
        Value result;
        current = c;
        try {
            result = switch (c.op) {
                case READ -> fn.execute(sf, c.size, c.offset);
                case WRITE -> fn.execute(sf, lc.guestData(c.data), c.offset);
                case IOCTL -> ioctlCall(fn, sf, c, lc);
                case OPEN -> fn.execute(sf, c.file.flags());
                default -> fn.execute(sf);
            };
        } catch (PolyglotException e) {
            current = null;
            thrown(c, e, lc);
            afterReply(c);
            return;
        }
        current = null;
        if (c.op == Op.READ) {
            if (lc.readScratch() != null && result.isNumber()) { // the bytes are already in the scratch buffer
                ByteBuffer b = lc.readScratch();
                b.clear().limit(result.asInt());
                c.reply.data(b);
                return;
            }
            if (result.hasBufferElements()) { // an ArrayBuffer, bytes: never a promise; one bulk copy
                try {
                    replyBuffer(c, result);
                } catch (PolyglotException e) {
                    thrown(c, e, lc);
                }
                return;
            }
            if (lc.readScratch() != null) {
                result = result.getArrayElement(0); // not bytes: boxed, as the script returned it
            }
        }
        if (result.isHostObject() && result.asHostObject() instanceof Deferred d && d.call == c) {
            return; // answered later through d
        }
        if (lc.isPromise(result)) {
            deferPromise(c, sf, result);
            return;
        }
        complete(c, result);
    }

    /** A bug in fusd, not in the script: the caller gets EIO and the device keeps serving. */
    private void internalError(Call c, RuntimeException e) {
        current = null;
        runtime.log("fusd: " + code.name + ": " + c.op.callback + ": internal error: " + e);
        c.failed = true;
        c.reply.error(Errno.EIO);
        afterReply(c);
    }

    private ScriptFile fileOf(Call c) {
        Object s = c.file.state();
        if (s instanceof ScriptFile sf) {
            return sf;
        }
        ScriptFile sf = new ScriptFile(this, c.file, new StateObject(guestBytes));
        c.file.setState(sf);
        files.put(c.file.id(), sf);
        return sf;
    }

    /** What a kernel driver without this method answers. */
    private void missing(Call c) {
        switch (c.op) {
            case READ, WRITE -> c.reply.error(Errno.EINVAL);
            case IOCTL -> c.reply.error(Errno.ENOTTY);
            case POLL -> c.reply.count(DEFAULT_POLL_MASK);
            default -> c.reply.ok();
        }
        afterReply(c);
    }

    private Object ioctlArg(Call c, LoadedCode lc) {
        int dir = (c.cmd >>> 30) & 3;
        if ((dir & 1) != 0 && c.data != null) {
            return lc.guestData(c.data); // _IOW, _IOWR: the bytes the caller passed
        }
        if (dir == 2) {
            return null; // _IOR: nothing comes in
        }
        return c.offset; // _IO or unencoded: the raw argument
    }

    /** Forgets a file after its release, or after an open that failed. */
    private void afterReply(Call c) {
        if (c.deferred) {
            pending.remove(c);
        }
        if (c.op == Op.RELEASE || (c.op == Op.OPEN && c.failed)) {
            files.remove(c.file.id());
        }
    }

    Deferred defer(ScriptFile sf) {
        Call c = current;
        if (c == null || !loop.inLoop()) {
            throw new IllegalStateException(
                    "defer() can only be called inside a callback, for the call being answered");
        }
        if (c.file != sf.file) {
            throw new IllegalStateException("defer() must be called on the file of the current call");
        }
        c.deferred = true;
        Deferred d = new Deferred(this, c, sf);
        c.deferredBy = d;
        track(c);
        c.reply.onInterrupt(() -> loop.submit(d::interrupted));
        return d;
    }

    private void deferPromise(Call c, ScriptFile sf, Value promise) {
        c.deferred = true;
        boolean[] settled = new boolean[1];
        c.settled = settled;
        track(c);
        ProxyExecutable onValue = args -> {
            if (!settled[0]) {
                settled[0] = true;
                complete(c, args.length == 0 ? null : args[0]);
            }
            return null;
        };
        ProxyExecutable onError = args -> {
            if (!settled[0]) {
                settled[0] = true;
                rejected(c, args.length == 0 ? null : args[0]);
            }
            return null;
        };
        c.reply.onInterrupt(() -> loop.submit(() -> {
            if (settled[0]) {
                return;
            }
            settled[0] = true;
            Value hook = code.interruptedCallback();
            if (hook != null) {
                runGuarded("interrupted", () -> hook.execute(sf, c.op.callback));
            }
        }));
        promise.invokeMember("then", onValue, onError);
    }

    /** Remembers a deferred call until it is answered (a reload hands it over). */
    private void track(Call c) {
        if (pending.size() >= 256) {
            pending.removeIf(p -> p.reply.isDone()); // interrupted calls never reach afterReply
        }
        pending.add(c);
    }

    /** A callback's answer (returned, resolved or passed to Deferred.reply) becomes the reply. */
    void complete(Call c, Value v) {
        Reply r = c.reply;
        try {
            switch (c.op) {
                case READ -> completeRead(c, v);
                case WRITE -> {
                    if (v == null || v.isNull()) {
                        r.count(c.size);
                    } else if (isInt(v)) {
                        long n = v.asLong();
                        if (n < 0) {
                            r.error(Errno.byNumber((int) -n));
                        } else {
                            r.count((int) Math.min(n, c.size));
                        }
                    } else {
                        wrongType(c, v, "a count of bytes consumed, a negative errno or nothing");
                    }
                }
                case POLL -> {
                    if (v == null || v.isNull()) {
                        r.count(DEFAULT_POLL_MASK);
                    } else if (isInt(v) && v.asLong() >= 0) {
                        r.count(v.asInt());
                    } else if (isInt(v)) {
                        r.error(Errno.byNumber((int) -v.asLong()));
                    } else {
                        wrongType(c, v, "an event mask like POLLIN | POLLOUT");
                    }
                }
                case IOCTL -> completeIoctl(c, v);
                default -> {
                    if (v == null || v.isNull() || (v.isBoolean() && v.asBoolean())) {
                        r.ok();
                    } else if (isInt(v)) {
                        if (v.asLong() < 0) {
                            c.failed = true;
                            r.error(Errno.byNumber((int) -v.asLong()));
                        } else {
                            r.ok();
                        }
                    } else {
                        c.failed = true;
                        wrongType(c, v, "nothing, 0 or a negative errno");
                    }
                }
            }
        } catch (PolyglotException e) {
            thrown(c, e, code);
        }
        afterReply(c);
    }

    /** A read's answer that is a buffer (v.hasBufferElements()): at most c.size bytes of it, copied once. */
    private void replyBuffer(Call c, Value v) {
        scratch = LoadedCode.copyBuffer(v, 0, (int) Math.min(v.getBufferSize(), c.size), scratch);
        c.reply.data(scratch);
    }

    private void completeRead(Call c, Value v) {
        Reply r = c.reply;
        if (v == null || v.isNull()) {
            r.data(ByteBuffer.allocate(0));
            return;
        }
        if (isInt(v) && v.asLong() < 0) {
            r.error(Errno.byNumber((int) -v.asLong()));
            return;
        }
        ByteBuffer b = code.bytesInto(v, scratch);
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
        if (b.remaining() > c.size) {
            b.limit(b.position() + c.size);
        }
        r.data(b);
    }

    private Value ioctlCall(Value fn, ScriptFile sf, Call c, LoadedCode lc) {
        c.mem = new IoctlMem(c.offset, c.memory, c.data, c.size, lc);
        Object arg = ioctlArg(c, lc);
        return lc.ioctlTakesMemory()
                ? fn.execute(sf, Integer.toUnsignedLong(c.cmd), arg, c.mem)
                : fn.execute(sf, Integer.toUnsignedLong(c.cmd), arg);
    }

    /**
     * If the callback touched caller memory not mapped for this run, answers
     * with a retry that maps it (cuse) or ENOTTY and a hint (fuse); true if so.
     */
    private boolean ioctlNeedsMemory(Call c) {
        IoctlMem m = c.mem;
        if (m == null || !m.needsMore()) {
            return false;
        }
        IoctlMemory memory = m.memory();
        if (memory != null && memory.canRetry()) {
            memory.retry(m.wantIn(), m.wantOut());
            return true;
        }
        if (warnedIoctls.add(c.cmd)) {
            runtime.log("fusd: " + code.name + ": ioctl 0x" + Integer.toHexString(c.cmd)
                    + " needs caller memory beyond "
                    + "its encoded argument (" + m.describeNeeds() + "); this channel passes only the _IOC-encoded "
                    + "struct (restricted ioctls), so the caller gets ENOTTY: serve the device with --channel cuse");
        }
        c.reply.error(Errno.ENOTTY);
        return true;
    }

    private void completeIoctl(Call c, Value v) {
        Reply r = c.reply;
        if (ioctlNeedsMemory(c)) {
            return;
        }
        if (v == null || v.isNull()) {
            replyIoctl(c, 0, null);
            return;
        }
        if (isInt(v)) {
            long n = v.asLong();
            if (n < 0) {
                r.error(Errno.byNumber((int) -n));
            } else {
                replyIoctl(c, (int) n, null);
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
        ByteBuffer b = out.isNull() ? null : code.bytesInto(out, ByteBuffer.allocate(Math.max(c.size, 16)));
        if (b == null && !out.isNull()) {
            wrongType(c, v, "a number, bytes for _IOR/_IOWR, or [result, bytes]");
            return;
        }
        if (b != null && b.remaining() > c.size) {
            b.limit(b.position() + c.size);
        }
        replyIoctl(c, result, b);
    }

    /** The ioctl's result with its out bytes: the returned struct, plus what the script wrote through mem. */
    private static void replyIoctl(Call c, int result, ByteBuffer struct) {
        IoctlMem m = c.mem;
        c.reply.ioctl(result, m != null && m.hasOutBeyond(c.size) ? m.outBytes(struct, c.size) : struct);
    }

    private static boolean isInt(Value v) {
        return v.isNumber() && v.fitsInLong();
    }

    private void wrongType(Call c, Value v, String expected) {
        runtime.log("fusd: " + code.name + ": " + c.op.callback + " returned " + describe(v) + "; expected " + expected
                + " (" + code.path + ")");
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

    /** A callback threw: an Errno is the caller's errno; anything else is EIO plus a message. */
    private void thrown(Call c, PolyglotException e, LoadedCode lc) {
        if (c.op == Op.IOCTL && ioctlNeedsMemory(c)) {
            return;
        }
        if (c.op == Op.OPEN) {
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
        report(c.op.callback, e, lc);
        c.reply.error(Errno.EIO);
    }

    private void rejected(Call c, Value reason) {
        if (reason != null && !reason.isNull() && reason.hasMembers() && reason.hasMember("_fusd_errno")) {
            c.reply.error(errnoOf(reason.getMember("_fusd_errno")));
        } else {
            runtime.log("fusd: " + code.name + ": " + c.op.callback + ": promise rejected: "
                    + (reason == null ? "undefined" : firstLine(reason.toString())) + " (" + code.path + ")");
            c.reply.error(Errno.EIO);
        }
        afterReply(c);
    }

    void failWith(Call c, Value errno) {
        c.reply.error(errnoOf(errno));
        afterReply(c);
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

    private void report(String what, PolyglotException e, LoadedCode lc) {
        String where = lc.where(e);
        runtime.log("fusd: " + lc.name + ": " + what + ": " + firstLine(e.getMessage())
                + (where != null ? " (" + where + ")" : ""));
    }

    /** Runs script code outside a call (timers, hooks): errors are reported, never thrown. */
    void runGuarded(String what, Runnable r) {
        try {
            r.run();
        } catch (PolyglotException e) {
            report(what, e, code);
        }
    }

    // ---- what scripts reach: device, timers ----

    private final class Bridge implements ProxyObject {
        private final Map<Long, DeviceLoop.Timer> timers = new HashMap<>(); // loop thread only
        private long nextTimerId; // loop thread only
        private final Object device = new DeviceApi();
        private final ProxyExecutable setTimer = this::setTimer;
        private final ProxyExecutable clearTimer = args -> {
            DeviceLoop.Timer t = timers.remove(args[0].asLong());
            if (t != null) {
                loop.cancel(t);
            }
            return null;
        };

        /** Stops every timer this code set (its context is going away). */
        void cancelTimers() {
            for (DeviceLoop.Timer t : timers.values()) {
                loop.cancel(t);
            }
            timers.clear();
        }

        private Object setTimer(Value... a) {
            Value fn = a[0];
            if (!fn.canExecute()) {
                throw new IllegalArgumentException("TypeError: the timer callback must be a function");
            }
            long ms = (long) a[1].asDouble();
            boolean repeat = a[2].asBoolean();
            Object[] args = new Object[(int) a[3].getArraySize()];
            for (int i = 0; i < args.length; i++) {
                args[i] = a[3].getArrayElement(i);
            }
            long id = ++nextTimerId;
            DeviceLoop.Timer t = loop.schedule(
                    () -> {
                        if (!repeat) {
                            timers.remove(id);
                        }
                        runGuarded(repeat ? "setInterval" : "setTimeout", () -> fn.execute(args));
                    },
                    ms,
                    repeat ? ms : 0);
            timers.put(id, t);
            return id;
        }

        @Override
        public Object getMember(String key) {
            return switch (key) {
                case "device" -> device;
                case "setTimer" -> setTimer;
                case "clearTimer" -> clearTimer;
                default -> null;
            };
        }

        @Override
        public Object getMemberKeys() {
            return org.graalvm.polyglot.proxy.ProxyArray.fromArray("device", "setTimer", "clearTimer");
        }

        @Override
        public boolean hasMember(String key) {
            return getMember(key) != null;
        }

        @Override
        public void putMember(String key, Value value) {
            throw new UnsupportedOperationException("read-only");
        }
    }

    /** The {@code device} global: name, mode, state, notify(). */
    private final class DeviceApi implements ProxyObject {
        private final ProxyExecutable notify = args -> {
            for (DeviceNode n : nodes) {
                n.notifyPollers();
            }
            return null;
        };

        @Override
        public Object getMember(String key) {
            LoadedCode lc = code;
            return switch (key) {
                case "state" -> deviceState;
                case "notify" -> notify;
                case "name" -> lc == null ? null : lc.name;
                case "mode" -> lc == null ? null : lc.mode;
                default -> null;
            };
        }

        @Override
        public Object getMemberKeys() {
            return org.graalvm.polyglot.proxy.ProxyArray.fromArray("state", "notify", "name", "mode");
        }

        @Override
        public boolean hasMember(String key) {
            return switch (key) {
                case "state", "notify", "name", "mode" -> true;
                default -> false;
            };
        }

        @Override
        public void putMember(String key, Value value) {
            throw new UnsupportedOperationException("TypeError: device." + key + " is read-only; use device.state");
        }
    }
}
