package org.fusd.host.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.io.Grants;
import picocli.CommandLine.Option;

/** The grant flags of {@code run}: what drivers may reach beyond their own directory. */
final class GrantOptions {
    @Option(
            names = "--allow-io",
            description = "Let scripts use everything: the whole file system, any host and port, any device.")
    boolean allowIO;

    @Option(
            names = "--allow-read",
            paramLabel = "PATH",
            description = "Let scripts read PATH and what is under it (repeatable).")
    List<Path> read = new ArrayList<>();

    @Option(
            names = "--allow-write",
            paramLabel = "PATH",
            description = "Let scripts write (and read) PATH and what is under it, unix sockets there included"
                    + " (repeatable).")
    List<Path> write = new ArrayList<>();

    @Option(
            names = "--allow-net",
            paramLabel = "HOST:PORT",
            description = "Let scripts connect to, listen on or send to HOST:PORT through the host I/O API;"
                    + " HOST may be *.domain or *, PORT a range like 7000-7010 or *; '*' alone is every"
                    + " address, and also gives Python's own socket module (repeatable).")
    List<String> net = new ArrayList<>();

    @Option(
            names = "--allow-device",
            paramLabel = "PATH",
            description = "Let scripts open the device PATH (a serial port, a character device; /dev/stdin: the"
                    + " host's terminal) or what is under it (repeatable).")
    List<Path> device = new ArrayList<>();

    /** The grants; a bad --allow-net pattern throws IllegalArgumentException naming it. */
    Grants grants() {
        return allowIO ? Grants.all() : Grants.of(read, write, net, device);
    }
}
