package org.fusd.host.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.fusd.host.scaffold.Scaffold;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fusd-host new NAME [--lang js|py] [--dir DIR]}: a new driver, its
 * tests and its editor config in DIR (default ./NAME), then the two commands
 * that run and test it.
 */
@Command(
        name = "new",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Create a driver NAME with a test file and editor config, in ./NAME (or --dir).")
public final class NewCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The device's name, also the script's.")
    String name;

    @Option(names = "--lang", defaultValue = "js", paramLabel = "LANG", description = "js (default) or py.")
    Scaffold.Lang lang;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to write the files (default: ./NAME).")
    Path dir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String problem = Scaffold.checkName(name);
        if (problem != null) {
            err.println("fusd-host: the name \"" + name + "\" " + problem);
            return Main.EXIT_USAGE;
        }
        Path where = dir != null ? dir : Path.of(name);
        Path types = Scaffold.typesDir();
        if (types == null) {
            err.println("fusd-host: cannot find the typings (types/fusd.d.ts) next to fusd-host; "
                    + "run it from a checkout (make build) or an installed copy (make install)");
            return Main.EXIT_FAILURE;
        }
        List<Path> files;
        try {
            files = Scaffold.create(name, lang, where, types);
        } catch (IOException e) {
            err.println("fusd-host: cannot create the driver: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        out.println("created "
                + String.join(", ", files.stream().map(Path::toString).toList()));
        String self = System.getenv().getOrDefault("FUSD_HOST_COMMAND", "fusd-host");
        Path driver = files.get(0);
        out.println("run it:   " + self + " run " + driver);
        out.println("test it:  " + self + " test " + driver);
        out.flush();
        return Main.EXIT_OK;
    }
}
