package org.fusd.host.driver;

import org.fusd.host.device.Call;
import org.fusd.host.device.Errno;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.Op;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.Reply;

/**
 * One call on its way through the script: the typed call and its reply, and
 * what the script side keeps about it while it waits for an answer. Runs on
 * the device's loop; its mutable fields are the owning thread's only.
 */
final class Invocation implements Runnable, Reply.Listener {
    final ScriptDevice device;
    final Call call;
    final Reply reply;
    /** System.nanoTime() when the call reached the device: its latency runs from here to the answer. */
    final long arrivedAt = System.nanoTime();
    /** The script's view of the caller's memory (ioctl only). */
    MemArg mem;
    /** The script answers later (a Deferred or a promise): tracked for a reload. */
    boolean deferred;
    /** An open that failed: its file is forgotten. */
    boolean failed;
    /** While pending: the Deferred the script holds. */
    Deferred deferredBy;
    /** While pending: the promise's settled flag. */
    boolean[] settled;
    /** System.nanoTime() when the script deferred it (status shows the age). */
    long deferredAt;

    Invocation(ScriptDevice device, Call call, Reply reply) {
        this.device = device;
        this.call = call;
        this.reply = reply;
    }

    Op op() {
        return call.op();
    }

    OpenFile file() {
        return call.file();
    }

    /** What a Deferred reports as its size: read: the most bytes taken; ioctl: bytes expected back. */
    int size() {
        return switch (reply) {
            case ReadReply r -> r.max();
            case IoctlReply r -> r.maxOut();
            default -> 0;
        };
    }

    /** The call was answered: the device's call counts take it (status). */
    @Override
    public void completed(Reply r, Errno errno, long value) {
        device.stats().record(call.op(), errno, System.nanoTime() - arrivedAt);
    }

    /** The caller got a signal: if the callback runs now, it is cancelled. */
    void callerInterrupted() {
        device.stops().callerInterrupted(this);
    }

    @Override
    public void run() {
        try {
            device.dispatch(this);
        } catch (RuntimeException e) {
            device.internalError(this, e);
        } catch (OutOfMemoryError e) {
            device.outOfMemory(op().callback(), this);
        }
    }
}
