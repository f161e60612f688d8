package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device keeps a node per name it was served under only while files are open on it. */
class RenameNodesTest {
    @TempDir
    Path dir;

    private static String script(String name) {
        return "export const name = \"" + name + "\";\n"
                + "export function read(file, size, offset) { return device.name; }\n";
    }

    /** A reload that renames, and the move on the channel that HotReload makes. */
    private static void rename(Harness h, ScriptDevice d, Path p, String from, String to) throws Exception {
        Files.writeString(p, script(to));
        d.reload();
        h.channel.remove(from);
        h.channel.add(d);
    }

    @Test
    void aRenamedAwayNodeIsDroppedAtItsLastClose() throws Exception {
        try (Harness h = new Harness()) {
            Path p = Harness.write(dir, "rn.js", script("a"));
            ScriptDevice d = h.serve(p);
            assertEquals(1, d.nodeCount());
            LoopbackFile onA = h.open("a", OpenFlags.O_RDONLY);
            rename(h, d, p, "a", "b");
            assertEquals(2, d.nodeCount(), "a stays while a file is open on it");
            assertEquals("b", onA.readString(16), "the open file is served by the new code");
            onA.close();
            assertEquals(1, d.nodeCount(), "a goes at its last close");
            rename(h, d, p, "b", "c");
            assertEquals(1, d.nodeCount(), "b had no open file: it goes at once");
            for (int i = 0; i < 5; i++) {
                rename(h, d, p, i % 2 == 0 ? "c" : "d", i % 2 == 0 ? "d" : "c");
            }
            assertEquals(1, d.nodeCount(), "renames do not pile nodes up");
            try (LoopbackFile f = h.open("d", OpenFlags.O_RDONLY)) {
                assertEquals("d", f.readString(16));
            }
        }
    }
}
