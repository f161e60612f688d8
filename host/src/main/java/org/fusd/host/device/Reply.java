package org.fusd.host.device;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The answer to one {@link Call}. The device completes it once, from any
 * thread, now or later (a deferred reply); each subclass offers only the
 * answers that fit its operation, and {@link #error} fits all.
 *
 * The rules every channel shares live here, once: the first completion wins
 * and later ones are ignored; an interrupt is handled once; a request buffer
 * lent to a call that answers later is given back exactly once, after the
 * answer is sent. The channel's {@link ReplyEncoder} writes the answer.
 */
public abstract sealed class Reply
        permits OpenReply, ReadReply, WriteReply, IoctlReply, PollReply, DoneReply, SeekReply {
    private static final VarHandle STATE;
    private static final VarHandle LENT;
    private static final VarHandle ACTION_RAN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Reply.class, "state", int.class);
            LENT = l.findVarHandle(Reply.class, "lent", Object.class);
            ACTION_RAN = l.findVarHandle(Reply.class, "actionRan", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Told how each call ended (tracing, call counts). */
    @FunctionalInterface
    public interface Listener {
        /** errno null: success, with value the bytes, count, result or mask the op answers. */
        void completed(Reply reply, Errno errno, long value);
    }

    final ReplyEncoder encoder;
    private final long id;
    private volatile int state; // 0 pending, 1 completed

    @SuppressWarnings("unused") // through LENT
    private volatile Object lent;

    @SuppressWarnings("unused") // through ACTION_RAN
    private volatile int actionRan;

    private volatile boolean interrupted;
    private volatile boolean callerGone;
    private volatile boolean endedByInterrupt;
    private volatile Runnable onInterrupt;
    private volatile Listener listener;

    Reply(ReplyEncoder encoder, long id) {
        this.encoder = encoder;
        this.id = id;
    }

    /** The channel's id of the request (FUSE unique, fusd req_id). */
    public final long id() {
        return id;
    }

    /** True once completed or interrupted. */
    public final boolean isDone() {
        return state != 0;
    }

    /** The call failed; the caller sees this errno. */
    public final void error(Errno errno) {
        if (begin()) {
            encoder.error(this, errno);
            end(errno, 0);
        }
    }

    /** True if this completion is the first: the subclass then encodes it and calls {@link #end}. */
    final boolean begin() {
        return STATE.compareAndSet(this, 0, 1);
    }

    /** True if an interrupt ended the call before the device answered. */
    final boolean endedByInterrupt() {
        return endedByInterrupt;
    }

    /** After the answer went out: the channel forgets the call and takes its buffer back. */
    final void end(Errno errno, long value) {
        encoder.settled(this, LENT.getAndSet(this, null));
        Listener l = listener;
        if (l != null) {
            l.completed(this, errno, value);
        }
    }

    /**
     * Registers what to run if the caller is interrupted by a signal before the
     * answer. The channel then answers EINTR itself and the device's later
     * completion is ignored. Runs at most once, on a channel thread.
     */
    public final void onInterrupt(Runnable action) {
        onInterrupt = action;
        if (interrupted) {
            if (callerGone) {
                runAction();
            } else {
                answerInterrupt();
            }
        }
    }

    /**
     * Adds a listener told how the call ended (tracing, the device's call
     * counts), after those added before; before the call is made.
     */
    public final void listen(Listener l) {
        Listener before = listener;
        listener = before == null
                ? l
                : (r, errno, value) -> {
                    before.completed(r, errno, value);
                    l.completed(r, errno, value);
                };
    }

    // ---- the channel's side ----

    /**
     * The caller was interrupted and waits for the answer (FUSE, CUSE): if the
     * device registered an action, it runs and the caller gets EINTR; else the
     * device's own answer still comes.
     */
    public final void interrupt() {
        interrupted = true;
        if (onInterrupt != null) {
            answerInterrupt();
        }
    }

    /**
     * The caller already returned EINTR (fusd): the call is over now and
     * nothing is sent; the device's action runs, when it is registered. A lent
     * buffer is left to the garbage collector: the device may still read it.
     */
    /** The caller was interrupted by a signal (its call ends, or has ended, with EINTR). */
    public final boolean interrupted() {
        return interrupted;
    }

    public final void callerGone() {
        callerGone = true;
        interrupted = true;
        if (begin()) {
            endedByInterrupt = true;
            LENT.setVolatile(this, null);
            end(Errno.EINTR, 0);
        }
        runAction();
    }

    private void answerInterrupt() {
        if (onInterrupt == null || !begin()) {
            return;
        }
        endedByInterrupt = true;
        runAction();
        encoder.error(this, Errno.EINTR);
        end(Errno.EINTR, 0);
    }

    private void runAction() {
        Runnable a = onInterrupt;
        if (a != null && ACTION_RAN.compareAndSet(this, 0, 1)) {
            try {
                a.run();
            } catch (RuntimeException e) {
                System.err.println("fusd: onInterrupt action failed: " + e);
            }
        }
    }

    /**
     * Lends the request buffer (WRITE data, IOCTL input) to a call that did
     * not answer yet; it comes back through {@link ReplyEncoder#settled}.
     * False if the call answered meanwhile: the channel keeps its buffer.
     */
    public final boolean lend(Object buffer) {
        LENT.setVolatile(this, buffer);
        return !(isDone() && LENT.compareAndSet(this, buffer, null));
    }
}
