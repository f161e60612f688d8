package org.fusd.host.io;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** Runs tasks one after the other, in order, on the I/O workers: one handle's operations keep their order. */
final class Serial implements Executor {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        IoSession.WORKERS.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.run();
        }
    }
}
