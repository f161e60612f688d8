package org.fusd.host.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * fusd-host: serves device files whose drivers are scripts, tests them and
 * creates new ones. Exit codes (see docs/cli.md): 0 ok, 1 runtime failure
 * (test: a test failed), 2 usage error, 3 a script failed to load.
 */
@Command(
        name = "fusd-host",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Serves character devices whose drivers are JavaScript or Python scripts.",
        subcommands = {
            RunCommand.class,
            StatusCommand.class,
            ListCommand.class,
            TakeoverCommand.class,
            TestCommand.class,
            NewCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok",
            "1:runtime failure (channel could not start, internal error); test: a test failed",
            "2:usage error",
            "3:a driver script failed to load"
        })
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_LOAD = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: fusd-host run SCRIPT)");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("fusd-host: " + e);
            return EXIT_FAILURE;
        });
        return cl;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != RunCommand.KEEP_RUNNING) {
            System.exit(code);
        }
        try {
            Thread.currentThread().join(); // serve until a signal runs the shutdown hook
        } catch (InterruptedException e) {
            System.exit(EXIT_FAILURE);
        }
    }
}
