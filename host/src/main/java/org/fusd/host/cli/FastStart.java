package org.fusd.host.cli;

import java.io.IOException;
import java.util.Optional;
import org.fusd.host.sys.Libc;

/**
 * The JIT host's side of fast start. host/bin/fusd-host starts an
 * interpreter host with the AOT cache (it serves in about a second), then
 * becomes the JIT host (same pid as the command the user ran), which loads
 * the scripts and takes over from that child once it serves (see
 * docs/takeover.md). If the child's channel cannot be handed over, the
 * child serves on and this process stands for it: it forwards SIGTERM and
 * SIGINT (its shutdown hook stops the child) and exits with the child's
 * status.
 */
final class FastStart {
    /** How long the child may take to serve (it starts at the same time as we do, and faster). */
    private static final long CHILD_MILLIS = Long.getLong("fusd.handover.childMillis", 120_000);

    /** The child serves and cannot hand over (e.g. its channel is cuse). */
    static final class ChildServesOn extends IOException {
        private static final long serialVersionUID = 1L;

        ChildServesOn(String why) {
            super(why);
        }
    }

    /** The child ended before it served (it said why on stderr): exit as it did. */
    static final class ChildEnded extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        ChildEnded(int status) {
            super("the fast-start host ended with status " + status + " before it served");
            this.status = status;
        }
    }

    private FastStart() {}

    /** Set once this host serves in the child's place: from then on the child is gone. */
    private static volatile boolean tookOver;

    /** Until the takeover, stopping this process (SIGTERM, SIGINT) stops the child too. */
    static void stopChildOnExit(long child) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (!tookOver) {
                                ProcessHandle.of(child).ifPresent(ProcessHandle::destroy);
                            }
                        },
                        "fusd-stop-child"));
    }

    /** The child's exit status if it has ended (it is reaped then), else -1. A child that is not ours: 1. */
    static int exited(long child) {
        int[] status = new int[1];
        int r = Libc.Ext.INSTANCE.waitpid((int) child, status, 1); // WNOHANG
        if (r == 0) {
            return -1;
        }
        return r < 0 ? Main.EXIT_FAILURE : decode(status[0]);
    }

    private static int decode(int s) {
        return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
    }

    /** After the takeover: the child halts; reap it so that it does not linger as a zombie. */
    static void reap(long child) {
        tookOver = true;
        Thread.ofPlatform().daemon().name("fusd-reap-child").start(() -> {
            Libc.Ext.INSTANCE.waitpid((int) child, new int[1], 0);
        });
    }

    /**
     * Waits, doing nothing, until the child has its control socket (it is
     * about to serve): on a machine with few cores the JIT host loading its
     * scripts meanwhile would slow the child's start, which is the point of
     * fast start. Throws ChildEnded if the child ended first.
     */
    static void awaitChild(long child) throws ChildEnded {
        long deadline = System.nanoTime() + CHILD_MILLIS * 1_000_000L;
        java.nio.file.Path socket = org.fusd.host.control.RuntimeDir.socketOf(child);
        while (!java.nio.file.Files.exists(socket) && System.nanoTime() < deadline) {
            int status = exited(child);
            if (status >= 0) {
                throw new ChildEnded(status);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Takes over from the child once it serves; retries while it starts. */
    static Succession takeOverFromChild(long child) throws IOException {
        long deadline = System.nanoTime() + CHILD_MILLIS * 1_000_000L;
        while (true) {
            int status = exited(child);
            if (status >= 0) {
                throw new ChildEnded(status);
            }
            try {
                return Succession.begin(child);
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                if (m.contains("cannot be taken over")) {
                    throw new ChildServesOn(m);
                }
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(10); // its control socket is not there yet, or it is adding its devices
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** The child serves on: wait for it, stop it when we are stopped, and exit as it did. */
    static int standFor(long child, String why) {
        Optional<ProcessHandle> handle = ProcessHandle.of(child);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            System.err.println("fusd-host: fast start failed: " + why);
            return Main.EXIT_FAILURE;
        }
        System.err.println("fusd: fast start: host " + child + " serves on without the JIT (" + why + ")");
        int[] status = new int[1];
        Libc.Ext.INSTANCE.waitpid((int) child, status, 0);
        return decode(status[0]);
    }
}
