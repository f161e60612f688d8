package org.fusd.host.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fusd-host list [--json]}: one line per running host of this user
 * (root: of every user): pid, user, channel, uptime, working directory and
 * its devices in brief. {@code status} has the details.
 */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "One line per running host: pid, user, channel, uptime, directory, devices.")
public final class ListCommand implements Callable<Integer> {
    @Option(names = "--json", description = "One JSON object per host, one per line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        return StatusCommand.ask(null, "list", json);
    }
}
