package org.fusd.host.driver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.fusd.host.io.Grants;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.io.FileSystem;
import org.graalvm.polyglot.io.IOAccess;

/**
 * Loads driver scripts into devices. Owns the one GraalVM {@link Engine} all
 * contexts share (so compiled code and parsed sources are shared) and the
 * sandbox every context gets: only the host objects fusd hands out, no Java
 * classes, no threads, processes or native code, and of the file system and
 * network only what the {@link Grants} give (besides the script's own
 * directory, read only, for its imports; see {@link GrantFileSystem}).
 */
public final class DriverRuntime implements AutoCloseable {

    /** Script languages, by file extension. */
    public enum Language {
        JS("js"),
        PYTHON("python");

        final String id;

        Language(String id) {
            this.id = id;
        }
    }

    /** Longest device name in bytes. */
    public static final int MAX_NAME_BYTES = 64;

    private static final HostAccess HOST_ACCESS = HostAccess.newBuilder()
            .allowAccessAnnotatedBy(HostAccess.Export.class)
            .allowBufferAccess(true)
            .allowArrayAccess(true)
            .build();

    private final Engine engine;
    private final Grants grants;
    private final Consumer<String> log;
    private final Map<String, ScriptDevice> devices = new LinkedHashMap<>();
    private final SpareContexts spares = new SpareContexts(this::buildContext);
    /** Without --allow-io: each context's file system, told its script's directory when a script gets it. */
    private final Map<Context, GrantFileSystem> dirFileSystems =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final Watchdog watchdog = new Watchdog();
    private final MemoryGuard memory = new MemoryGuard(watchdog::devices);
    private volatile long callTimeoutMillis = DEFAULT_CALL_TIMEOUT_MS;
    private volatile long stateLimitBytes = DEFAULT_STATE_LIMIT_MIB << 20;

    /** What one device's state may hold unless --state-limit says otherwise, in MiB. */
    public static final long DEFAULT_STATE_LIMIT_MIB = 64;

    /** A script's budget per call, timer or hook unless it exports its own (--call-timeout). */
    public static final long DEFAULT_CALL_TIMEOUT_MS = Long.getLong("fusd.callTimeoutMs", 10_000);

    /**
     * @param allowIO give scripts the file system and network ({@code --allow-io})
     * @param log where script errors go, one line each (stderr in the CLI)
     */
    public DriverRuntime(boolean allowIO, Consumer<String> log) {
        this(allowIO ? Grants.all() : Grants.none(), log);
    }

    /**
     * @param grants what scripts may reach beyond their own directory
     *     ({@code --allow-read} and the others; {@link Grants#all()} is {@code --allow-io})
     * @param log where script errors go, one line each (stderr in the CLI)
     */
    public DriverRuntime(Grants grants, Consumer<String> log) {
        this.engine = sharedEngine();
        this.grants = grants;
        this.log = log;
    }

    /** What the scripts of this host may reach. */
    public Grants grants() {
        return grants;
    }

    private static Engine sharedEngine;

    /** One engine per process: tests create many runtimes; the engine's code cache is shared by all. */
    private static synchronized Engine sharedEngine() {
        if (sharedEngine == null) {
            sharedEngine = Engine.newBuilder("js", "python")
                    .option("engine.WarnInterpreterOnly", "false")
                    .out(System.err)
                    .err(System.err)
                    .build();
        }
        return sharedEngine;
    }

    /** The language of a script by its extension: .js/.mjs are JavaScript, .py Python. */
    public static Language languageOf(Path path) {
        String n = path.getFileName().toString();
        if (n.endsWith(".js") || n.endsWith(".mjs")) {
            return Language.JS;
        }
        if (n.endsWith(".py")) {
            return Language.PYTHON;
        }
        throw new ScriptLoadException(path + ": unknown script language (want .js, .mjs or .py)");
    }

    /**
     * Evaluates a driver script that defines one device and returns it, ready
     * to attach to a channel. Throws ScriptLoadException (with file:line) if it
     * does not load, its name is invalid, another loaded driver has the same
     * name, or it defines several devices ({@code devices}: use {@link #loadScript}).
     */
    public ScriptDevice load(Path path) {
        List<ScriptDevice> all = loadScript(path);
        if (all.size() != 1) {
            all.forEach(this::unload);
            throw new ScriptLoadException(
                    path + ": defines " + all.size() + " devices (`devices`); load it with" + " loadScript");
        }
        return all.get(0);
    }

    /**
     * Evaluates a driver script and returns its devices, ready to attach to a
     * channel: the one it names ({@code name}), or one per entry of its
     * {@code devices}, each running its own copy of the script (its own
     * context, thread and state; {@code device.name} tells them apart). The
     * first copy's load tells the names. All or nothing: throws
     * ScriptLoadException (with file:line) if the script does not load, a
     * name is invalid or taken.
     */
    public List<ScriptDevice> loadScript(Path path) {
        languageOf(path);
        ScriptDevice first = new ScriptDevice(this, path, null);
        first.start();
        List<String> names = first.definedNames();
        if (names != null) {
            for (String n : names) {
                String problem = checkName(n);
                if (problem != null) {
                    first.close();
                    throw new ScriptLoadException(path + ": device name \"" + printable(n) + "\" " + problem);
                }
            }
        }
        register(first);
        if (names == null) {
            return List.of(first);
        }
        List<ScriptDevice> loaded = new ArrayList<>(List.of(first));
        try {
            for (String n : names.subList(1, names.size())) {
                loaded.add(loadDevice(path, n));
            }
            return loaded;
        } catch (RuntimeException e) {
            loaded.forEach(this::unload);
            throw e;
        }
    }

    /**
     * Loads the device named name of a script that defines several
     * ({@code devices}); hot reload uses it for a name a new version adds.
     */
    public ScriptDevice loadDevice(Path path, String name) {
        String problem = checkName(name);
        if (problem != null) {
            throw new ScriptLoadException(path + ": device name \"" + printable(name) + "\" " + problem);
        }
        ScriptDevice d = new ScriptDevice(this, path, name);
        d.start();
        register(d);
        return d;
    }

    private void register(ScriptDevice d) {
        String name = d.name();
        String problem = checkName(name);
        synchronized (devices) {
            if (problem == null && devices.containsKey(name)) {
                problem = "is already served by " + devices.get(name).path();
            }
            if (problem == null) {
                devices.put(name, d);
                return;
            }
        }
        d.close();
        throw new ScriptLoadException(d.path() + ": device name \"" + printable(name) + "\" " + problem);
    }

    /** Loads several scripts (all their devices); if one fails, the ones loaded are closed and the error is thrown. */
    public List<ScriptDevice> loadAll(List<Path> paths) {
        List<ScriptDevice> loaded = new ArrayList<>();
        try {
            for (Path p : paths) {
                loaded.addAll(loadScript(p));
            }
            return loaded;
        } catch (RuntimeException e) {
            loaded.forEach(this::unload);
            throw e;
        }
    }

    /** Why name cannot be a device name, or null if it can. */
    public static String checkName(String name) {
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.equals(".") || name.equals("..") || name.contains("..")) {
            return "must not contain \"..\"";
        }
        if (name.startsWith("/") || name.endsWith("/") || name.contains("//") || ("/" + name + "/").contains("/./")) {
            return "may use '/' only between path components that are not empty or \".\" (drums/bam: bam in the"
                    + " subdirectory drums)";
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                return "must not contain control characters";
            }
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "is longer than " + MAX_NAME_BYTES + " bytes";
        }
        return null;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            b.append(ch < 0x20 || ch == 0x7f ? String.format("\\x%02x", (int) ch) : String.valueOf(ch));
        }
        return b.length() > 80 ? b.substring(0, 80) + "..." : b.toString();
    }

    /**
     * Moves d from oldName to newName in the name registry (a reload changed
     * the script's name). Returns why it cannot, or null once done.
     */
    String rename(ScriptDevice d, String oldName, String newName) {
        String problem = checkName(newName);
        if (problem != null) {
            return problem;
        }
        synchronized (devices) {
            ScriptDevice other = devices.get(newName);
            if (other != null && other != d) {
                return "is already served by " + other.path();
            }
            devices.remove(oldName, d);
            devices.put(newName, d);
        }
        return null;
    }

    /** Stops a device's thread and closes its context. */
    public void unload(ScriptDevice d) {
        synchronized (devices) {
            devices.remove(d.name(), d);
        }
        d.close();
    }

    public List<ScriptDevice> devices() {
        synchronized (devices) {
            return List.copyOf(devices.values());
        }
    }

    /** Keeps an initialized spare context for lang so that reloads need not wait for one (hot reload). */
    public void keepSpareContext(Language lang) {
        spares.keep(lang);
    }

    /** True if a spare context for lang is ready (diagnostics, tests). */
    public boolean hasSpareContext(Language lang) {
        return spares.ready(lang);
    }

    /**
     * A context for a script that is not a driver (a driver's test file), in
     * the same sandbox as a driver's; the caller closes it.
     */
    public Context newScriptContext(Language lang, Path script) {
        return newContext(lang, script);
    }

    /** A context for the script at path (besides its grants, it may read the files in the script's directory). */
    Context newContext(Language lang, Path script) {
        Context spare = spares.take(lang);
        Context c = spare != null ? spare : buildContext(lang);
        GrantFileSystem fs = dirFileSystems.remove(c);
        if (fs != null) {
            Path dir = script.toAbsolutePath().normalize().getParent();
            fs.setRoot(dir != null ? dir : Path.of("/"));
            fs.reportTo(m -> log("fusd: " + script + ": " + m));
        }
        return c;
    }

    private Context buildContext(Language lang) {
        Context.Builder b = Context.newBuilder(lang.id)
                .engine(engine)
                .allowHostAccess(HOST_ACCESS)
                .allowHostClassLookup(c -> false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .out(System.err)
                .err(System.err);
        GrantFileSystem fs = null;
        if (grants.everything()) {
            b.allowIO(IOAccess.ALL);
        } else {
            fs = new GrantFileSystem(grants);
            b.allowIO(IOAccess.newBuilder()
                    .fileSystem(FileSystem.allowInternalResourceAccess(FileSystem.allowLanguageHomeAccess(fs)))
                    // the language's own sockets: all or nothing (IOAccess cannot limit them per address)
                    .allowHostSocketAccess(grants.anyNetwork())
                    .build());
        }
        if (lang == Language.JS) {
            b.option("js.esm-eval-returns-exports", "true");
        }
        Context c = b.build();
        if (fs != null) {
            dirFileSystems.put(c, fs);
        }
        return c;
    }

    void log(String line) {
        log.accept(line);
    }

    /** Sets how much state (device.state and every file.state) one device may hold; 0: no cap. */
    public void setStateLimitBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("the state limit must be >= 0");
        }
        stateLimitBytes = bytes;
    }

    long stateLimitBytes() {
        return stateLimitBytes;
    }

    /** Sets the budget of every script that does not export its own; 0 turns it off. */
    public void setCallTimeoutMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("the call timeout must be >= 0 ms");
        }
        callTimeoutMillis = millis;
    }

    long callTimeoutMillis() {
        return callTimeoutMillis;
    }

    void watch(ScriptDevice d) {
        watchdog.watch(d);
    }

    void forget(ScriptDevice d) {
        watchdog.forget(d);
    }

    /**
     * Stops whatever script code runs now, everywhere, without waiting: its
     * callers get ENODEV, and so does every later call (shutdown).
     */
    public void stopScripts() {
        for (ScriptDevice d : watchdog.devices()) {
            d.stopForShutdown();
        }
    }

    @Override
    public void close() {
        stopScripts();
        spares.close();
        for (ScriptDevice d : devices()) {
            unload(d);
        }
        watchdog.close();
        memory.close();
    }
}
