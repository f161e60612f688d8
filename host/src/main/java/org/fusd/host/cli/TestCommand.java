package org.fusd.host.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.channel.loopback.LoopbackChannel;
import org.fusd.host.driver.ScriptLoadException;
import org.fusd.host.testing.Client;
import org.fusd.host.testing.DriverTests;
import org.fusd.host.testing.LoopbackClient;
import org.fusd.host.testing.ProcessClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fusd-host test DRIVER [TESTFILE...]}: runs a driver's tests against
 * it (docs/testing-drivers.md), on loopback (in process), or over a real fuse
 * mount or fusd.ko's /dev with a client process making the system calls. Exit status 0 if every
 * test passed, 1 if one failed, 3 if the driver or a test file did not load.
 */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run a driver's tests (JS or Python test files) against it; prints 'N passed, M failed'.")
public final class TestCommand implements Callable<Integer> {
    /** --channel values. */
    enum ChannelKind {
        loopback,
        fuse,
        fusd
    }

    @Parameters(index = "0", paramLabel = "DRIVER", description = "The driver script under test.")
    Path driver;

    @Parameters(
            index = "1..*",
            arity = "0..*",
            paramLabel = "TESTFILE",
            description = "Test files (.js, .mjs, .py); default: DRIVER's NAME.test.js, NAME.test.mjs, NAME_test.py"
                    + " and test_NAME.py next to it, those that exist.")
    List<Path> testFiles;

    @Mixin
    GrantOptions grantOptions = new GrantOptions();

    @Option(
            names = "--channel",
            defaultValue = "loopback",
            paramLabel = "KIND",
            description = "loopback (default: in process, no root, no FUSE), fuse (a real mount) or fusd (/dev/NAME"
                    + " through fusd.ko, as root); on fuse and fusd the calls come from a separate client process.")
    ChannelKind channel;

    @Option(
            names = "--mount",
            paramLabel = "DIR",
            description = "Mount directory for --channel fuse (default: a new directory under /tmp, removed after).")
    Path mount;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(driver)) {
            err.println("fusd-host: " + driver + ": no such script");
            return Main.EXIT_LOAD;
        }
        List<Path> files = testFiles == null || testFiles.isEmpty() ? defaultTestFiles(driver) : testFiles;
        if (files.isEmpty()) {
            err.println("fusd-host: no test file for " + driver + ": pass TESTFILE, or create one of "
                    + String.join(
                            ", ",
                            candidates(driver).stream().map(Path::toString).toList()));
            return Main.EXIT_USAGE;
        }
        for (Path p : files) {
            if (!Files.isRegularFile(p)) {
                err.println("fusd-host: " + p + ": no such script");
                return Main.EXIT_LOAD;
            }
        }
        org.fusd.host.io.Grants grants;
        try {
            grants = grantOptions.grants();
        } catch (IllegalArgumentException e) {
            err.println("fusd-host: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        Path tempMount = null;
        Channel ch = null;
        Client client = null;
        try {
            if (channel == ChannelKind.fuse) {
                tempMount = mount == null ? Files.createTempDirectory("fusd-test") : null;
                ch = FuseChannel.open(mount != null ? mount : tempMount).closeOnExit();
                client = ProcessClient.start();
            } else if (channel == ChannelKind.fusd) {
                ch = FusdChannel.open();
                client = ProcessClient.start();
            } else {
                LoopbackChannel lb = new LoopbackChannel();
                ch = lb;
                client = new LoopbackClient(lb);
            }
            DriverTests.Summary s =
                    new DriverTests(driver, files, spec.commandLine().getOut(), grants).run(ch, client);
            return s.failed() == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
        } catch (ScriptLoadException e) {
            err.println("fusd-host: " + e.getMessage());
            return Main.EXIT_LOAD;
        } catch (IOException e) {
            err.println("fusd-host: cannot start the " + channel + " channel: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            if (ch != null) {
                ch.close(); // first: answers what the client still waits for
            }
            if (client != null) {
                client.close();
            }
            if (tempMount != null) {
                try {
                    Files.deleteIfExists(tempMount);
                } catch (IOException ignored) {
                    // an empty directory left in /tmp
                }
            }
            err.flush();
        }
    }

    /** The test files a driver NAME.js or NAME.py has by convention. */
    static List<Path> candidates(Path driver) {
        String file = driver.getFileName().toString();
        int dot = file.lastIndexOf('.');
        String stem = dot > 0 ? file.substring(0, dot) : file;
        Path rel = driver.getParent();
        List<Path> c = new ArrayList<>();
        for (String name : List.of(stem + ".test.js", stem + ".test.mjs", stem + "_test.py", "test_" + stem + ".py")) {
            c.add(rel == null ? Path.of(name) : rel.resolve(name));
        }
        return c;
    }

    static List<Path> defaultTestFiles(Path driver) {
        return candidates(driver).stream().filter(Files::isRegularFile).toList();
    }
}
