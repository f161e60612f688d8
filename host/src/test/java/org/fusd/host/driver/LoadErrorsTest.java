package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.PollEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts that must not load (with file:line), names refused, and what missing callbacks answer. */
class LoadErrorsTest {
    @TempDir
    Path dir;

    private String loadError(Harness h, String file, String text) {
        return assertThrows(ScriptLoadException.class, () -> h.serve(dir, file, text))
                .getMessage();
    }

    @Test
    void javascriptLoadErrors() {
        try (Harness h = new Harness()) {
            String m = loadError(
                    h, "syntax.js", "export const name = \"x\";\nexport function read() { return 1 +* 2; }\n");
            assertTrue(m.contains("syntax.js:2") && m.contains("SyntaxError"), m);
            m = loadError(h, "top.js", "export const name = \"x\";\n\nthrow new Error(\"boom at load\");\n");
            assertTrue(m.contains("top.js:3") && m.contains("boom at load"), m);
            m = loadError(h, "noname.js", "export function read() { return \"\"; }\n");
            assertTrue(m.contains("noname.js") && m.contains("name"), m);
            m = loadError(h, "notfn.js", "export const name = \"x\"; export const read = 5;\n");
            assertTrue(m.contains("`read` must be a function"), m);
            assertTrue(h.runtime.devices().isEmpty());
        }
    }

    @Test
    void pythonLoadErrors() {
        try (Harness h = new Harness()) {
            String m = loadError(h, "syntax.py", "name = \"x\"\ndef read(file, size, offset)\n    return b''\n");
            assertTrue(m.contains("syntax.py:2") && m.contains("SyntaxError"), m);
            m = loadError(h, "top.py", "name = \"x\"\n\nraise RuntimeError(\"boom at load\")\n");
            assertTrue(m.contains("top.py:3") && m.contains("boom at load"), m);
            m = loadError(h, "noname.py", "def read(file, size, offset):\n    return b''\n");
            assertTrue(m.contains("noname.py") && m.contains("name"), m);
        }
    }

    @Test
    void namesAreChecked() {
        try (Harness h = new Harness()) {
            for (String bad :
                    new String[] {"/a", "a/", "a//b", "a/./b", "..", "x..y", "", "tab\there", "x".repeat(65)}) {
                String m = loadError(h, "bad.js", "export const name = " + jsString(bad) + ";\n");
                assertTrue(m.contains("device name"), m);
            }
            assertEquals(null, DriverRuntime.checkName("x".repeat(64)));
            assertEquals(null, DriverRuntime.checkName("drums/bam"), "bam in the subdirectory drums");
            String m = loadError(h, "bad.py", "name = 'a//b'\n");
            assertTrue(m.contains("may use '/' only between path components that are not empty or \".\""), m);
            m = loadError(h, "lead.js", "export const name = \"/dev/x\";\n");
            assertTrue(m.contains("lead.js") && m.contains("\"/dev/x\"") && m.contains("may use '/' only"), m);
            m = loadError(h, "dots.py", "name = 'drums/../x'\n");
            assertTrue(m.contains("must not contain \"..\""), m);
        }
    }

    private static String jsString(String s) {
        return "\"" + s.replace("\t", "\\t") + "\"";
    }

    @Test
    void duplicateNamesAreRefused() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "one.js", "export const name = \"same\";\n");
            String m = loadError(h, "two.py", "name = \"same\"\n");
            assertTrue(m.contains("already served by") && m.contains("one.js"), m);
            assertEquals(1, h.runtime.devices().size());
        }
    }

    @Test
    void missingCallbacksAnswerLikeAKernelDriver() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "empty.js", "export const name = \"empty\";\n");
            try (LoopbackFile f = h.open("empty", OpenFlags.O_RDWR)) { // open without open: ok
                assertEquals(
                        Errno.EINVAL,
                        assertThrows(ErrnoException.class, () -> f.read(1)).errno());
                assertEquals(
                        Errno.EINVAL,
                        assertThrows(ErrnoException.class, () -> f.write("x")).errno());
                assertEquals(
                        Errno.ENOTTY,
                        assertThrows(ErrnoException.class, () -> f.ioctl(0x5401, 0, null, 0))
                                .errno());
                assertEquals(
                        PollEvents.POLLIN | PollEvents.POLLOUT | PollEvents.POLLRDNORM | PollEvents.POLLWRNORM,
                        f.poll());
            } // flush, release: ok
        }
    }

    @Test
    void openCanRefuse() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(dir, "ro.js", """
                    export const name = "ro";
                    export function open(file, flags) { if ((flags & 3) !== 0) throw new Errno("EACCES"); }
                    """);
            assertEquals(
                    Errno.EACCES,
                    assertThrows(ErrnoException.class, () -> h.open("ro", OpenFlags.O_WRONLY))
                            .errno());
            h.open("ro", OpenFlags.O_RDONLY).close();
        }
    }
}
