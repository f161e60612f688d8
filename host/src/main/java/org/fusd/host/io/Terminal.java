package org.fusd.host.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import org.graalvm.polyglot.Value;

/**
 * The host's terminal (its stdin), read a line at a time for the drivers
 * that ask ({@code io.readLine}, granted by {@code --allow-device
 * /dev/stdin}). One reader thread, started on the first request; each line
 * goes to the oldest waiting request, of any driver; a line typed while
 * nobody waits is kept for the next (up to 1000).
 */
final class Terminal {
    /** The path that grants it. */
    static final Path PATH = Path.of("/dev/stdin");

    private static final int MAX_KEPT = 1000;
    private static final Terminal SHARED = new Terminal();

    private record Waiter(IoSession session, Value callback) {}

    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>(); // guarded by this
    private final ArrayDeque<String> lines = new ArrayDeque<>(); // guarded by this
    private boolean started; // guarded by this
    private boolean ended; // guarded by this

    static Terminal shared() {
        return SHARED;
    }

    synchronized void request(IoSession s, Value cb) {
        if (!lines.isEmpty()) {
            s.deliver(cb, null, lines.poll());
            return;
        }
        if (ended) {
            s.deliver(cb, null, null);
            return;
        }
        waiting.add(new Waiter(s, cb));
        if (!started) {
            started = true;
            Thread.ofPlatform().daemon().name("fusd-terminal").start(this::readLines);
        }
    }

    /** The session closed: its requests go. */
    synchronized void forget(IoSession s) {
        waiting.removeIf(w -> w.session == s);
    }

    private void readLines() {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (IOException e) {
                line = null;
            }
            synchronized (this) {
                if (line == null) {
                    ended = true;
                    for (Waiter w : waiting) {
                        w.session.deliver(w.callback, null, null);
                    }
                    waiting.clear();
                    return;
                }
                Waiter w = waiting.poll();
                if (w != null) {
                    w.session.deliver(w.callback, null, line);
                } else if (lines.size() < MAX_KEPT) {
                    lines.add(line);
                }
            }
        }
    }
}
