package org.fusd.host.driver;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.fusd.host.io.Grants;
import org.fusd.host.io.IoError;
import org.fusd.host.io.IoSession;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * What one loaded version of a script reaches of the host (the prelude's
 * {@code _fusd_host}): the {@code device} global, timers and the host I/O
 * API ({@code hostio}). Each version gets its own, so a reload can stop the
 * old version's timers and close its I/O handles; the device behind it is
 * the same. I/O completions come back through here like timers: on the
 * device thread, between calls, under the budget.
 */
final class ScriptApi implements ProxyObject, org.fusd.host.io.Guest {
    /** Pending timers one version of a script may have. */
    static final int MAX_TIMERS = 10_000;

    private final ScriptDevice owner;
    private final DeviceLoop loop;
    private final Map<Long, DeviceLoop.Timer> timers = new HashMap<>(); // loop thread only
    private long nextTimerId; // loop thread only
    private final Object device;
    private final ProxyExecutable setTimer = this::setTimer;
    private final ProxyExecutable clearTimer = this::clearTimer;

    private final IoSession io;
    private LoadedCode code; // the version this API belongs to, once its context exists

    ScriptApi(ScriptDevice owner, DeviceLoop loop, Grants grants) {
        this.owner = owner;
        this.loop = loop;
        this.device = new DeviceApi(owner);
        Path dir = owner.path().toAbsolutePath().normalize().getParent();
        this.io = new IoSession(grants, dir != null ? dir : Path.of("/"), this);
    }

    /** The code this API was given to (before its top level runs). */
    void bind(LoadedCode code) {
        this.code = code;
    }

    @Override
    public void complete(Value callback, IoError error, Object value) {
        loop.submit(() -> {
            LoadedCode lc = code;
            if (io.isClosed() || lc == null) {
                return; // the version is gone: so is what it waited for
            }
            RunningScript.Stop stop = owner.runGuarded(
                    "I/O callback",
                    lc,
                    () -> callback.execute(error == null ? null : lc.ioError(error), lc.toGuest(value)));
            if (stop == RunningScript.Stop.BUDGET) {
                owner.log("an I/O callback ran past its budget: it is stopped");
            }
        });
    }

    @Override
    public Value[] promise() {
        return code.promise();
    }

    @Override
    public byte[] bytesOf(Value v) {
        java.nio.ByteBuffer b = code.bytesInto(v, java.nio.ByteBuffer.allocate(0));
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void log(String line) {
        owner.log(line);
    }

    /** The {@code device} global, as a reload hook receives it. */
    Object device() {
        return device;
    }

    private Object clearTimer(Value... a) {
        clearTimer(a[0].asLong());
        return null;
    }

    private void clearTimer(long id) {
        DeviceLoop.Timer t = timers.remove(id);
        if (t != null) {
            loop.cancel(t);
        }
    }

    /** Stops every timer this code set and closes its I/O handles (its context is going away). */
    void release() {
        for (DeviceLoop.Timer t : timers.values()) {
            loop.cancel(t);
        }
        timers.clear();
        io.close();
    }

    private Object setTimer(Value... a) {
        if (timers.size() >= MAX_TIMERS) {
            throw new IllegalStateException("RangeError: " + MAX_TIMERS
                    + " timers are pending already (a timer storm?); clear some before setting more");
        }
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
                    String what = repeat ? "setInterval" : "setTimeout";
                    if (owner.runGuarded(what, () -> fn.execute(args)) == RunningScript.Stop.BUDGET) {
                        clearTimer(id);
                        owner.log(what + " callback ran past its budget: "
                                + (repeat ? "the interval is cancelled" : "it is stopped"));
                    }
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
            case "io" -> io;
            default -> null;
        };
    }

    @Override
    public Object getMemberKeys() {
        return ProxyArray.fromArray("device", "setTimer", "clearTimer", "io");
    }

    @Override
    public boolean hasMember(String key) {
        return getMember(key) != null;
    }

    @Override
    public void putMember(String key, Value value) {
        throw new UnsupportedOperationException("read-only");
    }

    /** The {@code device} global: name, mode, state, notify(), buffer(size). */
    static final class DeviceApi implements ProxyObject {
        static final String[] KEYS = {"state", "notify", "name", "mode", "memory", "buffer"};
        private final ScriptDevice owner;
        private final ProxyExecutable notify;
        private final ProxyExecutable buffer;

        DeviceApi(ScriptDevice owner) {
            this.owner = owner;
            this.notify = args -> {
                owner.notifyPollers();
                return null;
            };
            this.buffer = args -> owner.running().lend(HostBuffers.allocate(args.length > 0 ? args[0] : null));
        }

        @Override
        public Object getMember(String key) {
            LoadedCode lc = owner.code();
            return switch (key) {
                case "state" -> owner.state();
                case "notify" -> notify;
                case "buffer" -> buffer;
                case "name" -> lc == null ? null : lc.name;
                case "mode" -> lc == null ? null : lc.mode;
                case "memory" -> owner.memoryFor(lc);
                default -> null;
            };
        }

        @Override
        public Object getMemberKeys() {
            return ProxyArray.fromArray((Object[]) KEYS);
        }

        @Override
        public boolean hasMember(String key) {
            return switch (key) {
                case "state", "notify", "name", "mode", "memory", "buffer" -> true;
                default -> false;
            };
        }

        @Override
        public void putMember(String key, Value value) {
            throw new UnsupportedOperationException("TypeError: device." + key + " is read-only; use device.state");
        }
    }
}
