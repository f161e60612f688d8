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
 * this user (root: every host) through its control socket what it serves.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Show what the running hosts serve: devices, open files, pending calls, faults.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--pid", paramLabel = "PID", description = "Only the host with this process id.")
    Long pid;

    @Option(names = "--json", description = "One JSON object per host, one per line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        List<Long> hosts = pid != null ? List.of(pid) : RuntimeDir.liveHosts();
        if (hosts.isEmpty()) {
            System.err.println("fusd-host: no running host (no control socket in " + RuntimeDir.path() + ")");
            return Main.EXIT_FAILURE;
        }
        int failed = 0;
        for (long p : hosts) {
            try (UnixSocket s =
                    json ? ControlServer.request(p, "status", "--json") : ControlServer.request(p, "status")) {
                UnixSocket.Frame f = s.receive();
                if (f == null) {
                    throw new IOException("host " + p + " closed the connection");
                }
                String text = f.text();
                System.out.print(text.endsWith("\n") ? text : text + "\n"); // the report's last line too
            } catch (IOException e) {
                System.err.println("fusd-host: " + e.getMessage());
                failed++;
            }
        }
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
