package org.fusd.host.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.fusd.host.control.ControlServer;
import org.fusd.host.control.RuntimeDir;
import org.fusd.host.sys.UnixSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fusd-host status [--pid PID] [--json]}: asks each running host of
 * this user (root: of every user) through its control socket what it
 * serves, in detail.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Show what the running hosts serve: devices, open files, pending calls, faults,"
                + " calls and errors per op, p50 latency.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--pid", paramLabel = "PID", description = "Only the host with this process id.")
    Long pid;

    @Option(names = "--json", description = "One JSON object per host, one per line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        return ask(pid, "status", json);
    }

    /**
     * Sends command (with --json if asked) to the host pid, or to every host
     * this user may ask, and prints each answer; 0, or 1 when no host runs or
     * one did not answer.
     */
    static int ask(Long pid, String command, boolean json) throws IOException {
        List<RuntimeDir.Host> hosts = RuntimeDir.visibleHosts();
        if (pid != null) {
            hosts = hosts.stream().filter(h -> h.pid() == pid).toList();
            if (hosts.isEmpty()) {
                hosts = List.of(new RuntimeDir.Host(pid, RuntimeDir.socketOf(pid)));
            }
        }
        if (hosts.isEmpty()) {
            System.err.println("fusd-host: no running host (no control socket in " + RuntimeDir.path() + ")");
            return Main.EXIT_FAILURE;
        }
        int failed = 0;
        for (RuntimeDir.Host h : hosts) {
            try (UnixSocket s =
                    json ? ControlServer.request(h, command, "--json") : ControlServer.request(h, command)) {
                UnixSocket.Frame f = s.receive();
                if (f == null) {
                    throw new IOException("host " + h.pid() + " closed the connection");
                }
                String text = f.text();
                System.out.print(text.endsWith("\n") ? text : text + "\n"); // the report's last line too
            } catch (IOException e) {
                String m = e.getMessage();
                System.err.println("fusd-host: "
                        + (m != null && m.contains("error: unknown command '" + command + "'")
                                ? "host " + h.pid() + " runs an older fusd-host, without `" + command
                                        + "`: `fusd-host status --pid " + h.pid() + "` shows it"
                                : m));
                failed++;
            }
        }
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
