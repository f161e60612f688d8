package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device says its poll mask may vary only while its code has a poll callback (channels skip asking otherwise). */
class PollVariesTest {
    @TempDir
    Path dir;

    @Test
    void onlyWithAPollCallbackAndAgainAfterAReloadAddsOne() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "pv.js", """
                    export const name = "pv";
                    export function read(file, size) { return "x"; }
                    """);
            assertFalse(d.pollVaries());
            Harness.write(dir, "pv.js", """
                    export const name = "pv";
                    export function read(file, size) { return "x"; }
                    export function poll(file) { return POLLIN; }
                    """);
            d.reload();
            assertTrue(d.pollVaries());
        }
    }

    @Test
    void python() throws Exception {
        try (Harness h = new Harness()) {
            assertTrue(h.serve(dir, "pv.py", """
                    name = "pv-py"
                    def poll(file):
                        return POLLIN
                    """).pollVaries());
        }
    }
}
