package org.fusd.host.reload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import org.fusd.host.channel.Channel;
import org.fusd.host.device.Device;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.driver.ScriptLoadException;

/**
 * Hot reload for the devices of one channel: watches each driver script and
 * the local files it imports, reloads a device when they change (debounced),
 * reloads everything on SIGHUP, moves a renamed device on the channel, and
 * prints one line per reload. See docs/hot-reload.md.
 *
 * All reloads run on one thread ("fusd-reload"), one at a time; the swap
 * itself happens on the device's own thread (ScriptDevice.reload).
 */
public final class HotReload implements AutoCloseable {
    /** Quiet time after the last change before reloading (-Dfusd.reload.debounceMs). */
    public static final long DEBOUNCE_MS = Long.getLong("fusd.reload.debounceMs", 20);

    private final DriverRuntime runtime;
    private final Channel channel;
    private final Consumer<String> out;
    private final Consumer<String> err;
    private final ScheduledExecutorService worker;
    private final List<Script> scripts = new CopyOnWriteArrayList<>();
    private final ServedDevices served;
    private final Function<ScriptDevice, Device> onChannel;
    private volatile ScriptWatcher watcher;

    /**
     * One served script: its devices (one, or one per entry of its {@code
     * devices}), the files it is made of.
     */
    private static final class Script {
        final Path path;
        final List<ScriptDevice> devices = new CopyOnWriteArrayList<>();
        byte[] digest; // of the files last loaded; reload thread only

        Script(Path path) {
            this.path = path;
        }
    }

    /**
     * @param out where reload lines go (stdout in the CLI)
     * @param err where reload failures go (stderr in the CLI)
     */
    public HotReload(DriverRuntime runtime, Channel channel, Consumer<String> out, Consumer<String> err) {
        this(runtime, channel, new ServedDevices(), d -> d, out, err);
    }

    /**
     * @param served the devices the host serves: a device a new version of a
     *     script adds is added there, one it drops is taken away once its last
     *     file is closed
     * @param onChannel what to put on the channel for a device a reload adds
     *     (the device itself, or a decorator such as --trace's)
     * @param out where reload lines go (stdout in the CLI)
     * @param err where reload failures go (stderr in the CLI)
     */
    public HotReload(
            DriverRuntime runtime,
            Channel channel,
            ServedDevices served,
            Function<ScriptDevice, Device> onChannel,
            Consumer<String> out,
            Consumer<String> err) {
        this.runtime = runtime;
        this.channel = channel;
        this.served = served;
        this.onChannel = onChannel;
        this.out = out;
        this.err = err;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fusd-reload");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Manages device, loaded from script and served on the channel as served
     * (the device itself, or a decorator such as --trace's).
     */
    public void add(Path script, ScriptDevice device, Device served) {
        this.served.add(device, served);
        Script s;
        synchronized (scripts) {
            s = scripts.stream().filter(x -> x.path.equals(script)).findFirst().orElse(null);
            if (s != null) {
                s.devices.add(device); // another device of the same script (`devices`)
                return;
            }
            s = new Script(script);
            s.devices.add(device);
            Set<Path> files = Dependencies.of(script);
            s.digest = digest(files);
            scripts.add(s);
            if (watcher != null) {
                rewatch(s, files);
                runtime.keepSpareContext(DriverRuntime.languageOf(script));
            }
        }
    }

    /** Starts watching the scripts' files; changes reload after {@link #DEBOUNCE_MS}. */
    public void watch() throws IOException {
        watch(DEBOUNCE_MS);
    }

    public synchronized void watch(long debounceMillis) throws IOException {
        if (watcher != null) {
            return;
        }
        ScriptWatcher w = new ScriptWatcher(worker, debounceMillis, key -> changed((Script) key));
        watcher = w;
        for (Script s : scripts) {
            rewatch(s, Dependencies.of(s.path));
            runtime.keepSpareContext(DriverRuntime.languageOf(s.path));
        }
    }

    /** SIGHUP reloads every script (even unchanged). False if the JVM does not let us handle it. */
    public boolean reloadOnSighup() {
        try {
            SignalHook.Previous before = SignalHook.handle("HUP", this::reloadAllOnSignal);
            if (before == SignalHook.Previous.IGNORED) { // the JVM keeps an inherited "ignore" (nohup)
                err.accept("fusd: SIGHUP is ignored in this process (started under nohup?), so it cannot reload;"
                        + " edit the scripts to reload them");
                return false;
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            err.accept("fusd: cannot handle SIGHUP (" + e.getMessage() + "); reload by editing the scripts");
            return false;
        }
    }

    /** SIGHUP: reloads every script; reload() reports its own failures, this anything else. */
    private void reloadAllOnSignal() {
        reloadAllAsync().exceptionally(e -> {
            err.accept("fusd: reload on SIGHUP failed: " + e);
            return null;
        });
    }

    /** Reloads every script now, on the reload thread; returns when queued. */
    public CompletableFuture<Void> reloadAllAsync() {
        return CompletableFuture.runAsync(() -> scripts.forEach(this::reload), worker);
    }

    /**
     * Reloads the script serving device now and waits: its result, or null if
     * the new code failed to load (the failure is printed; the old code serves).
     */
    public ScriptDevice.Reloaded reload(ScriptDevice device) {
        Script s = scripts.stream()
                .filter(x -> x.devices.contains(device))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not managed: " + device.name()));
        try {
            return CompletableFuture.supplyAsync(
                            () -> {
                                java.util.Map<ScriptDevice, ScriptDevice.Reloaded> all = reload(s);
                                return all == null ? null : all.get(device);
                            },
                            worker)
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A watched file changed (debounced): reload unless the content is what is loaded, or mid-save. */
    private void changed(Script s) {
        try {
            if (!Files.isRegularFile(s.path) || Files.size(s.path) == 0) {
                return; // being replaced or truncated: its next event brings it back
            }
        } catch (IOException e) {
            return;
        }
        if (Arrays.equals(digest(Dependencies.of(s.path)), s.digest)) {
            return; // touched or saved unchanged
        }
        reload(s);
    }

    /**
     * Reloads every device of a script (reload thread only), then serves the
     * devices the new version adds and retires the ones it drops. Null if the
     * new code failed to load (the old code serves on; the failure is printed).
     */
    private java.util.Map<ScriptDevice, ScriptDevice.Reloaded> reload(Script s) {
        Set<Path> files = Dependencies.of(s.path);
        byte[] d = digest(files);
        java.util.Map<ScriptDevice, ScriptDevice.Reloaded> results = new java.util.LinkedHashMap<>();
        List<String> names = null;
        for (ScriptDevice device : List.copyOf(s.devices)) {
            ScriptDevice.Reloaded r = reloadOne(s, device);
            if (r == null) {
                if (results.isEmpty()) { // the new code does not load: every device keeps the old one
                    s.digest = d; // do not retry the same broken text; the next save will
                    rewatch(s, files);
                    return null;
                }
                continue; // it changed again meanwhile: its next save reloads the rest
            }
            results.put(device, r);
            names = r.names();
            if (r.dropped()) {
                retire(s, device);
            }
        }
        s.digest = d;
        if (names != null) {
            addNew(s, names);
        }
        rewatch(s, files);
        return results;
    }

    /** Reloads one device and prints its line; null if it failed (printed). */
    private ScriptDevice.Reloaded reloadOne(Script s, ScriptDevice device) {
        int before = device.version();
        String name = device.name();
        ScriptDevice.Reloaded r;
        try {
            r = device.reload();
        } catch (ScriptLoadException e) {
            err.accept("fusd: reload of " + s.path + " failed; " + name + " v" + before + " keeps serving: "
                    + e.getMessage());
            return null;
        } catch (RuntimeException e) {
            err.accept("fusd: reload of " + s.path + " failed: " + e);
            return null;
        }
        if (r.dropped()) {
            return r; // retire() prints its line
        }
        String line = "fusd: reloaded " + s.path + ": " + r.newName() + " v" + r.version() + " in "
                + String.format("%.1f", r.nanos() / 1e6) + " ms";
        if (r.renamed()) {
            line += rename(device, r.oldName(), r.newName());
        }
        out.accept(line);
        return r;
    }

    /**
     * A new version no longer defines device: its name goes at once (new opens
     * fail), the files open on it keep the code they had until they are closed,
     * then it is unloaded.
     */
    private void retire(Script s, ScriptDevice device) {
        s.devices.remove(device);
        String name = device.name();
        channel.remove(name);
        out.accept("fusd: reloaded " + s.path + ": " + name + " dropped (no longer among its devices): new opens"
                + " fail; files open on it keep its old code until they are closed");
        device.retire(() -> {
            try {
                worker.execute(() -> {
                    served.remove(device);
                    runtime.unload(device);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the host is shutting down: closing the runtime unloads every device
            }
        });
    }

    /** Serves the names a new version of a script defines that none of its devices serves yet. */
    private void addNew(Script s, List<String> names) {
        for (String n : names) {
            if (s.devices.stream().anyMatch(x -> x.name().equals(n))) {
                continue;
            }
            ScriptDevice device;
            try {
                device = runtime.loadDevice(s.path, n);
            } catch (ScriptLoadException e) {
                err.accept("fusd: reload of " + s.path + ": cannot add " + n + ": " + e.getMessage());
                continue;
            } catch (RuntimeException e) {
                err.accept("fusd: reload of " + s.path + ": cannot add " + n + ": " + e);
                continue;
            }
            Device dev = onChannel.apply(device);
            try {
                channel.add(dev);
            } catch (IOException | RuntimeException e) {
                err.accept("fusd: reload of " + s.path + ": cannot serve " + n + ": " + e.getMessage());
                runtime.unload(device);
                continue;
            }
            s.devices.add(device);
            served.add(device, dev);
            out.accept("fusd: reloaded " + s.path + ": " + n + " v1 added, serving " + n + " at " + channel.pathOf(n));
        }
    }

    /** Moves a renamed device on the channel: the old name goes, open files stay, the new name appears. */
    private String rename(ScriptDevice device, String oldName, String newName) {
        channel.remove(oldName);
        try {
            channel.add(served.onChannel(device));
        } catch (IOException | RuntimeException e) {
            err.accept("fusd: cannot serve " + newName + " (renamed from " + oldName + "): " + e.getMessage());
            return " (renamed from " + oldName + ", not served: " + e.getMessage() + ")";
        }
        return " (renamed from " + oldName + "), serving " + newName + " at " + channel.pathOf(newName);
    }

    private void rewatch(Script s, Set<Path> files) {
        ScriptWatcher w = watcher;
        if (w != null) {
            try {
                w.watch(s, files);
            } catch (IOException e) {
                err.accept("fusd: cannot watch " + s.path + ": " + e.getMessage());
            }
        }
    }

    /** SHA-256 over the names and contents of files (missing files count as empty). */
    private static byte[] digest(Set<Path> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path p : files) {
                md.update(p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                try {
                    md.update(Files.readAllBytes(p));
                } catch (IOException e) {
                    md.update((byte) 1);
                }
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops watching and reloading; the devices themselves are the caller's to close. */
    @Override
    public void close() {
        ScriptWatcher w = watcher;
        watcher = null;
        if (w != null) {
            w.close();
        }
        worker.shutdownNow();
    }
}
