package org.fusd.host.channel.fuse;

import static org.fusd.host.channel.fuse.Clients.runPython;
import static org.fusd.host.channel.fuse.Clients.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Everyday shell tools on device files of the fuse channel, through a real
 * mount, from separate processes: head, tail, wc, dd, cat and Python's
 * readline on a stream (scripts/e2e/drivers/lines.js: 1200 lines from the
 * open's own position), and real offsets for a seekable driver
 * (alphabet.js). docs/channels.md, "Seeking and shell tools";
 * scripts/e2e/shell_tools.py checks the same on cuse and fusd.
 */
class ShellToolsTest {
    static Path base;
    static FuseChannel channel;
    static DriverRuntime runtime;
    static String dev;
    static String alphabet;

    @BeforeAll
    static void serve() throws IOException {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")), "needs /dev/fuse");
        base = Files.createTempDirectory("fusd-shell-tools");
        channel = FuseChannel.open(base.resolve("mnt"));
        runtime = new DriverRuntime(false, System.err::println);
        // the drivers scripts/e2e/shell_tools.py runs on every channel
        for (String s : new String[] {"lines.js", "alphabet.js"}) {
            channel.add(runtime.load(Harness.repoFile("scripts/e2e/drivers/" + s)));
        }
        dev = channel.pathOf("lines");
        alphabet = channel.pathOf("alphabet");
    }

    @AfterAll
    static void close() throws Exception {
        if (channel != null) {
            channel.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (base != null) {
            new ProcessBuilder("rm", "-rf", base.toString()).start().waitFor();
        }
    }

    static String lines(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append(String.format("line %04d%n", i));
        }
        return b.toString();
    }

    @Test
    void headPrintsTheFirstLinesAndExitsCleanly() throws Exception {
        // before: "head: cannot seek to relative offset -9: Illegal seek", exit status 1
        assertEquals(lines(1, 1), sh("head -n1 " + dev));
        assertEquals(lines(1, 3), sh("head -n 3 " + dev));
        assertEquals("line \n", sh("head -c 5 " + dev + "; echo"));
    }

    @Test
    void tailPrintsTheLastBytesAndLinesAsFromAPipe() throws Exception {
        assertEquals("1200\n", sh("tail -c 5 " + dev));
        assertEquals(lines(1199, 1200), sh("tail -n 2 " + dev));
        assertEquals(lines(1191, 1200), sh("tail " + dev));
        assertEquals(lines(1200, 1200), sh("tail -n 1 " + dev));
    }

    @Test
    void catAndWcReadTheWholeStream() throws Exception {
        assertEquals(lines(1, 1200), sh("cat " + dev));
        assertEquals("12000\n", sh("wc -c < " + dev));
        assertEquals("1200\n", sh("wc -l < " + dev));
        assertEquals("12000\n", sh("cat " + dev + " | wc -c"));
    }

    @Test
    void ddSkipSeeksWithoutMovingTheStreamAsOnCuse() throws Exception {
        // lseek succeeds and leaves the stream where it is (noop_llseek, CUSE's answer): dd does not skip
        assertEquals("line\n", sh("dd if=" + dev + " bs=1 skip=3 count=4 status=none; echo"));
        // reading and dropping skips, as dd does on a pipe
        assertEquals("e 00\n", sh("dd if=" + dev + " bs=1 count=7 status=none | dd bs=1 skip=3 status=none; echo"));
    }

    @Test
    void pythonReadsLinesPreadsAndSeeks() throws Exception {
        String out = runPython("""
                with open(sys.argv[1]) as f:
                    out(repr(f.readline()), repr(f.readline()))
                    out(sum(1 for _ in f))
                with open(sys.argv[1], "rb") as f:
                    out(f.readline(), f.seekable())
                fd = os.open(sys.argv[1], os.O_RDONLY)
                out(os.pread(fd, 5, 100), os.lseek(fd, 0, os.SEEK_CUR), os.lseek(fd, 10, os.SEEK_SET))
                out(os.read(fd, 10))
                try:
                    os.lseek(fd, 0, os.SEEK_END)
                except OSError as e:
                    out("SEEK_END", errno.errorcode[e.errno])
                os.close(fd)
                fd = os.open(sys.argv[1], os.O_RDWR)
                try:
                    os.lseek(fd, 0, os.SEEK_CUR)
                except OSError as e:
                    out("O_RDWR lseek", errno.errorcode[e.errno])
                os.close(fd)
                """, dev);
        assertEquals("""
                'line 0001\\n' 'line 0002\\n'
                1198
                b'line 0001\\n' True
                b'line ' 0 10
                b'0001\\nline '
                SEEK_END ESPIPE
                O_RDWR lseek ESPIPE
                """, out);
    }

    @Test
    void seekableDriversGetTheKernelsOffsets() throws Exception {
        String out = runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                out(os.pread(fd, 4, 10), os.lseek(fd, 3, os.SEEK_SET), os.read(fd, 3), os.lseek(fd, 0, os.SEEK_CUR))
                out(os.pwrite(fd, b"XY", 24), os.pread(fd, 3, 23))
                os.close(fd)
                """, alphabet);
        assertEquals("b'klmn' 3 b'def' 6\n2 b'xXY'\n", out);
        assertEquals("def\n", sh("dd if=" + alphabet + " bs=1 skip=3 count=3 status=none; echo"));
    }
}
