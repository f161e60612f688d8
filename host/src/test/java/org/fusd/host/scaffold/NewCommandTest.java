package org.fusd.host.scaffold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `fusd-host new` writes a driver whose own tests pass, and an editor config that finds the typings. */
class NewCommandTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run fusdHost(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void aJsScaffoldPassesItsTests() throws Exception {
        Path where = dir.resolve("blink");
        Run made = fusdHost("new", "blink", "--dir", where.toString());
        assertEquals(Main.EXIT_OK, made.status(), made.err());
        Path driver = where.resolve("blink.js");
        assertTrue(made.out().contains("run it:   fusd-host run " + driver + "\n"), made.out());
        assertTrue(made.out().contains("test it:  fusd-host test " + driver + "\n"), made.out());
        String config = Files.readString(where.resolve("jsconfig.json"));
        Path types = Scaffold.typesDir();
        assertTrue(config.contains("\"" + types.resolve("fusd.d.ts") + "\""), config);
        assertTrue(Files.exists(types.resolve("fusd-test.d.ts")));

        Run tested = fusdHost("test", driver.toString());
        assertEquals(Main.EXIT_OK, tested.status(), tested.out() + tested.err());
        assertTrue(tested.out().endsWith("2 passed, 0 failed\n"), tested.out());
    }

    @Test
    void aPythonScaffoldPassesItsTests() throws Exception {
        Path where = dir.resolve("dimmer");
        Run made = fusdHost("new", "dimmer", "--lang", "py", "--dir", where.toString());
        assertEquals(Main.EXIT_OK, made.status(), made.err());
        assertTrue(Files.readString(where.resolve("pyrightconfig.json"))
                .contains("\"stubPath\": \"" + Scaffold.typesDir() + "\""));
        Run tested = fusdHost("test", where.resolve("dimmer.py").toString());
        assertTrue(tested.out().endsWith("2 passed, 0 failed\n"), tested.out() + tested.err());
    }

    @Test
    void refusesBadNamesAndOverwriting() throws Exception {
        assertEquals(Main.EXIT_USAGE, fusdHost("new", "../x").status());
        assertEquals(Main.EXIT_USAGE, fusdHost("new", "x", "--lang", "rust").status());
        Path where = dir.resolve("x");
        assertEquals(
                Main.EXIT_OK, fusdHost("new", "x", "--dir", where.toString()).status());
        Files.writeString(where.resolve("x.js"), "// mine\n");
        Run again = fusdHost("new", "x", "--dir", where.toString());
        assertEquals(Main.EXIT_FAILURE, again.status());
        assertTrue(again.err().contains("exists; not overwritten"), again.err());
        assertEquals("// mine\n", Files.readString(where.resolve("x.js")));
    }
}
