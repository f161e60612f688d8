package org.fusd.host.reload;

import static org.fusd.host.reload.ReloadFixture.awaitVersion;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Editing a module a driver imports (no --allow-io) reloads the driver, which then sees the new module. */
class ImportReloadTest {
    private static ReloadFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new ReloadFixture(false);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** One read(2) through the fuse mount. */
    private static String readOnce(String name) throws Exception {
        try (FileChannel ch = FileChannel.open(Path.of(fx.path(name)))) {
            ByteBuffer b = ByteBuffer.allocate(100);
            ch.read(b);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void editingAnImportedJsModuleReloads() throws Exception {
        Files.writeString(fx.script("words.mjs"), "export const word = 'one';\n");
        ScriptDevice d = fx.serve("imp.js", """
                import { word } from "./words.mjs";
                export const name = "imp-reload-js";
                export function read(file, size, offset) { return word; }
                """);
        assertEquals("one", readOnce("imp-reload-js"));
        fx.rewrite("words.mjs", "export const word = 'two';\n");
        awaitVersion(d, 2);
        assertEquals("two", readOnce("imp-reload-js"));
    }

    @Test
    void editingAnImportedPythonModuleReloads() throws Exception {
        Files.writeString(fx.script("pywords.py"), "WORD = 'uno'\n");
        ScriptDevice d = fx.serve("imp.py", """
                from pywords import WORD
                name = "imp-reload-py"
                def read(file, size, offset):
                    return WORD
                """);
        assertEquals("uno", readOnce("imp-reload-py"));
        fx.replace("pywords.py", "WORD = 'dos'\n");
        awaitVersion(d, 2);
        assertEquals("dos", readOnce("imp-reload-py"));
    }
}
