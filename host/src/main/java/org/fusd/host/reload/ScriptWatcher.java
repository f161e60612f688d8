package org.fusd.host.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches sets of files, one set per key, and reports a key once its files
 * have been quiet for the debounce time after a change. Editors save in
 * several steps (truncate then write; write a temporary file then rename it
 * over the original; delete then create): each step is an event, and only the
 * last one, after the quiet time, reports.
 *
 * A WatchService (inotify on Linux) watches the parent directory of every
 * file, so a file replaced by rename is still seen. One thread takes events;
 * reports run on the given executor, one at a time. Guarded by {@code this}:
 * files, dirs, due.
 */
public final class ScriptWatcher implements AutoCloseable {
    private final WatchService service;
    private final ScheduledExecutorService executor;
    private final Consumer<Object> onChange;
    private final long debounceMillis;
    private final Map<Object, Set<Path>> files = new HashMap<>();
    private final Map<Path, WatchKey> dirs = new HashMap<>();
    private final Map<Object, ScheduledFuture<?>> due = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param executor runs onChange (and nothing else of the watcher's)
     * @param onChange called with a key whose files changed, debounced
     */
    public ScriptWatcher(ScheduledExecutorService executor, long debounceMillis, Consumer<Object> onChange)
            throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.executor = executor;
        this.debounceMillis = debounceMillis;
        this.onChange = onChange;
        this.thread = new Thread(this::run, "fusd-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Watches exactly these files for key (replacing what was watched for it). */
    public synchronized void watch(Object key, Set<Path> paths) throws IOException {
        Set<Path> abs = new HashSet<>();
        for (Path p : paths) {
            abs.add(p.toAbsolutePath().normalize());
        }
        files.put(key, abs);
        for (Path p : abs) {
            Path dir = p.getParent();
            if (dir != null && !dirs.containsKey(dir)) {
                dirs.put(
                        dir,
                        dir.register(
                                service,
                                StandardWatchEventKinds.ENTRY_CREATE,
                                StandardWatchEventKinds.ENTRY_MODIFY,
                                StandardWatchEventKinds.ENTRY_DELETE));
            }
        }
        dropUnusedDirs();
    }

    /** Stops watching key's files. */
    public synchronized void unwatch(Object key) {
        files.remove(key);
        ScheduledFuture<?> f = due.remove(key);
        if (f != null) {
            f.cancel(false);
        }
        dropUnusedDirs();
    }

    private void dropUnusedDirs() {
        Set<Path> used = new HashSet<>();
        for (Set<Path> s : files.values()) {
            for (Path p : s) {
                used.add(p.getParent());
            }
        }
        dirs.entrySet().removeIf(e -> {
            if (used.contains(e.getKey())) {
                return false;
            }
            e.getValue().cancel();
            return true;
        });
    }

    private void run() {
        while (!closed) {
            WatchKey k;
            try {
                k = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Path dir = (Path) k.watchable();
            for (WatchEvent<?> ev : k.pollEvents()) {
                if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                    changedIn(dir, null);
                } else {
                    changedIn(dir, dir.resolve((Path) ev.context()));
                }
            }
            k.reset();
        }
    }

    /** file changed (null: something in dir, events were lost): restart the quiet time of its keys. */
    private synchronized void changedIn(Path dir, Path file) {
        for (Map.Entry<Object, Set<Path>> e : files.entrySet()) {
            boolean hit = file != null
                    ? e.getValue().contains(file)
                    : e.getValue().stream().anyMatch(p -> dir.equals(p.getParent()));
            if (hit) {
                bump(e.getKey());
            }
        }
    }

    private void bump(Object key) {
        ScheduledFuture<?> f = due.get(key);
        if (f != null) {
            f.cancel(false);
        }
        if (closed) {
            return;
        }
        due.put(key, executor.schedule(() -> fire(key), debounceMillis, TimeUnit.MILLISECONDS));
    }

    private void fire(Object key) {
        synchronized (this) {
            if (closed || !files.containsKey(key)) {
                return;
            }
            due.remove(key);
        }
        onChange.accept(key);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            due.values().forEach(f -> f.cancel(false));
            due.clear();
        }
        try {
            service.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        thread.interrupt();
    }
}
