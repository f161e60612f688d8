package org.fusd.host.sys;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * Wakes a thread blocked in a read(2) so that it returns EINTR: a takeover
 * must stop the channel's readers without reading another request, and a
 * read on /dev/fuse cannot be woken any other way (closing the fd does not
 * end a read already waiting on it).
 *
 * One real-time signal (SIGRTMIN+6, which neither HotSpot nor glibc uses;
 * SIGUSR2 is HotSpot's) gets a handler that does nothing, installed without
 * SA_RESTART, so the interrupted call fails with EINTR instead of restarting.
 * The handler is libc's getpid: a native function that ignores its argument
 * and touches nothing, so no Java code runs in signal context.
 */
public final class ThreadKick {
    private static final int OFFSET = 6;
    private static final int SIGACTION_SIZE = 152; // x86-64 and aarch64 glibc: handler, mask[128], flags, restorer
    private static int signal;

    private ThreadKick() {}

    /** The calling thread's id for {@link #kick}. */
    public static long self() {
        return Libc.pthread_self();
    }

    /** Interrupts whatever blocking call thread is in (it sees EINTR). */
    public static void kick(long thread) {
        Libc.pthread_kill(thread, installed());
    }

    private static synchronized int installed() {
        if (signal == 0) {
            int sig = Libc.Ext.INSTANCE.__libc_current_sigrtmin() + OFFSET;
            Pointer handler = NativeLibrary.getInstance("c").getFunction("getpid");
            try (Memory act = new Memory(SIGACTION_SIZE)) {
                act.clear();
                act.setPointer(0, handler); // sa_handler; sa_mask empty; sa_flags 0: no SA_RESTART
                Libc.Ext.INSTANCE.sigaction(sig, act, null);
            }
            signal = sig;
        }
        return signal;
    }
}
