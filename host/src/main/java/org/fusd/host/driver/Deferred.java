package org.fusd.host.driver;

import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * A reply the script gives later. {@code file.defer()} makes one for the
 * current call; the callback returns it; later {@code d.reply(value)} answers
 * with the same conversion as a return value, or {@code d.fail("EAGAIN")} with
 * an errno. If the caller is interrupted by a signal first, {@code cancelled}
 * becomes true, {@code oncancel} (if set) is called, and later replies are
 * ignored. Host owned: a Deferred can be kept in {@code device.state}.
 */
public final class Deferred {
    /** The callback that deferred: "read", "write", "ioctl", ... */
    @HostAccess.Export
    public final String op;

    @HostAccess.Export
    public final ScriptFile file;
    /** read: the most bytes the caller takes; ioctl: the bytes it expects back; else 0. */
    @HostAccess.Export
    public final int size;
    /** True once the caller was interrupted; replies are then ignored. */
    @HostAccess.Export
    public boolean cancelled;
    /** True once replied, failed or cancelled. */
    @HostAccess.Export
    public boolean done;
    /** Called with no arguments on the device thread when the caller is interrupted. */
    @HostAccess.Export
    public Value oncancel;

    final Invocation call;
    private final ScriptDevice device;

    Deferred(ScriptDevice device, Invocation call, ScriptFile file) {
        this.device = device;
        this.call = call;
        this.file = file;
        this.op = call.op().callback();
        this.size = call.size();
    }

    /** A Deferred whose call was answered before a takeover: it stays in state, done. */
    Deferred(String op, ScriptFile file, int size, boolean cancelled) {
        this.device = null;
        this.call = null;
        this.file = file;
        this.op = op;
        this.size = size;
        this.done = true;
        this.cancelled = cancelled;
    }

    @HostAccess.Export
    public void reply(Value value) {
        if (done) {
            return;
        }
        done = true;
        device.answers().complete(call, value);
    }

    /** reply() with nothing: success with no data (read: end of file; write: all consumed). */
    @HostAccess.Export
    public void reply() {
        reply(null);
    }

    @HostAccess.Export
    public void fail(Value errno) {
        if (done) {
            return;
        }
        done = true;
        device.answers().fail(call, errno);
    }

    /** Runs on the loop thread after the channel reported an interrupt. */
    void interrupted() {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        Value hook = oncancel;
        if (hook != null && hook.canExecute()) {
            device.runGuarded("oncancel", () -> hook.execute());
        }
    }

    /**
     * The call ended without this Deferred (its callback threw or was stopped
     * after deferring, or returned something else): it is done, so that no
     * later reply is given to a caller that has its answer. Loop thread.
     */
    void callEnded() {
        if (done) {
            return;
        }
        if (call.reply.interrupted()) {
            interrupted();
        } else {
            done = true;
        }
    }

    @Override
    public String toString() {
        return "Deferred(" + op + (done ? cancelled ? ", cancelled)" : ", done)" : ")");
    }
}
