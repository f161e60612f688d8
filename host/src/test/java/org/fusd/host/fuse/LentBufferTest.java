package org.fusd.host.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * device.buffer(size): memory the host lends a driver, answered from without a
 * copy. Through a real FUSE mount, read by a separate python3 client.
 */
class LentBufferTest {
    /**
     * 1 MiB of a pattern in lent memory, read in turn (the fuse channel's files are streams):
     * a read returns all of it, a view of the next bytes, or one byte of them.
     */
    static final String JS = """
            export const name = "lent";
            const SIZE = 1 << 20;
            const mem = device.buffer(SIZE);
            const bytes = new Uint8Array(mem);
            for (let i = 0; i < SIZE; i++) bytes[i] = (i * 7) & 0xff;
            export function read(file, size) {
              const at = file.state.at || 0;
              if (at >= SIZE) return null;
              const n = size === 3 ? 1 : Math.min(size, SIZE - at);
              file.state.at = at + n;
              return at === 0 && n === SIZE ? mem : bytes.subarray(at, at + n);
            }
            export function ioctl(file, cmd, arg) {
              switch (cmd & 0xff) {
                case 1: device.buffer(0); break;
                case 2: device.buffer("big"); break;
                case 3: device.buffer(1 << 30); break;
              }
              return 0;
            }
            """;

    static final String PY = """
            name = "lent-py"
            mem = device.buffer(8)
            mem[0:8] = b"python!\\n"
            def read(file, size, offset):
                return mem
            """;

    static final String CLIENT_PRELUDE = """
            import os, sys, fcntl, errno
            D = sys.argv[1]
            def pattern(off, n): return bytes(((off + i) * 7) & 0xff for i in range(n))
            """;

    @TempDir
    static Path dir;

    static FuseChannel channel;
    static DriverRuntime runtime;
    static final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void serve() throws IOException {
        Assumptions.assumeTrue(
                Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        channel = FuseChannel.open(dir.resolve("mnt"));
        runtime = new DriverRuntime(false, l -> {
            log.add(l);
            System.err.println(l);
        });
        channel.add(runtime.load(Harness.write(dir, "lent.js", JS)));
        channel.add(runtime.load(Harness.write(dir, "lent.py", PY)));
    }

    @AfterAll
    static void close() {
        if (channel != null) {
            channel.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    static String py(String code) throws Exception {
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "-c",
                        CLIENT_PRELUDE + code,
                        channel.mountDir().toString())
                .redirectErrorStream(true)
                .start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(exited, "client hung: " + out);
        assertEquals(0, p.exitValue(), "client failed: " + out);
        return out;
    }

    @Test
    void readsOfLentMemoryCarryItsBytes() throws Exception {
        String out = py("""
                fd = os.open(D + "/lent", os.O_RDONLY)
                print("whole", os.read(fd, 1 << 20) == pattern(0, 1 << 20))
                os.close(fd)
                fd = os.open(D + "/lent", os.O_RDONLY)
                at = 0
                for size in (65536, 5, 4096, 3, 100, 65536, 1 << 20, 4096):
                    got = os.read(fd, size)
                    print(size, len(got), got == pattern(at, len(got)))
                    at += len(got)
                """);
        assertEquals("""
                whole True
                65536 65536 True
                5 5 True
                4096 4096 True
                3 1 True
                100 100 True
                65536 65536 True
                1048576 913302 True
                4096 0 True
                """, out);
    }

    @Test
    void pythonGetsAPlainBytearray() throws Exception {
        assertEquals("b'python!\\n'\n", py("print(os.read(os.open(D + '/lent-py', os.O_RDONLY), 100))"));
    }

    @Test
    void badSizesFailTheCallWithAMessage() throws Exception {
        String out = py("""
                fd = os.open(D + "/lent", os.O_RDONLY)
                for cmd in (1, 2, 3):
                    try:
                        fcntl.ioctl(fd, 0x4600 | cmd, 0); print(cmd, "no error")
                    except OSError as e:
                        print(cmd, errno.errorcode[e.errno])
                """);
        assertEquals("1 EIO\n2 EIO\n3 EIO\n", out);
        String all = String.join("\n", log);
        assertTrue(all.contains("RangeError: device.buffer(0): size must be 1 to 268435456 bytes"), all);
        assertTrue(all.contains("TypeError: device.buffer(size): size must be a whole number of bytes"), all);
        assertTrue(all.contains("RangeError: device.buffer(1073741824)"), all);
        assertTrue(all.contains("lent.js:"), "the message names the script's line: " + all);
    }
}
