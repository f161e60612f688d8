package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver imports modules next to it; without --allow-io it reads nothing
 * else and writes nothing.
 */
class ImportsTest {
    @TempDir
    Path dir;

    private static String readOnce(Harness h, String name) {
        try (LoopbackFile f = h.open(name, OpenFlags.O_RDONLY)) {
            return f.readString(100);
        }
    }

    @Test
    void jsImportsSiblingModules() throws Exception {
        Files.createDirectories(dir.resolve("lib"));
        Harness.write(dir, "lib/util.js", "export const twice = (s) => s + s;\n");
        Harness.write(
                dir, "lib.mjs", "import { twice } from './lib/util.js';\nexport const greeting = twice('hi ');\n");
        try (Harness h = new Harness()) {
            h.serve(dir, "imp.js", """
                    import { greeting } from "./lib.mjs";
                    export const name = "imp-js";
                    export function read(file, size, offset) { return greeting + "from lib"; }
                    """);
            assertEquals("hi hi from lib", readOnce(h, "imp-js"));
            assertTrue(h.log.isEmpty(), h.log.toString());
        }
    }

    @Test
    void jsErrorsInImportedModulesKeepFileAndLine() throws Exception {
        Harness.write(dir, "bad.mjs", "export function boom() {\n  throw new Error('kaput');\n}\n");
        try (Harness h = new Harness()) {
            h.serve(dir, "st.js", """
                    import { boom } from "./bad.mjs";
                    export const name = "st-js";
                    export function read(file, size, offset) { boom(); }
                    """);
            try (LoopbackFile f = h.open("st-js", OpenFlags.O_RDONLY)) {
                assertThrows(RuntimeException.class, () -> f.read(1));
            }
            String line = h.awaitLog("kaput");
            assertTrue(line.contains("bad.mjs:2"), line);
        }
    }

    @Test
    void pythonImportsSiblingModules() throws Exception {
        Harness.write(dir, "helper.py", "GREETING = 'hi from helper'\n");
        try (Harness h = new Harness()) {
            h.serve(dir, "imp.py", """
                    import helper
                    name = "imp-py"
                    def read(file, size, offset):
                        return helper.GREETING
                    """);
            assertEquals("hi from helper", readOnce(h, "imp-py"));
            assertFalse(Files.exists(dir.resolve("__pycache__")), "no bytecode written next to the script");
        }
    }

    @Test
    void importsOutsideTheScriptDirectoryAreRefused() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("drv"));
        Harness.write(dir, "outside.mjs", "export const secret = 42;\n");
        try (Harness h = new Harness()) {
            String msg = assertThrows(ScriptLoadException.class, () -> h.serve(sub, "out.js", """
                    import { secret } from "../outside.mjs";
                    export const name = "out-js";
                    """))
                    .getMessage();
            assertTrue(msg.contains("outside.mjs") && msg.contains("denied") && msg.contains("--allow-io"), msg);
        }
    }

    @Test
    void symbolicLinksLeadingOutAreRefused() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("drv"));
        Harness.write(dir, "outside.mjs", "export const secret = 42;\n");
        Files.createSymbolicLink(sub.resolve("link.mjs"), dir.resolve("outside.mjs"));
        try (Harness h = new Harness()) {
            String msg = assertThrows(ScriptLoadException.class, () -> h.serve(sub, "ln.js", """
                    import { secret } from "./link.mjs";
                    export const name = "ln-js";
                    """))
                    .getMessage();
            assertTrue(msg.contains("denied"), msg);
        }
    }

    @Test
    void pythonReadsNothingOutsideAndWritesNothing() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("drv"));
        Harness.write(dir, "secret.txt", "secret");
        Harness.write(sub, "mine.txt", "mine");
        try (Harness h = new Harness()) {
            h.serve(sub, "rd.py", """
                    import builtins, os
                    name = "rd-py"
                    HERE = os.path.dirname(__file__) if "__file__" in globals() else %s
                    def attempt(f):
                        try:
                            return f()
                        except BaseException as e:
                            return type(e).__name__
                    def read(file, size, offset):
                        mine = attempt(lambda: builtins.open(os.path.join(%s, "mine.txt")).read())
                        out = attempt(lambda: builtins.open(%s).read())
                        wr = attempt(lambda: builtins.open(os.path.join(%s, "new.txt"), "w").write("x"))
                        return "%%s|%%s|%%s" %% (mine, out == "secret", wr == 1)
                    """.formatted(q(sub), q(sub), q(dir.resolve("secret.txt")), q(sub)));
            assertEquals("mine|False|False", readOnce(h, "rd-py"));
            assertFalse(Files.exists(sub.resolve("new.txt")));
        }
    }

    @Test
    void allowIoGivesFullFileAccess() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("drv"));
        Harness.write(dir, "outside.mjs", "export const secret = 42;\n");
        try (Harness h = new Harness(true)) {
            h.serve(sub, "out.js", """
                    import { secret } from "../outside.mjs";
                    export const name = "io-js";
                    export function read(file, size, offset) { return String(secret); }
                    """);
            assertEquals("42", readOnce(h, "io-js"));
        }
    }

    private static String q(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
