package org.fusd.host.driver;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.fusd.host.device.Errno;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * The calls a script answers later, by a Deferred it keeps or by a promise.
 * They are remembered until answered so that a reload can hand them over,
 * and an interrupted caller reaches the script (oncancel, interrupted()).
 * Loop thread only.
 */
final class Deferrals {
    /** Interrupted calls never come back through answered(): swept past this size. */
    private static final int SWEEP_AT = 256;

    private final ScriptDevice device;
    private final DeviceLoop loop;
    private final Set<Invocation> pending = new LinkedHashSet<>();
    /** pending's size, for other threads (status). */
    private volatile int size;

    Deferrals(ScriptDevice device, DeviceLoop loop) {
        this.device = device;
        this.loop = loop;
    }

    /** file.defer() during c: the Deferred that answers it. */
    Deferred defer(Invocation c, ScriptFile sf) {
        c.deferred = true;
        Deferred d = new Deferred(device, c, sf);
        c.deferredBy = d;
        track(c);
        c.reply.onInterrupt(() -> {
            c.callerInterrupted(); // the callback that deferred may still run
            loop.submit(d::interrupted);
        });
        return d;
    }

    /** A call a previous host deferred, kept in state: answered by whoever holds the Deferred. */
    Deferred adopt(Invocation c, ScriptFile sf) {
        c.deferred = true;
        Deferred d = new Deferred(device, c, sf);
        c.deferredBy = d;
        track(c);
        c.reply.onInterrupt(() -> loop.submit(d::interrupted));
        return d;
    }

    /** The calls waiting for an answer now (loop thread). */
    java.util.List<Invocation> pendingNow() {
        return pending.stream().filter(c -> !c.reply.isDone()).toList();
    }

    /** The callback returned a promise: its settling answers the call. */
    void promise(Invocation c, ScriptFile sf, Value promise) {
        c.deferred = true;
        boolean[] settled = new boolean[1];
        c.settled = settled;
        track(c);
        ProxyExecutable onValue = args -> {
            if (!settled[0]) {
                settled[0] = true;
                device.answers().complete(c, args.length == 0 ? null : args[0]);
            }
            return null;
        };
        ProxyExecutable onError = args -> {
            if (!settled[0]) {
                settled[0] = true;
                device.answers().rejected(c, args.length == 0 ? null : args[0]);
            }
            return null;
        };
        c.reply.onInterrupt(() -> loop.submit(() -> {
            if (settled[0]) {
                return;
            }
            settled[0] = true;
            Value hook = device.code().interruptedCallback();
            if (hook != null) {
                device.runGuarded("interrupted", () -> hook.execute(sf, c.op().callback()));
            }
        }));
        promise.invokeMember("then", onValue, onError);
    }

    /** c was answered: forgotten. */
    void answered(Invocation c) {
        if (c.deferred) {
            pending.remove(c);
            size = pending.size();
        }
    }

    int size() {
        return size;
    }

    /** What a reload hands to the new code; the calls to rerun leave this set. */
    HandOver handOver(StateObject deviceState, Collection<ScriptFile> files) {
        try {
            return HandOver.take(deviceState, files, pending);
        } finally {
            size = pending.size();
        }
    }

    /** The device closes: every pending call gets errno, and its Deferred or promise is dead. */
    void failAll(Errno errno) {
        for (Invocation c : pending) {
            if (c.deferredBy != null) {
                c.deferredBy.done = true;
            }
            if (c.settled != null) {
                c.settled[0] = true;
            }
            c.reply.error(errno);
        }
        pending.clear();
        size = 0;
    }

    private void track(Invocation c) {
        c.deferredAt = System.nanoTime();
        if (pending.size() >= SWEEP_AT) {
            pending.removeIf(p -> p.reply.isDone());
        }
        pending.add(c);
        size = pending.size();
    }
}
