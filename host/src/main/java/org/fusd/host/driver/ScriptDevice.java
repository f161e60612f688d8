package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fusd.host.device.Call;
import org.fusd.host.device.Device;
import org.fusd.host.device.DeviceNode;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.Op;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.PollReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.WriteReply;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

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

    private final DriverRuntime runtime;
    private final Path path;
    private final DeviceLoop loop;
    // Bytes in state become guest values of the code running now: the one being loaded, if any.
    private final StateObject.GuestBytes guestBytes = b -> running().guestBytes(b);
    private final StateObject deviceState = new StateObject(guestBytes);
    private final Map<Long, ScriptFile> files = new LinkedHashMap<>(); // loop thread only
    private final java.util.List<DeviceNode> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ScriptApi api; // the live code's; loop thread only
    private volatile LoadedCode code;
    private LoadedCode loading; // while a version is evaluated; loop thread only
    private volatile int version = 1;
    private volatile boolean closed; // set on the loop thread; calls then get ENODEV
    private Invocation current; // loop thread only
    private final Answers answers = new Answers(this);
    private final Deferrals deferrals;

    ScriptDevice(DriverRuntime runtime, Path path) {
        this.runtime = runtime;
        this.path = path;
        this.loop = new DeviceLoop(
                path.getFileName().toString(),
                e -> runtime.log("fusd: " + path + ": internal error on the device thread: " + e));
        this.deferrals = new Deferrals(this, loop);
    }

    /** Starts the device thread and evaluates the script on it. */
    void start() {
        loop.start();
        try {
            code = loop.callAndWait(() -> {
                Loaded l = load();
                api = l.api();
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
        return loop.callAndWait(() -> {
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
                    fresh.api().cancelTimers();
                    fresh.code().close();
                    throw new ScriptLoadException(path + ": device name \"" + newName + "\" " + problem);
                }
            }
            api.cancelTimers();
            LoadedCode old = code;
            int previous = version;
            code = fresh.code();
            api = fresh.api();
            version = previous + 1;
            HandOver handOver = deferrals.handOver(deviceState, files.values());
            loop.submit(old::close); // after the calls already waiting: they go first
            Value hook = code.reloadHook();
            if (hook != null) {
                Object deviceApi = api.device();
                runGuarded("reload", () -> hook.execute(previous, deviceApi));
            }
            for (Invocation c : handOver.rerun()) {
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

    /** A freshly evaluated script and the host API (with its timers) it was given. */
    private record Loaded(LoadedCode code, ScriptApi api) {}

    private Loaded load() {
        ScriptApi api = new ScriptApi(this, loop);
        try {
            return new Loaded(LoadedCode.load(runtime, path, api, c -> loading = c), api);
        } catch (RuntimeException e) {
            api.cancelTimers();
            throw e;
        } finally {
            loading = null;
        }
    }

    /** The code whose script runs now on the device thread: the one being loaded, else the live one. */
    private LoadedCode running() {
        LoadedCode l = loading;
        return l != null ? l : code;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
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
            deferrals.failAll(Errno.ENODEV);
            for (ScriptFile f : files.values()) {
                f.file.setState(null);
            }
            files.clear();
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

    /** How many nodes serve the device: 0 once it is removed and its last file released (tests). */
    public int nodeCount() {
        return nodes.size();
    }

    @Override
    public void open(Call.Open call, OpenReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    @Override
    public void read(Call.Read call, ReadReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    @Override
    public void write(Call.Write call, WriteReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    /** Without a poll callback the mask is the default one (a reload that adds poll notifies pollers). */
    @Override
    public boolean pollVaries() {
        return code.callback(Op.POLL) != null;
    }

    @Override
    public void flush(Call.Flush call, DoneReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    @Override
    public void release(Call.Release call, DoneReply reply) {
        loop.execute(new Invocation(this, call, reply));
    }

    // ---- the loop thread ----

    /** Runs the script's callback for c and turns its answer into the reply (loop thread). */
    void dispatch(Invocation c) {
        if (c.reply.isDone()) {
            return; // interrupted while queued
        }
        if (closed) {
            c.reply.error(Errno.ENODEV);
            return;
        }
        ScriptFile sf = fileOf(c);
        LoadedCode lc = code;
        Value fn = lc.callback(c.op());
        if (fn == null) {
            answers.missing(c);
            return;
        }
        sf.refresh();
        Value result;
        current = c;
        try {
            result = fn.execute(CallbackArgs.of(c, sf, lc));
        } catch (PolyglotException e) {
            current = null;
            answers.thrown(c, e, lc);
            afterReply(c);
            return;
        }
        current = null;
        if (c.reply instanceof ReadReply read) {
            if (lc.readScratch() != null && result.isNumber()) { // the bytes are already in the scratch buffer
                ByteBuffer b = lc.readScratch();
                b.clear().limit(result.asInt());
                read.bytes(b);
                return;
            }
            if (result.hasBufferElements()) { // an ArrayBuffer, bytes: never a promise; one bulk copy
                try {
                    answers.replyBuffer(read, result);
                } catch (PolyglotException e) {
                    answers.thrown(c, e, lc);
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
            deferrals.promise(c, sf, result);
            return;
        }
        answers.complete(c, result);
    }

    /** A bug in fusd, not in the script: the caller gets EIO and the device keeps serving. */
    void internalError(Invocation c, RuntimeException e) {
        current = null;
        log(c.op().callback() + ": internal error: " + e);
        c.failed = true;
        c.reply.error(Errno.EIO);
        afterReply(c);
    }

    private ScriptFile fileOf(Invocation c) {
        OpenFile file = c.file();
        if (file.state() instanceof ScriptFile sf) {
            return sf;
        }
        ScriptFile sf = new ScriptFile(this, file, new StateObject(guestBytes));
        file.setState(sf);
        files.put(file.id(), sf);
        return sf;
    }

    /** Forgets a file after its release, or after an open that failed. */
    void afterReply(Invocation c) {
        deferrals.answered(c);
        if (c.call instanceof Call.Release || (c.call instanceof Call.Open && c.failed)) {
            files.remove(c.file().id());
        }
    }

    Deferred defer(ScriptFile sf) {
        Invocation c = current;
        if (c == null || !loop.inLoop()) {
            throw new IllegalStateException(
                    "defer() can only be called inside a callback, for the call being answered");
        }
        if (c.file() != sf.file) {
            throw new IllegalStateException("defer() must be called on the file of the current call");
        }
        return deferrals.defer(c, sf);
    }

    Answers answers() {
        return answers;
    }

    /** One line for the person running the host, naming the device. */
    void log(String message) {
        runtime.log("fusd: " + code.name + ": " + message);
    }

    /** device.notify(): every channel serving this device tells its pollers. */
    void notifyPollers() {
        for (DeviceNode n : nodes) {
            n.notifyPollers();
        }
    }

    void report(String what, PolyglotException e, LoadedCode lc) {
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

    /** "file:line" where the current code defines the callback for op, or null if it has none (tests, messages). */
    public String sourceOf(Op op) {
        LoadedCode lc = code();
        return lc == null ? null : lc.source(op);
    }
}
