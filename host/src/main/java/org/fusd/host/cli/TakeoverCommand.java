package org.fusd.host.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fusd.host.control.ControlServer;
import org.fusd.host.control.RuntimeDir;
import org.fusd.host.sys.UnixSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fusd-host takeover [--pid PID]}: replaces a running host by a new
 * one started from this build (this JVM's java, flags and class path), with
 * the same scripts and options, without closing a device or failing a call.
 * The new host takes the channel over through the old one's control socket
 * ({@link TakeoverServer}, {@link Succession}); this command waits for the
 * outcome and says it.
 */
@Command(
        name = "takeover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Replace a running host by one started from this build, keeping devices, open files and calls.")
public final class TakeoverCommand implements Callable<Integer> {
    @Option(names = "--pid", paramLabel = "PID", description = "The host to replace (default: the only one running).")
    Long pid;

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Long> hosts = RuntimeDir.liveHosts();
        long target;
        if (pid != null) {
            target = pid;
        } else if (hosts.size() == 1) {
            target = hosts.get(0);
        } else {
            System.err.println(
                    hosts.isEmpty()
                            ? "fusd-host: no running host (no control socket in " + RuntimeDir.path() + ")"
                            : "fusd-host: " + hosts.size() + " hosts run (" + hosts + "); say which with --pid");
            return hosts.isEmpty() ? Main.EXIT_FAILURE : Main.EXIT_USAGE;
        }
        List<String> described;
        try (UnixSocket s = ControlServer.request(target, "describe")) {
            UnixSocket.Frame f = s.receive();
            if (f == null) {
                throw new IOException("host " + target + " closed the connection");
            }
            described = List.of(f.text().split("\n", -1));
        } catch (IOException e) {
            System.err.println("fusd-host: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        List<String> cmd = successorCommand();
        cmd.add("run");
        cmd.add("--take-over");
        cmd.add(Long.toString(target));
        cmd.addAll(described.subList(1, described.size()));
        ProcessHandle successor;
        Process own = null;
        Long kept;
        try {
            kept = startedByKeeper(target, described.get(0), cmd);
        } catch (IOException e) {
            System.err.println("fusd-host: " + e.getMessage() + "; host " + target + " serves on");
            return Main.EXIT_FAILURE;
        }
        if (kept != null) {
            successor = ProcessHandle.of(kept).orElse(null);
            if (successor == null) {
                System.err.println("fusd-host: the new host " + kept + " ended at once; host " + target
                        + " serves on (its keeper's output says why)");
                return Main.EXIT_FAILURE;
            }
        } else {
            own = new ProcessBuilder(cmd)
                    .directory(Path.of(described.get(0)).toFile())
                    .inheritIO()
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            successor = own.toHandle();
        }
        Path newSocket = RuntimeDir.socketOf(successor.pid());
        while (true) {
            if (!successor.isAlive()) {
                System.err.println("fusd-host: the new host failed ("
                        + (own != null ? "exit status " + own.waitFor() : "its keeper's output says why")
                        + "); host " + target + " serves on");
                return Main.EXIT_FAILURE;
            }
            boolean oldGone = ProcessHandle.of(target).map(p -> !p.isAlive()).orElse(true);
            if (oldGone && Files.exists(newSocket)) {
                System.out.println("fusd-host: host " + target + " handed over to " + successor.pid()
                        + (kept != null ? " (under the same fusd-keeper)" : ""));
                return Main.EXIT_OK;
            }
            Thread.sleep(20);
        }
    }

    /**
     * A host under fusd-keeper has its keeper start the successor (the
     * keeper's child, so that it supervises it once it has taken over):
     * returns its pid. Null if the host is not kept: the successor is ours.
     */
    private static Long startedByKeeper(long target, String cwd, List<String> cmd) throws IOException {
        List<String> args = new ArrayList<>();
        args.add(cwd);
        args.addAll(cmd);
        try (UnixSocket s = ControlServer.request(target, "successor", args.toArray(new String[0]))) {
            UnixSocket.Frame f = s.receive();
            if (f == null) {
                throw new IOException("host " + target + " closed the connection");
            }
            return Long.parseLong(f.text().trim());
        } catch (IOException e) {
            if (e.getMessage() != null
                    && (e.getMessage().contains("not under fusd-keeper")
                            || e.getMessage().contains("unknown command"))) {
                return null; // not kept (or an older build that has no keeper successor)
            }
            throw e;
        } catch (NumberFormatException e) {
            throw new IOException("host " + target + " did not say the new host's pid", e);
        }
    }

    /** This JVM's own command (java, its flags, class path and main class): the new build's. */
    private static List<String> successorCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        return cmd;
    }
}
