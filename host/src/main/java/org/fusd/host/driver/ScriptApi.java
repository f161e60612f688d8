package org.fusd.host.driver;

import java.util.HashMap;
import java.util.Map;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * What one loaded version of a script reaches of the host (the prelude's
 * {@code _fusd_host}): the {@code device} global and timers. Each version
 * gets its own, so a reload can stop the old version's timers; the device
 * behind it is the same.
 */
final class ScriptApi implements ProxyObject {
    /** Pending timers one version of a script may have. */
    static final int MAX_TIMERS = 10_000;

    private final ScriptDevice owner;
    private final DeviceLoop loop;
    private final Map<Long, DeviceLoop.Timer> timers = new HashMap<>(); // loop thread only
    private long nextTimerId; // loop thread only
    private final Object device;
    private final ProxyExecutable setTimer = this::setTimer;
    private final ProxyExecutable clearTimer = this::clearTimer;

    ScriptApi(ScriptDevice owner, DeviceLoop loop) {
        this.owner = owner;
        this.loop = loop;
        this.device = new DeviceApi(owner);
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

    /** Stops every timer this code set (its context is going away). */
    void cancelTimers() {
        for (DeviceLoop.Timer t : timers.values()) {
            loop.cancel(t);
        }
        timers.clear();
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
            default -> null;
        };
    }

    @Override
    public Object getMemberKeys() {
        return ProxyArray.fromArray("device", "setTimer", "clearTimer");
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
