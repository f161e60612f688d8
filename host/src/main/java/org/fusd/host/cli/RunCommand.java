package org.fusd.host.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.cuse.CuseChannel;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.channel.loopback.LoopbackChannel;
import org.fusd.host.device.Device;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.driver.ScriptLoadException;
import org.fusd.host.io.Grants;
import org.fusd.host.keeper.CuseRecord;
import org.fusd.host.keeper.FusdRecord;
import org.fusd.host.keeper.KeeperLink;
import org.fusd.host.keeper.Registry;
import org.fusd.host.reload.HotReload;
import org.fusd.host.reload.ServedDevices;
import org.fusd.host.takeover.HandsOver;
import org.fusd.host.takeover.HostImage;
import org.fusd.host.trace.TraceDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fusd-host run SCRIPT...}: loads every script (all or nothing), serves
 * their devices on one channel, prints a ready line per device on stdout and
 * serves until SIGINT/SIGTERM, which close the channel (unmount) cleanly.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Serve the devices defined by driver scripts (.js, .mjs, .py) until interrupted.")
public final class RunCommand implements Callable<Integer> {
    /** Returned when serving: main() must not exit, the shutdown hook ends the process. */
    static final int KEEP_RUNNING = -1;

    /** --channel values. */
    enum ChannelKind {
        auto,
        fusd,
        cuse,
        fuse,
        loopback
    }

    @Parameters(
            arity = "1..*",
            paramLabel = "SCRIPT",
            description = "Driver scripts: one device each, or the devices a script lists in `devices`.")
    List<Path> scripts;

    @Option(
            names = "--channel",
            defaultValue = "auto",
            paramLabel = "KIND",
            description =
                    "How devices reach the kernel: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; auto picks fusd if /dev/fusd exists, else cuse if /dev/cuse is usable, else fuse).")
    ChannelKind channel;

    @Option(
            names = "--mount",
            paramLabel = "DIR",
            description =
                    "Mount directory for the fuse channel (default: /run/fusd as root, $XDG_RUNTIME_DIR/fusd otherwise).")
    Path mount;

    @Mixin
    GrantOptions grantOptions = new GrantOptions();

    @Option(names = "--trace", description = "Print one line per device call on stderr.")
    boolean trace;

    @Option(
            names = "--no-watch",
            description = "Do not reload a script when it (or a file it imports) changes; SIGHUP still reloads all.")
    boolean noWatch;

    @Option(
            names = "--call-timeout",
            paramLabel = "MS",
            description =
                    "Budget of each script callback, timer and hook in ms (default: ${DEFAULT-VALUE}; 0: none). A callback that runs longer is stopped and its caller gets ETIMEDOUT; a driver may export its own callTimeoutMs.")
    long callTimeoutMs = DriverRuntime.DEFAULT_CALL_TIMEOUT_MS;

    @Option(
            names = "--state-limit",
            paramLabel = "MIB",
            description =
                    "How much state (device.state and every file.state) one device may hold, in MiB (default: ${DEFAULT-VALUE}; 0: no cap). A store past it fails in the script.")
    long stateLimitMib = DriverRuntime.DEFAULT_STATE_LIMIT_MIB;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The control socket (status, takeover); null if it could not be opened. */
    private org.fusd.host.control.ControlServer control;

    @Option(
            names = "--take-over",
            paramLabel = "PID",
            hidden = true,
            description =
                    "Take the channel, devices, open files and pending calls over from the host PID (fusd-host takeover runs this).")
    Long takeOver;

    @Option(
            names = "--from-child",
            hidden = true,
            description =
                    "With --take-over: PID is the fast-start host the launcher started for us; wait until it serves, and if it cannot hand over, let it serve and stand for it.")
    boolean fromChild;

    @Option(
            names = "--jit-successor",
            hidden = true,
            description =
                    "Under fusd-keeper, once serving: have the keeper start the JIT host that FUSD_JIT_SUCCESSOR names (host/bin/fusd-host's fast start under --keeper), which takes over.")
    boolean jitSuccessor;

    @Option(
            names = "--no-handover",
            description =
                    "One process: no fast start (host/bin/fusd-host otherwise serves first from an interpreter host with an AOT cache, which hands over to a JIT host; see docs/takeover.md).")
    boolean noHandover;

    @Option(
            names = "--keeper",
            description =
                    "Survive a crash (fuse, fusd and cuse channels): fusd-keeper holds the channel and starts a new host if this one is killed; see docs/takeover.md. host/bin/fusd-host starts the keeper.")
    boolean underKeeper;

    @Option(
            names = "--exit-when-serving",
            hidden = true,
            description = "Exit once every device serves (AOT cache training).")
    boolean exitWhenServing;

    /** How long SIGTERM/SIGINT may take before the process ends regardless. */
    static final long SHUTDOWN_MILLIS = 2000;

    @Override
    public Integer call() {
        long startMillis = System.currentTimeMillis();
        for (Path p : scripts) {
            if (!Files.isRegularFile(p)) {
                System.err.println("fusd-host: " + p + ": no such script");
                return Main.EXIT_LOAD;
            }
        }
        KeeperLink keeper = null;
        if (underKeeper) {
            String why = keeperRefusal();
            if (why != null) {
                System.err.println("fusd-host: --keeper: " + why);
                return Main.EXIT_USAGE;
            }
            try {
                keeper = KeeperLink.fromEnvironment();
            } catch (IOException e) {
                System.err.println("fusd-host: --keeper: " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            if (keeper == null) {
                System.err.println(
                        "fusd-host: --keeper: not started by fusd-keeper; run host/bin/fusd-host run --keeper,"
                                + " which starts it");
                return Main.EXIT_USAGE;
            }
        }
        boolean recovering = keeper != null && keeper.restart() != null;
        // The channel opens (JNA, mount) while the scripts load: startup is the longer of the two, not their sum.
        CompletableFuture<Channel> opening = takeOver != null || recovering
                ? CompletableFuture.failedFuture(new IllegalStateException("taking over"))
                : CompletableFuture.supplyAsync(this::openChannelUnchecked);
        if (callTimeoutMs < 0 || stateLimitMib < 0 || stateLimitMib > (Long.MAX_VALUE >> 20)) {
            System.err.println("fusd-host: --call-timeout and --state-limit must be >= 0");
            return Main.EXIT_USAGE;
        }
        Grants grants;
        try {
            grants = grantOptions.grants();
        } catch (IllegalArgumentException e) {
            System.err.println("fusd-host: " + e.getMessage());
            closeWhenOpen(opening);
            return Main.EXIT_USAGE;
        }
        if (takeOver != null && fromChild) {
            FastStart.stopChildOnExit(takeOver);
            try {
                FastStart.awaitChild(takeOver);
            } catch (FastStart.ChildEnded e) {
                return e.status; // it said why on stderr
            }
        }
        DriverRuntime runtime = new DriverRuntime(grants, System.err::println);
        runtime.setCallTimeoutMillis(callTimeoutMs);
        runtime.setStateLimitBytes(stateLimitMib << 20);
        List<ScriptDevice> devices;
        try {
            devices = runtime.loadAll(scripts);
        } catch (ScriptLoadException e) {
            System.err.println("fusd-host: " + e.getMessage());
            closeWhenOpen(opening);
            runtime.close();
            return Main.EXIT_LOAD;
        } catch (RuntimeException | Error e) {
            closeWhenOpen(opening); // a bug while loading must not leave the mount behind either
            runtime.close();
            throw e;
        }
        java.util.function.Function<ScriptDevice, Device> onChannel = d -> trace ? new TraceDevice(d, System.err) : d;
        Map<ScriptDevice, Device> served = new LinkedHashMap<>();
        for (ScriptDevice d : devices) {
            served.put(d, onChannel.apply(d));
        }
        Succession succession = null;
        CrashRecovery recovery = null;
        Channel ch;
        if (recovering) {
            try {
                recovery = CrashRecovery.begin(keeper);
                ch = recovery.adopt(devices, served);
            } catch (IOException | RuntimeException e) {
                System.err.println("fusd-host: cannot serve the devices again after the crash: " + e.getMessage());
                runtime.close();
                return Main.EXIT_FAILURE;
            }
        } else if (takeOver != null) {
            try {
                succession = fromChild ? FastStart.takeOverFromChild(takeOver) : Succession.begin(takeOver);
            } catch (FastStart.ChildEnded e) {
                runtime.close();
                return e.status;
            } catch (FastStart.ChildServesOn e) {
                runtime.close();
                return FastStart.standFor(takeOver, e.getMessage());
            } catch (IOException e) {
                System.err.println("fusd-host: cannot take over from " + takeOver + ": " + e.getMessage());
                runtime.close();
                return fromChild ? FastStart.standFor(takeOver, e.getMessage()) : Main.EXIT_FAILURE;
            }
            try {
                Map<String, ScriptDevice> byKey = new LinkedHashMap<>();
                Map<String, Device> servedByKey = new LinkedHashMap<>();
                for (ScriptDevice d : devices) {
                    String key = HostImage.key(d.script().toString(), d.name());
                    byKey.put(key, d);
                    servedByKey.put(key, served.get(d));
                }
                ch = succession.adopt(byKey, servedByKey);
            } catch (IOException | RuntimeException e) {
                succession.fail(e.toString());
                System.err.println("fusd-host: cannot take over from " + takeOver + ": " + e.getMessage());
                runtime.close();
                return Main.EXIT_FAILURE;
            }
        } else {
            try {
                ch = opening.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                System.err.println("fusd-host: cannot start the " + channel + " channel: " + describe(cause));
                runtime.close();
                return Main.EXIT_FAILURE;
            }
        }
        FusdRecord fusdRecord = null;
        CuseRecord cuseRecord = null;
        if (keeper != null) {
            boolean holding = recovering || succession != null; // the keeper holds the channel already
            if (succession != null) {
                KeptSuccession.adoptRecords(keeper, ch); // the records of the host this one replaces
            }
            // before any device is added: every open is recorded
            if (ch instanceof FusdChannel fusd) {
                fusdRecord = FusdRecord.start(keeper, fusd, holding);
            } else if (ch instanceof CuseChannel cuse) {
                cuseRecord = CuseRecord.start(keeper, cuse, holding);
            } else {
                keepFor(keeper, (FuseChannel) ch);
            }
        }
        ServedDevices live = new ServedDevices();
        HotReload reload = new HotReload(runtime, ch, live, onChannel, System.out::println, System.err::println);
        KeeperLink stopKeeper = keeper;
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> shutDown(stopKeeper, reload, ch, runtime), "fusd-shutdown"));
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeControl, "fusd-control-close"));
        if (succession != null) {
            try {
                if (!succession.serve()) {
                    notTakenOver("host " + takeOver + " did not hand over; it serves on");
                }
            } catch (IOException e) {
                notTakenOver("takeover from " + takeOver + " failed: " + e.getMessage());
            }
            for (ScriptDevice d : devices) {
                reload.add(d.script(), d, served.get(d));
            }
            if (fromChild) {
                FastStart.reap(takeOver);
            }
        }
        // Before the ready lines: whoever waits for them may ask for status at once.
        List<String> runArgs =
                new java.util.ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!runArgs.isEmpty() && runArgs.get(0).equals("run")) {
            runArgs.remove(0); // the whole command line: the subcommand's name first
        }
        int at = runArgs.indexOf("--take-over");
        if (at >= 0) {
            runArgs.subList(at, Math.min(runArgs.size(), at + 2)).clear();
        }
        runArgs.removeIf(a -> a.startsWith("--take-over=") || a.equals("--from-child") || a.equals("--jit-successor"));
        HostControl hostControl = new HostControl(startMillis, runArgs, ch, live.devices());
        if (succession != null) {
            hostControl.setHistory("took over from " + succession.oldPid());
        }
        if (recovering) {
            hostControl.setHistory("restarted by fusd-keeper " + keeper.keeperPid() + " after a crash ("
                    + keeper.restart().why() + ")");
        }
        try {
            control = org.fusd.host.control.ControlServer.start(hostControl);
        } catch (IOException e) {
            System.err.println("fusd-host: no control socket (" + e.getMessage()
                    + "); status and takeover cannot reach this host");
        }
        if (succession == null) {
            try {
                for (ScriptDevice d : devices) {
                    if (recovery == null || recovery.fresh().contains(d)) {
                        ch.add(served.get(d));
                    }
                    reload.add(d.script(), d, served.get(d));
                    System.out.println("fusd: serving " + d.name() + " at " + ch.pathOf(d.name()));
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("fusd-host: cannot serve: " + e.getMessage());
                return Main.EXIT_FAILURE; // the shutdown hook unmounts
            }
        }
        if (ch instanceof HandsOver channelHandsOver) {
            KeeperLink kept = keeper;
            Runnable beforeExit = kept == null
                    ? this::closeControl
                    : () -> {
                        closeControl();
                        kept.handedOver(); // the successor is the keeper's host from now on
                    };
            hostControl.onTakeover(new TakeoverServer(channelHandsOver, live.onChannel(), beforeExit));
            if (kept != null) {
                hostControl.onSuccessor(r -> KeptSuccession.start(kept, r));
            }
        }
        if (fusdRecord != null) {
            fusdRecord.hold(); // the control fd and the memfds; again whenever the devices' memfds change
        } else if (cuseRecord != null) {
            cuseRecord.hold(); // each device's connection; again whenever the devices change
        } else if (keeper != null && recovery == null) {
            keeper.hold("fuse", ((FuseChannel) ch).mountDir().toString(), ((FuseChannel) ch).fds());
        }
        if (recovery != null) {
            recovery.serve();
        }
        if (keeper != null) {
            keeper.serving();
        }
        hostControl.serving();
        if (jitSuccessor && keeper != null) {
            KeptSuccession.startJitHost(keeper, runArgs);
        }
        if (exitWhenServing) {
            return Main.EXIT_OK;
        }
        if (ch instanceof LoopbackChannel) {
            System.out.println("fusd: loopback channel: devices are reachable in-process only");
        }
        reload.reloadOnSighup();
        if (!noWatch) {
            try {
                reload.watch();
            } catch (IOException e) {
                System.err.println("fusd-host: cannot watch the scripts (" + e.getMessage() + "); SIGHUP reloads them");
            }
        }
        System.out.flush();
        return KEEP_RUNNING;
    }

    /**
     * SIGTERM/SIGINT: scripts are stopped first (their callers get ENODEV),
     * then the channel closes (unmount), then the contexts. Whatever a script
     * does, the process is gone within {@link #SHUTDOWN_MILLIS}: past that it
     * halts, and the kernel ends what is left of the connection.
     */
    private static void shutDown(KeeperLink keeper, HotReload reload, Channel ch, DriverRuntime runtime) {
        if (keeper != null) {
            keeper.stop(); // it lets its copies of the fds go: the unmount ends the connection, as without it
        }
        Thread last = Thread.ofPlatform()
                .daemon()
                .name("fusd-shutdown-deadline")
                .start(() -> {
                    try {
                        Thread.sleep(SHUTDOWN_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    System.err.println("fusd-host: shutdown took longer than " + SHUTDOWN_MILLIS + " ms; exiting now");
                    Runtime.getRuntime().halt(Main.EXIT_FAILURE);
                });
        reload.close();
        runtime.stopScripts();
        ch.close();
        runtime.close();
        last.interrupt();
    }

    /** Why --keeper cannot be used with these options, or null. */
    private String keeperRefusal() {
        if (takeOver != null && fromChild) {
            return "fast start cannot run under fusd-keeper yet (use --no-handover)";
        }
        return channel == ChannelKind.loopback
                ? "the loopback channel has nothing to keep: use --channel fusd, cuse or fuse"
                : null;
    }

    /** The keeper's registry follows the channel: its device table, and every open file from now on. */
    private static void keepFor(KeeperLink keeper, FuseChannel ch) {
        Runnable writeTable = () -> keeper.registry()
                .writeTable(new Registry.Table(
                        "fuse", ch.mountDir().toString(), ch.nextNodeid(), ch.nodeids(), ch.inodeNames()));
        ch.logFilesTo(keeper.registry());
        ch.logReadsTo(keeper.registry().journal().forConnection(0));
        ch.onDevicesChanged(writeTable);
        writeTable.run();
    }

    /**
     * The old host serves on: this process ends without its hooks (they would
     * unmount the old host's mount), or, for fast start, stands for its child.
     */
    private void notTakenOver(String why) {
        System.err.println("fusd-host: " + why);
        Runtime.getRuntime().halt(fromChild ? FastStart.standFor(takeOver, why) : Main.EXIT_FAILURE);
    }

    private synchronized void closeControl() {
        if (control != null) {
            control.close();
            control = null;
        }
    }

    /** The exception's message; for file system errors, which give only the path, the path and what is wrong. */
    private static String describe(Throwable e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            String what = switch (f) {
                case NoSuchFileException x -> "no such file or directory";
                case NotDirectoryException x -> "not a directory";
                case FileAlreadyExistsException x -> "exists and is not a directory";
                case AccessDeniedException x -> "permission denied";
                default -> f.getClass().getSimpleName();
            };
            return f.getFile() + ": " + what;
        }
        return e.getMessage();
    }

    private static void closeWhenOpen(CompletableFuture<Channel> opening) {
        try {
            opening.join().close();
        } catch (CompletionException ignored) {
            // it did not open: nothing to close, and the load error is what the user needs to see
        }
    }

    private Channel openChannelUnchecked() {
        try {
            return openChannel();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Channel openChannel() throws IOException {
        return switch (channel) {
            case loopback -> new LoopbackChannel();
            case fusd -> FusdChannel.open();
            case cuse -> CuseChannel.open();
            case auto ->
                FusdChannel.available()
                        ? FusdChannel.open()
                        : CuseChannel.available()
                                ? CuseChannel.open()
                                : mount == null ? FuseChannel.open() : FuseChannel.open(mount);
            case fuse -> mount == null ? FuseChannel.open() : FuseChannel.open(mount);
        };
    }
}
