package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.fusd.host.device.Call;
import org.fusd.host.device.CallStats;
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
import org.fusd.host.device.Reply;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.SharedMemory;
import org.fusd.host.device.WriteReply;
import org.fusd.host.takeover.HostImage;
import org.fusd.host.takeover.ResumedCall;
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
    /**
     * The name this device has among its script's {@code devices}; null while
     * the script defines one device by {@code name} (and before the first load
     * of the first device of a script, which tells the names).
     */
    private volatile String member;
    /** Set once a reload dropped this device: run when its last open file is released. */
    private Runnable whenIdle; // loop thread only

    private final DeviceLoop loop;
    // Bytes in state become guest values of the code running now: the one being loaded, if any.
    private final StateSpace stateSpace;
    private final StateObject deviceState;
    // Written on the loop thread only; concurrent so that status can list the open files from any thread.
    private final Map<Long, ScriptFile> files = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.List<DeviceNode> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ScriptApi api; // the live code's; loop thread only
    private volatile LoadedCode code;
    /** Export {@code memory}: made at the first load, kept across reloads, freed at close. */
    private volatile SharedMemory memory;

    private volatile LoadedCode loading; // while a version is evaluated or its reload hook runs
    private final RunningScript run = new RunningScript();
    private final Stops stops;
    /** Why the device refuses its calls until a reload, or null (it serves). */
    private volatile String faulted;

    private volatile Errno faultErrno = Errno.ENOMEM;

    private volatile boolean shuttingDown;
    private volatile int version = 1;
    private volatile boolean closed; // set on the loop thread; calls then get ENODEV
    private Invocation current; // loop thread only
    private final Answers answers = new Answers(this);
    /** Calls, errors and latency per op since the device was loaded (status); kept across reloads. */
    private final CallStats stats = new CallStats();

    private final Deferrals deferrals;

    /**
     * @param member the name this device has among the script's {@code devices},
     *     or null for a script that defines one device by {@code name}, or for
     *     the first device of a script (its first load tells the names)
     */
    ScriptDevice(DriverRuntime runtime, Path path, String member) {
        this.runtime = runtime;
        this.path = path;
        this.member = member;
        this.loop = new DeviceLoop(
                path.getFileName().toString(),
                e -> runtime.log("fusd: " + path + ": internal error on the device thread: " + e));
        this.deferrals = new Deferrals(this, loop);
        this.stops = new Stops(this, run, runtime);
        this.stateSpace = new StateSpace(b -> running().guestBytes(b), runtime.stateLimitBytes());
        this.deviceState = new StateObject(stateSpace);
    }

    /** Starts the device thread and evaluates the script on it. */
    void start() {
        runtime.watch(this);
        loop.start();
        try {
            loop.callAndWait(() -> {
                Loaded l = load();
                LoadedCode c = l.code();
                if (c.devices != null) {
                    if (member == null) {
                        member = c.devices.get(0); // the first of a script's devices (DriverRuntime.loadScript)
                        c.name = member;
                    } else if (c.devices.contains(member)) {
                        c.name = member;
                    } else {
                        discard(l);
                        throw new ScriptLoadException(path + ": the script no longer defines the device \"" + member
                                + "\" (it changed while loading?)");
                    }
                } else if (member != null) {
                    discard(l);
                    throw new ScriptLoadException(
                            path + ": the script defines `name`, not `devices` (it changed while loading?)");
                }
                api = l.api();
                code = l.code(); // here, on the loop: a timer the top level set may fire right after this task
                memory = createMemory(code);
                return code;
            });
        } catch (RuntimeException e) {
            loop.stop();
            runtime.forget(this);
            throw e;
        }
    }

    /**
     * What a successful {@link #reload()} did. names: the devices the new code
     * defines (its {@code devices} export, or the one device it names).
     * dropped: the new code no longer defines this device, so nothing was
     * swapped: the device keeps its code for the files still open (the caller
     * retires it).
     */
    public record Reloaded(
            int version, String oldName, String newName, long nanos, java.util.List<String> names, boolean dropped) {
        public boolean renamed() {
            return !oldName.equals(newName);
        }
    }

    /**
     * The devices this device's script defines, as its code last loaded says:
     * its {@code devices}, or null if it defines one device by {@code name}.
     */
    public java.util.List<String> definedNames() {
        LoadedCode c = code;
        return c == null ? null : c.devices;
    }

    /**
     * The name this device has under fresh code: its entry of the code's
     * {@code devices}, or the code's {@code name} (a new name renames a
     * device defined by {@code name}); null if fresh no longer defines it.
     */
    private String nameUnder(LoadedCode fresh) {
        String current = code.name;
        if (fresh.devices == null) {
            return member == null || member.equals(fresh.name) ? fresh.name : null;
        }
        String want = member != null ? member : current;
        return fresh.devices.contains(want) ? want : null;
    }

    /**
     * Evaluates the script again in a fresh context on the shared engine and
     * swaps it in (see docs/hot-reload.md). Open files, their state, device
     * state and poll waiters carry over; the old code's timers stop. A call
     * the old code deferred is kept if its Deferred is reachable from host
     * state (the new code answers it), else it is handed to the new code as if
     * it had just arrived. The old code's I/O handles are closed (nothing of
     * the host I/O API crosses a reload). The new code's {@code reload(previousVersion,
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
            String newName = nameUnder(fresh.code());
            java.util.List<String> names =
                    fresh.code().devices != null ? fresh.code().devices : java.util.List.of(fresh.code().name);
            if (newName == null) {
                discard(fresh);
                return new Reloaded(version, oldName, oldName, System.nanoTime() - t0, names, true);
            }
            fresh.code().name = newName;
            Value hook = fresh.code().reloadHook();
            if (hook != null) {
                runReloadHook(hook, fresh);
            }
            if (!newName.equals(oldName)) {
                String problem = runtime.rename(this, oldName, newName);
                if (problem != null) {
                    discard(fresh);
                    throw new ScriptLoadException(path + ": device name \"" + newName + "\" " + problem);
                }
            }
            if (fresh.code().memorySize != (memory == null ? 0 : code.memorySize)) {
                log("the new code asks for " + fresh.code().memorySize + " bytes of shared memory; the device keeps "
                        + (memory == null ? "none" : memory.size() + " bytes") + " until the host restarts ("
                        + path + ")");
            }
            api.release();
            LoadedCode old = code;
            int previous = version;
            code = fresh.code();
            api = fresh.api();
            member = code.devices != null ? newName : null;
            version = previous + 1;
            faulted = null;
            HandOver handOver = deferrals.handOver(deviceState, files.values());
            loop.submit(old::close); // after the calls already waiting: they go first
            for (Invocation c : handOver.rerun()) {
                c.run();
            }
            for (DeviceNode n : nodes) {
                n.notifyPollers(); // the new code may report another mask
            }
            return new Reloaded(version, oldName, newName, System.nanoTime() - t0, names, false);
        });
    }

    /**
     * The new code's {@code reload(previousVersion, device)} export, before it
     * serves: an error in it is reported and the reload goes on; running past
     * the budget fails the reload (the old code keeps serving).
     */
    private void runReloadHook(Value hook, Loaded fresh) {
        Object deviceApi = fresh.api().device();
        int previous = version;
        loading = fresh.code();
        RunningScript.Stop stop;
        try {
            stop = runGuarded("reload", fresh.code(), () -> hook.execute(previous, deviceApi));
        } finally {
            loading = null;
        }
        if (stop != null) {
            discard(fresh);
            throw new ScriptLoadException(path + ": the reload hook was stopped ("
                    + (stop == RunningScript.Stop.BUDGET
                            ? "it ran past its " + stops.budgetMillis() + " ms budget"
                            : stop)
                    + "); the old code keeps serving");
        }
    }

    private static void discard(Loaded fresh) {
        fresh.api().release();
        fresh.code().close();
    }

    /** The code's version: 1 when loaded, +1 per successful reload. */
    public int version() {
        return version;
    }

    /** A freshly evaluated script and the host API (with its timers) it was given. */
    private record Loaded(LoadedCode code, ScriptApi api) {}

    private Loaded load() {
        ScriptApi api = new ScriptApi(this, loop, runtime.grants());
        try {
            Loaded l = new Loaded(
                    LoadedCode.load(runtime, path, api, c -> {
                        api.bind(c);
                        loading = c;
                        run.begin(
                                RunningScript.LOAD,
                                null); // the top level, not the context's start, is under the budget
                    }),
                    api);
            java.util.List<String> missing = runtime.grants().missing(l.code().grants);
            if (!missing.isEmpty()) {
                discard(l);
                throw new ScriptLoadException(path + ": the driver needs grants this host was not given: run fusd-host"
                        + " with " + String.join(" ", missing) + " (or --allow-io)");
            }
            return l;
        } catch (ScriptLoadException e) {
            api.release();
            RunningScript.Stop stop = run.stopped();
            if (stop == RunningScript.Stop.BUDGET) {
                throw new ScriptLoadException(e.getMessage() + " (the top level ran past its " + stops.budgetMillis()
                        + " ms budget; see --call-timeout)");
            }
            throw e;
        } catch (RuntimeException e) {
            api.release();
            throw e;
        } finally {
            if (run.running()) {
                run.end();
            }
            loading = null;
        }
    }

    /** The code whose script runs now on the device thread: the one being loaded, else the live one. */
    LoadedCode running() {
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
            api.release();
            code.close();
            if (memory != null) {
                memory.close(); // clients' mappings keep their pages
            }
        });
        loop.stop();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtime.forget(this);
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

    /** With {@code devices} and a {@code major}: the exported minor plus this device's index in the list. */
    @Override
    public int minor() {
        LoadedCode c = code;
        if (c.devices == null || c.major == 0) {
            return c.minor;
        }
        return c.minor + Math.max(0, c.devices.indexOf(c.name));
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
        call(call, reply);
    }

    @Override
    public void read(Call.Read call, ReadReply reply) {
        call(call, reply);
    }

    @Override
    public void write(Call.Write call, WriteReply reply) {
        call(call, reply);
    }

    @Override
    public void ioctl(Call.Ioctl call, IoctlReply reply) {
        call(call, reply);
    }

    @Override
    public void poll(Call.Poll call, PollReply reply) {
        call(call, reply);
    }

    /** Without a poll callback the mask is the default one (a reload that adds poll notifies pollers). */
    @Override
    public boolean pollVaries() {
        return code.callback(Op.POLL) != null;
    }

    /** Export {@code recovery = "reissue"} (the default is "fail"). */
    @Override
    public boolean reissuesAfterCrash() {
        return code.reissue;
    }

    @Override
    public boolean hasFlush() {
        return code.callback(Op.FLUSH) != null;
    }

    @Override
    public boolean seekable() {
        return code.seekable || code.callback(Op.LLSEEK) != null;
    }

    @Override
    public void llseek(Call.Llseek call, SeekReply reply) {
        call(call, reply);
    }

    @Override
    public SharedMemory sharedMemory() {
        return memory;
    }

    @Override
    public void adoptSharedMemory(int fd) throws java.io.IOException {
        java.io.IOException failed = loop.callAndWait(() -> {
            try {
                memory.adopt(fd);
                return null;
            } catch (java.io.IOException e) {
                return e;
            }
        });
        if (failed != null) {
            throw failed;
        }
    }

    @Override
    public boolean checksMmap() {
        return code.callback(Op.MMAP) != null;
    }

    @Override
    public void mmap(Call.Mmap call, DoneReply reply) {
        call(call, reply);
    }

    /** The script's view of the shared memory (no copy), or null without one. */
    Object memoryFor(LoadedCode lc) {
        SharedMemory m = memory;
        return m == null || lc == null ? null : lc.guestMemory(m.buffer());
    }

    private static SharedMemory createMemory(LoadedCode lc) {
        if (lc.memorySize == 0) {
            return null;
        }
        try {
            return SharedMemory.create(lc.name, lc.memorySize);
        } catch (java.io.IOException e) {
            throw new ScriptLoadException(lc.path + ": `memory`: " + e.getMessage());
        }
    }

    @Override
    public void flush(Call.Flush call, DoneReply reply) {
        call(call, reply);
    }

    @Override
    public void release(Call.Release call, DoneReply reply) {
        call(call, reply);
    }

    /**
     * Runs the call now if the device is idle, else queues it; a faulted
     * device refuses it here. Either way its answer is counted (status).
     */
    private void call(Call call, Reply reply) {
        Invocation c = new Invocation(this, call, reply);
        reply.listen(c);
        if (faulted == null) {
            loop.execute(c);
        } else {
            refuse(call, reply);
        }
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
        if (faulted != null) {
            refuse(c.call, c.reply); // queued before the fault
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
        c.reply.onInterrupt(c::callerInterrupted);
        run.begin(c.op().callback(), c);
        try {
            result = fn.execute(CallbackArgs.of(c, sf, lc));
        } catch (PolyglotException e) {
            run.end();
            current = null;
            if (!stops.stopped(c.op().callback(), e, lc)) {
                answers.thrown(c, e, lc);
            }
            afterReply(c);
            return;
        } catch (OutOfMemoryError e) {
            run.end();
            current = null;
            outOfMemory(c.op().callback(), c);
            return;
        }
        run.end();
        current = null;
        if (!c.deferred) {
            c.reply.onInterrupt(null); // it has its answer: an interrupt from now on does not take it away
        } else if (c.deferredBy != null && c.reply.interrupted()) {
            // The caller was gone before the callback deferred: cancel now, not behind calls already
            // queued (a write queued meanwhile must not go to this dead waiter).
            c.deferredBy.interrupted();
        }
        if (stops.stopped(c.op().callback(), null, lc)) {
            afterReply(c); // stopped just as it returned: the caller has its answer already
            return;
        }
        if (c.reply instanceof ReadReply read) {
            if (lc.readScratch() != null && result.isNumber()) { // the bytes are already in the scratch buffer
                ByteBuffer b = lc.readScratch();
                b.clear().limit(result.asInt());
                read.bytes(b);
                return;
            }
            if (result.isHostObject() && result.asHostObject() instanceof ByteBuffer lent) {
                read.bytes(lent); // lent memory (device.buffer), sliced by the prelude: no copy here
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
        ScriptFile sf = new ScriptFile(this, file, new StateObject(stateSpace));
        file.setState(sf);
        files.put(file.id(), sf);
        return sf;
    }

    /** Forgets a file after its release, or after an open that failed. */
    void afterReply(Invocation c) {
        deferrals.answered(c);
        if (c.deferredBy != null) {
            c.deferredBy.callEnded(); // deferred, then answered another way (threw, returned a value, stopped)
        }
        if (c.call instanceof Call.Release || (c.call instanceof Call.Open && c.failed)) {
            forget(c.file().id());
        }
    }

    /** A file is closed: its state no longer counts. */
    private void forget(long fileId) {
        ScriptFile sf = files.remove(fileId);
        if (sf != null) {
            stateSpace.release(sf.state);
        }
        if (whenIdle != null && files.isEmpty()) {
            Runnable r = whenIdle;
            whenIdle = null;
            r.run();
        }
    }

    /**
     * A reload dropped this device from its script: it is no longer reloaded,
     * and once no file is open on it (at once if none is), idle runs, on the
     * device thread (hand the unload to another thread: it waits for this one).
     */
    public void retire(Runnable idle) {
        loop.submit(() -> {
            if (files.isEmpty()) {
                idle.run();
            } else {
                whenIdle = idle;
            }
        });
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

    /**
     * Runs script code outside a call (timers, hooks), under the budget:
     * errors are reported, never thrown. Returns why it was stopped, or null.
     */
    RunningScript.Stop runGuarded(String what, Runnable r) {
        return runGuarded(what, code, r);
    }

    RunningScript.Stop runGuarded(String what, LoadedCode lc, Runnable r) {
        run.begin(what, null);
        try {
            r.run();
        } catch (PolyglotException e) {
            run.end();
            if (!stops.stopped(what, e, lc)) {
                report(what, e, lc);
            }
            return run.stopped();
        } catch (OutOfMemoryError e) {
            run.end();
            outOfMemory(what, null);
            return RunningScript.Stop.MEMORY;
        }
        run.end();
        return run.stopped();
    }

    // ---- stopping a script: the budget, the caller's signal, memory, shutdown ----

    /** The watchdog, the caller's signal and shutdown stop this device's script through this. */
    Stops stops() {
        return stops;
    }

    /** The script ran the host out of memory in what: faulted until a reload. */
    void outOfMemory(String what, Invocation c) {
        fault(what + " ran the host out of memory", Errno.ENOMEM);
        if (c != null) {
            c.reply.error(Errno.ENOMEM);
            afterReply(c);
        }
    }

    /** Bytes this device's script code has allocated so far (the memory guard compares devices). */
    long allocated() {
        return run.allocated();
    }

    /**
     * The memory guard picked this device: its script is stopped, its context
     * closed, and it is faulted until a reload. Any thread.
     */
    void stopForMemory(String why) {
        long s = run.seq();
        fault(why, Errno.ENOMEM); // first: a caller answered ENOMEM and calling again must find the device faulted
        stops.stop(s, RunningScript.Stop.MEMORY);
    }

    /** The host shuts down: the script running now is stopped and later calls get ENODEV. Any thread. */
    void stopForShutdown() {
        shuttingDown = true;
        if (faulted == null) {
            faulted = "the host is shutting down";
        }
        stops.stop(run.seq(), RunningScript.Stop.SHUTDOWN);
    }

    /**
     * Refuses calls until the script is reloaded: its context is closed (what
     * it held is freed), deferred calls fail with ENOMEM, timers stop. Any
     * thread; said once.
     */
    void fault(String why, Errno errno) {
        if (faulted != null) {
            return;
        }
        faultErrno = errno;
        faulted = why;
        runtime.log("fusd: " + name() + ": faulted: " + why + "; its callers get " + errno
                + " until the script is edited (hot reload) or the host gets SIGHUP");
        loop.submit(() -> {
            if (faulted == null) {
                return; // reloaded meanwhile
            }
            deferrals.failAll(errno);
            api.release();
            code.close();
            System.gc(); // now: what the closed context held goes, and the memory guard sees the heap as it is
        });
    }

    // ---- takeover: handing the device to a successor host, and taking it from a previous one ----

    /**
     * What a takeover takes of this device, taken on its thread, which then
     * stays held (no callback, timer or reply runs) until {@link #decide}:
     * committed (the successor serves; this process is about to end) or not
     * (this host serves on as if nothing happened).
     */
    public static final class Frozen {
        /** The files with their state and the pending calls; fh, kh and nodeid are the channel's. */
        public final HostImage.DeviceImage image;

        private final java.util.concurrent.CountDownLatch decided = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean committed;

        Frozen(HostImage.DeviceImage image) {
            this.image = image;
        }

        public void decide(boolean commit) {
            committed = commit;
            decided.countDown();
        }
    }

    /**
     * Stops this device between two calls and describes it for a successor
     * (channel: the fh and kh of each file id, which only the channel knows).
     * Null if the device thread did not get there within millis (a script
     * runs long); the device is then not held.
     */
    public Frozen freeze(long millis) {
        java.util.concurrent.CompletableFuture<Frozen> ready = new java.util.concurrent.CompletableFuture<>();
        loop.submit(() -> {
            Frozen f;
            try {
                f = new Frozen(image());
            } catch (RuntimeException e) {
                ready.completeExceptionally(e);
                return;
            }
            if (!ready.complete(f)) {
                return; // the taker gave up waiting
            }
            try {
                f.decided.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            while (f.committed) {
                java.util.concurrent.locks.LockSupport
                        .park(); // the successor serves now: never touch the channel again
            }
        });
        try {
            return ready.get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            ready.cancel(false);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(
                    "cannot describe " + name() + " for a takeover: " + e.getCause(), e.getCause());
        }
    }

    private HostImage.DeviceImage image() {
        java.util.Set<Object> inState = HandOver.deferredsInState(deviceState, files.values());
        java.util.List<HostImage.CallImage> calls = new java.util.ArrayList<>();
        for (Invocation c : deferrals.pendingNow()) {
            boolean kept = c.deferredBy != null && inState.contains(c.deferredBy);
            calls.add(callImage(c, kept));
        }
        java.util.List<HostImage.FileImage> fileImages = new java.util.ArrayList<>();
        for (ScriptFile f : files.values()) {
            OpenFile of = f.file;
            fileImages.add(new HostImage.FileImage(
                    0,
                    0,
                    of.id(),
                    of.opener().pid(),
                    of.opener().uid(),
                    of.opener().gid(),
                    of.flags(),
                    StateCodec.encode(f.state)));
        }
        return new HostImage.DeviceImage(
                path.toString(),
                name(),
                0,
                version,
                faulted,
                faultErrno.number(),
                fileImages,
                calls,
                StateCodec.encode(deviceState),
                -1);
    }

    private static HostImage.CallImage callImage(Invocation c, boolean kept) {
        long id = c.reply.id();
        long file = c.file().id();
        return switch (c.call) {
            case Call.Read r -> new HostImage.CallImage(id, "READ", file, r.size(), r.offset(), null, 0, 0, kept);
            case Call.Write w ->
                new HostImage.CallImage(id, "WRITE", file, 0, w.offset(), bytesOf(w.data()), 0, 0, kept);
            case Call.Ioctl i
            when i.memory() != null && i.memory().canRetry() ->
                throw new IllegalStateException("a deferred ioctl on a CUSE device (caller memory) cannot be handed"
                        + " over yet; try again once it is answered");
            case Call.Ioctl i ->
                new HostImage.CallImage(id, "IOCTL", file, i.outSize(), 0, bytesOf(i.in()), i.cmd(), i.arg(), kept);
            case Call.Llseek s -> new HostImage.CallImage(id, "LLSEEK", file, 0, s.offset(), null, s.whence(), 0, kept);
            case Call.Mmap m ->
                new HostImage.CallImage(
                        id, "MMAP", file, (int) m.length(), m.offset(), null, m.prot(), m.shared() ? 1 : 0, kept);
            default -> new HostImage.CallImage(id, c.op().name(), file, 0, 0, null, 0, 0, kept);
        };
    }

    private static byte[] bytesOf(ByteBuffer b) {
        if (b == null) {
            return new byte[0];
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /**
     * Takes this freshly loaded device over from a previous host's image:
     * version, fault, open files with their state, device state, and the
     * pending calls (rebuilt by the channel). Calls whose Deferred is in state
     * wait for it; the others are returned, to be run on the new code once the
     * channel reads again ({@link #rerun}). Throws if the image does not fit.
     */
    public java.util.List<Runnable> restore(
            HostImage.DeviceImage img, Map<Long, OpenFile> openFiles, Map<Long, ResumedCall> resumed) {
        return loop.callAndWait(() -> {
            version = img.version();
            if (img.faulted() != null) {
                faultErrno = Errno.byNumber(img.faultErrno());
                faulted = img.faulted();
            }
            for (HostImage.FileImage fi : img.files()) {
                OpenFile of = openFiles.get(fi.id());
                if (of == null) {
                    throw new IllegalStateException("file " + fi.id() + " was not handed over by the channel");
                }
                ScriptFile sf = new ScriptFile(this, of, new StateObject(stateSpace));
                of.setState(sf);
                files.put(of.id(), sf);
            }
            Map<Long, Deferred> kept = new java.util.HashMap<>();
            java.util.List<Runnable> rerun = new java.util.ArrayList<>();
            for (HostImage.CallImage ci : img.calls()) {
                ResumedCall rc = resumed.get(ci.unique());
                if (rc == null) {
                    continue; // answered meanwhile (interrupted): nothing waits for it
                }
                Invocation c = new Invocation(this, rc.call(), rc.reply());
                if (ci.kept()) {
                    kept.put(ci.unique(), deferrals.adopt(c, fileOf(c)));
                } else {
                    rerun.add(c);
                }
            }
            StateCodec.Deferreds refs = new StateCodec.Deferreds() {
                @Override
                public Deferred of(long unique) {
                    return kept.get(unique);
                }

                @Override
                public Deferred finished(String op, long fileId, int size, boolean cancelled) {
                    return new Deferred(op, files.get(fileId), size, cancelled);
                }
            };
            try {
                if (img.state() != null) { // null: a host that crashed left no state
                    StateCodec.decodeInto(deviceState, img.state(), stateSpace, refs);
                }
                for (HostImage.FileImage fi : img.files()) {
                    if (fi.state() == null) {
                        continue; // opened while the device was faulted: no state
                    }
                    StateCodec.decodeInto(files.get(fi.id()).state, fi.state(), stateSpace, refs);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(
                        name() + ": the handed-over state does not decode: " + e.getMessage(), e);
            }
            return rerun;
        });
    }

    /** Runs handed-over calls on this device's code, and lets pollers ask again (after the channel reads). */
    public void rerun(java.util.List<Runnable> calls) {
        for (Runnable c : calls) {
            loop.execute(c);
        }
        notifyPollers();
    }

    /** The files open now, as the channel opened them (any thread; for status). */
    public java.util.List<OpenFile> openFiles() {
        return files.values().stream().map(f -> f.file).toList();
    }

    /** Calls waiting for a deferred answer (a Deferred or a promise), any thread; approximate. */
    public int pendingCalls() {
        return deferrals.size();
    }

    /** A call waiting for a deferred answer, for status: op, file id, and how long it has waited. */
    public record PendingCall(String op, long fileId, long waitedMillis) {}

    /**
     * The calls waiting for a deferred answer, asked on the device thread;
     * null if it did not answer within millis (a script runs long).
     */
    public java.util.List<PendingCall> pendingNow(long millis) {
        java.util.concurrent.CompletableFuture<java.util.List<PendingCall>> f =
                new java.util.concurrent.CompletableFuture<>();
        loop.submit(() -> {
            long now = System.nanoTime();
            f.complete(deferrals.pendingNow().stream()
                    .map(c -> new PendingCall(c.op().callback(), c.file().id(), (now - c.deferredAt) / 1_000_000L))
                    .toList());
        });
        try {
            return f.get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** How the device's calls went: counts, errnos and latency per op (any thread). */
    public CallStats stats() {
        return stats;
    }

    /** The script code running now on the device's thread, for status: what, the call's file (-1: none), since. */
    public record Running(String what, long fileId, long millis) {}

    /** What the device's script runs now, or null if it runs nothing (any thread; approximate). */
    public Running runningNow() {
        long ns = run.runningFor(System.nanoTime());
        if (ns < 0) {
            return null;
        }
        Invocation c = run.call();
        return new Running(run.what(), c == null ? -1 : c.file().id(), ns / 1_000_000L);
    }

    /** Calls queued for the device's thread now, not yet begun (any thread; approximate). */
    public int queuedCalls() {
        return loop.queued(Invocation.class);
    }

    /** The script this device runs. */
    public Path script() {
        return path;
    }

    /** Why the device is faulted, or null (tests, diagnostics). */
    public String faulted() {
        return faulted;
    }

    /** A faulted device's answer, on the channel thread (its loop may be stuck). */
    private void refuse(Call call, Reply reply) {
        Errno errno = closed || shuttingDown ? Errno.ENODEV : faultErrno;
        if (call instanceof Call.Release || call instanceof Call.Flush) {
            ((DoneReply) reply).ok();
            if (call instanceof Call.Release r) {
                loop.submit(() -> forget(r.file().id()));
            }
            return;
        }
        reply.error(errno);
    }

    /** "file:line" where the current code defines the callback for op, or null if it has none (tests, messages). */
    public String sourceOf(Op op) {
        LoadedCode lc = code();
        return lc == null ? null : lc.source(op);
    }
}
