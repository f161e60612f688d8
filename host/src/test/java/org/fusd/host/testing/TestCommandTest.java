package org.fusd.host.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.cli.Main;
import org.fusd.host.sys.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `fusd-host test` tells a student: failures with both file:lines, load errors, the fuse channel. */
class TestCommandTest {
    @TempDir
    Path dir;

    private static final String DRIVER = """
            export const name = "greeter";
            export function read(file, size) {
                if (file.state.done) return "";
                file.state.done = true;
                return "hi\\n";
            }
            export function ioctl(file, cmd, arg) {
                throw Errno.ENOTTY;
            }
            """;

    private Path write(String file, String text) throws Exception {
        Path p = dir.resolve(file);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aFailureShowsTheTestsAndTheDriversLines() throws Exception {
        Path driver = write("greeter.js", DRIVER);
        write("greeter.test.js", """
                export function test_greets(t) {
                    t.eq(t.open(O_RDONLY).readText(10), "hi\\n");
                }

                export function test_wrong(t) {
                    const f = t.open(O_RDONLY);
                    t.eq(f.readText(10), "hello\\n");
                }
                """);
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString()); // finds greeter.test.js
        assertEquals(Main.EXIT_FAILURE, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("  ok    test_greets"), r.out());
        assertTrue(r.out().contains("  FAIL  test_wrong (" + dir.resolve("greeter.test.js") + ":5)"), r.out());
        assertTrue(
                r.out()
                        .contains(dir.resolve("greeter.test.js")
                                + ":7: AssertionError: expected \"hello\\n\", got \"hi\\n\""),
                r.out());
        assertTrue(r.out().contains("t.eq(f.readText(10), \"hello\\n\");"), "the test's source line: " + r.out());
        assertTrue(
                r.out().matches("(?s).*read size=10 off=0 -> 3 bytes +" + dir.resolve("greeter.js") + ":2\n.*"),
                r.out());
        assertTrue(r.out().endsWith("1 passed, 1 failed\n"), r.out());
    }

    @Test
    void pythonTestsAndWhatTheDriverLogged() throws Exception {
        Path driver = write("broken.js", """
                export const name = "broken";
                export function read(file, size) {
                    return file.nosuch.x;
                }
                """);
        Path tests = write("broken_test.py", """
                def test_reads(t):
                    f = t.open()
                    assert f.read(10) == b"x"
                """);
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString(), tests.toString());
        assertEquals(Main.EXIT_FAILURE, r.status(), r.out() + r.err());
        assertTrue(r.out().contains(tests + ":3: OSError: [Errno 5] "), r.out());
        assertTrue(r.out().contains(" (EIO from read(10))"), r.out());
        assertTrue(r.out().contains("fusd: broken: read: TypeError"), "the driver's error: " + r.out());
        assertTrue(r.out().contains("(" + driver + ":3)"), "the driver's line: " + r.out());
    }

    @Test
    void filesThatDoNotLoadAreNamedWithTheirLine() throws Exception {
        Path driver = write("greeter.js", DRIVER);
        Path bad = write("bad.test.js", "export function test_x(t) {\n  t.open(;\n}\n");
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString(), bad.toString());
        assertEquals(Main.EXIT_LOAD, r.status());
        assertTrue(r.err().startsWith("fusd-host: " + bad + ":2: SyntaxError"), r.err());

        Path none = write("none_test.py", "def helper(t):\n    pass\n");
        r = LabsTest.fusdHostTest(driver.toString(), none.toString());
        assertEquals(Main.EXIT_LOAD, r.status());
        assertTrue(r.err().contains(none + ": no tests"), r.err());

        Path badDriver = write("bad.js", "export const name = 'x';\nfoo(;\n");
        r = LabsTest.fusdHostTest(
                badDriver.toString(),
                write("ok.test.js", "export function test_x(t) {}\n").toString());
        assertEquals(Main.EXIT_LOAD, r.status());
        assertTrue(r.err().startsWith("fusd-host: " + badDriver + ":2: SyntaxError"), r.err());

        r = LabsTest.fusdHostTest(write("alone.js", DRIVER).toString());
        assertEquals(Main.EXIT_USAGE, r.status());
        assertTrue(r.err().contains("no test file for"), r.err());
    }

    @Test
    void aThrowingTestFailsAtItsLine() throws Exception {
        Path driver = write("greeter.js", DRIVER);
        Path tests = write("t.test.js", """
                function helper() {
                    null.x;
                }
                export function test_throws(t) {
                    helper();
                }
                export function test_ioctl(t) {
                    t.raises("ENOTTY", () => t.open().ioctl(_IOR("g", 1, 4)));
                }
                """);
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString(), tests.toString());
        assertTrue(r.out().contains(tests + ":2: TypeError: Cannot read property 'x' of null"), r.out());
        assertTrue(r.out().contains("called from " + tests + ":5: helper();"), r.out());
        assertTrue(r.out().contains("  ok    test_ioctl"), r.out());
        assertTrue(r.out().endsWith("1 passed, 1 failed\n"), r.out());
    }

    @Test
    void testsReachEveryDeviceOfADriverByName() throws Exception {
        Path examples = Path.of("..", "examples");
        Path driver = Files.isDirectory(examples) ? examples.resolve("drums.js") : Path.of("examples", "drums.js");
        Path js = write("drums.test.js", """
                export function test_first_by_default(t) {
                    t.eq(t.name, "drums/bam");
                    t.eq(t.open(O_RDONLY).readText(100), "bam! (hit 1)\\n");
                }
                export function test_another_by_name(t) {
                    t.eq(t.open(O_RDONLY, {device: "drums/crash"}).readText(100), "crash! (hit 1)\\n");
                    t.eq(t.open(O_RDONLY, {device: "drums/crash"}).readText(100), "crash! (hit 2)\\n");
                }
                export function test_unknown_name(t) {
                    t.open(O_RDONLY, {device: "drums/gong"});
                }
                """);
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString(), js.toString());
        assertTrue(r.out().contains("  ok    test_first_by_default"), r.out() + r.err());
        assertTrue(r.out().contains("  ok    test_another_by_name"), r.out());
        assertTrue(
                r.out().contains("the driver has no device \"drums/gong\" (its devices: drums/bam, drums/bum,"),
                r.out());
        assertTrue(r.out().endsWith("2 passed, 1 failed\n"), r.out());

        Path py = write("drums_test.py", """
                import os

                def test_boom(t):
                    assert t.open(os.O_RDONLY, device="drums/boom").read(100) == b"boom! (hit 1)\\n"
                """);
        r = LabsTest.fusdHostTest(driver.toString(), py.toString());
        assertTrue(r.out().endsWith("1 passed, 0 failed\n"), r.out() + r.err());
    }

    /** Real system calls from the client process: a blocked read, a signal, O_NONBLOCK, poll, another uid. */
    private static final String SHM_DRIVER = """
            export const name = "shm";
            export const memory = {size: 8192};
            export function read(file, size) { return new Uint8Array(device.memory, 0, 3).slice(); }
            export function mmap(file, offset, length, prot) { if (offset === 4096) throw Errno.EPERM; }
            """;

    @Test
    void pythonTestsMapTheDevicesMemory() throws Exception {
        Path driver = write("shm.js", SHM_DRIVER);
        Path tests = write("shm_test.py", """
                import os


                def test_maps(t):
                    f = t.open(os.O_RDWR)
                    with f.mmap(4096, PROT_READ | PROT_WRITE) as m:
                        m.write(0, b"abc")
                        t.eq(f.read(10), b"abc")
                        t.eq(m.read(1, 2), b"bc")
                        t.eq(m.read_text(0, 3), "abc")
                        t.eq(len(m.read()), 4096)
                    with t.raises("EACCES"):
                        t.open(os.O_RDONLY).mmap(4096, PROT_READ | PROT_WRITE)
                    with t.raises("ENXIO"):
                        f.mmap(4096, PROT_READ, 8192)
                    with t.raises("EINVAL"):
                        f.mmap(4096, PROT_READ, 100)
                    with t.raises("EPERM"):
                        f.mmap(4096, PROT_READ, 4096)


                def test_a_store_a_process_would_die_of(t):
                    m = t.open(os.O_RDONLY).mmap(4096)
                    m.write(0, b"x")
                """);
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString(), tests.toString());
        assertTrue(r.out().endsWith("1 passed, 1 failed\n"), r.out() + r.err());
        assertTrue(r.out().contains("  ok    test_maps"), r.out());
        assertTrue(
                r.out()
                        .contains(tests + ":24: RuntimeError: mapping write: the mapping has no PROT_WRITE (a process"
                                + " gets SIGSEGV)"),
                r.out());
    }

    @Test
    void fuseRefusesSharedMappingsAsTheKernelDoes() throws Exception {
        Assumptions.assumeTrue(Libc.getuid() == 0 && Files.exists(Path.of("/dev/fuse")), "needs root and /dev/fuse");
        Path driver = write("shm.js", SHM_DRIVER);
        Path tests = write("shm.test.js", """
                export function test_no_shared_mappings_on_fuse(t) {
                    t.raises("ENODEV", () => t.open(O_RDWR).mmap(4096));
                }
                """);
        LabsTest.Run r = LabsTest.fusdHostTest(
                driver.toString(),
                tests.toString(),
                "--channel",
                "fuse",
                "--mount",
                dir.resolve("mnt").toString());
        assertTrue(r.out().endsWith("1 passed, 0 failed\n"), r.out() + r.err());
    }

    @Test
    void fuseChannelRunsTheSameTestsWithRealCalls() throws Exception {
        Assumptions.assumeTrue(Libc.getuid() == 0 && Files.exists(Path.of("/dev/fuse")), "needs root and /dev/fuse");
        Path examples = Path.of("..", "examples");
        Path driver = Files.isDirectory(examples) ? examples.resolve("pipe.js") : Path.of("examples", "pipe.js");
        Path tests = write("pipe.test.js", """
                export function test_a_signal_ends_a_blocked_read(t) {
                    const r = t.open(O_RDONLY);
                    const p = r.startRead(100);
                    t.ok(p.blocked());
                    p.interrupt();
                    t.raises("EINTR", () => p.wait());
                }
                export function test_a_write_wakes_a_poller(t) {
                    const r = t.open(O_RDONLY | O_NONBLOCK), w = t.open(O_WRONLY);
                    t.raises("EAGAIN", () => r.read(10));
                    t.eq(r.poll(POLLIN, 0), 0);
                    w.write("x");
                    t.eq(r.poll(POLLIN, 2000), POLLIN);
                    t.eq(r.readText(10), "x");
                }
                export function test_channel_and_path(t) {
                    t.eq(t.channel, "fuse");
                    t.ok(t.path.endsWith("/pipe"), t.path);
                }
                """);
        Path mnt = dir.resolve("mnt");
        LabsTest.Run r = LabsTest.fusdHostTest(
                driver.toString(), tests.toString(), "--channel", "fuse", "--mount", mnt.toString());
        assertTrue(r.out().endsWith("3 passed, 0 failed\n"), r.out() + r.err());
        assertEquals(Main.EXIT_OK, r.status());
        assertTrue(r.out().startsWith("fusd-host test: " + driver + " on fuse\n"), r.out());
    }

    @Test
    void fuseOpensAsAnotherUid() throws Exception {
        Assumptions.assumeTrue(Libc.getuid() == 0 && Files.exists(Path.of("/dev/fuse")), "needs root and /dev/fuse");
        Path driver = write("who.js", """
                export const name = "who";
                export function read(file, size) {
                    if (file.state.done) return "";
                    file.state.done = true;
                    return `${file.uid}/${file.gid}`;
                }
                """);
        Path tests = write("who_test.py", """
                import os


                def test_uid(t):
                    t.eq(t.open(os.O_RDONLY, uid=65534, gid=65534).read_text(), "65534/65534")
                    t.eq(t.open(os.O_RDONLY).read_text(), "0/0")
                """);
        // the default mount, a new directory in /tmp: under @TempDir (0700) the other user could not reach it
        LabsTest.Run r = LabsTest.fusdHostTest(driver.toString(), tests.toString(), "--channel", "fuse");
        assertTrue(r.out().endsWith("1 passed, 0 failed\n"), r.out() + r.err());
    }
}
