package org.fusd.host.channel.fuse;

import static org.fusd.host.channel.fuse.Clients.runPython;
import static org.fusd.host.channel.fuse.Clients.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Device names with '/' on the fuse channel: drums/bam is the file bam in the
 * directory drums of the mount, which exists while a device is under it.
 */
class SubdirectoryTest {
    static Path base;
    static FuseChannel channel;

    @BeforeAll
    static void mount() throws IOException {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")), "needs /dev/fuse");
        base = Files.createTempDirectory("fusd-subdir-test");
        channel = FuseChannel.open(base.resolve("mnt"));
    }

    @AfterAll
    static void unmount() throws Exception {
        if (channel != null) {
            channel.close();
        }
        if (base != null) {
            new ProcessBuilder("rm", "-rf", base.toString()).start().waitFor();
        }
    }

    @Test
    void namesWithSlashesAreFilesInDirectories() throws Exception {
        channel.add(new PipeDevice("drums/bam"));
        channel.add(new PipeDevice("drums/bum"));
        channel.add(new PipeDevice("deep/er/still"));
        channel.add(new PipeDevice("flat"));
        String mnt = channel.mountDir().toString();
        assertEquals(mnt + "/drums/bam", channel.pathOf("drums/bam"));
        java.util.List<String> root = sh("ls " + mnt).lines().toList();
        assertTrue(root.containsAll(java.util.List.of("deep", "drums", "flat")), root.toString());
        assertEquals("bam\nbum\n", sh("ls " + mnt + "/drums"));
        assertEquals("er\n", sh("ls " + mnt + "/deep"));
        assertEquals(
                "directory 755\nregular file 666\n", sh("stat -c '%F %a' " + mnt + "/drums " + mnt + "/drums/bam"));
        String out = runPython("""
                fd = os.open(sys.argv[1] + "/drums/bam", os.O_RDWR)
                out("wrote", os.write(fd, b"boom"), os.read(fd, 10))
                d = os.open(sys.argv[1] + "/deep/er", os.O_RDONLY | os.O_DIRECTORY)
                out(os.listdir(d))
                for bad in ("/drums/nope", "/nope/bam", "/flat/x", "/drums/bam/x"):
                    try:
                        os.stat(sys.argv[1] + bad)
                    except OSError as e:
                        out(bad, errno.errorcode[e.errno])
                """, mnt);
        assertEquals("""
                wrote 4 b'boom'
                ['still']
                /drums/nope ENOENT
                /nope/bam ENOENT
                /flat/x ENOTDIR
                /drums/bam/x ENOTDIR
                """, out);
    }

    @Test
    void aDirectoryGoesWithItsLastDevice() throws Exception {
        channel.add(new PipeDevice("going/one"));
        channel.add(new PipeDevice("going/two"));
        String mnt = channel.mountDir().toString();
        channel.remove("going/one");
        assertEquals("two\n", sh("ls " + mnt + "/going"));
        channel.remove("going/two");
        assertEquals("gone\n", sh("test -e " + mnt + "/going || echo gone"));
        channel.add(new PipeDevice("going/three"));
        assertEquals("three\n", sh("ls " + mnt + "/going"));
    }

    @Test
    void aNameCannotBeBothADeviceAndADirectory() throws Exception {
        channel.add(new PipeDevice("kit/snare"));
        IOException e = assertThrows(IOException.class, () -> channel.add(new PipeDevice("kit")));
        assertTrue(e.getMessage().contains("'kit' is the directory of the device 'kit/snare'"), e.getMessage());
        channel.add(new PipeDevice("single"));
        e = assertThrows(IOException.class, () -> channel.add(new PipeDevice("single/x")));
        assertTrue(e.getMessage().contains("its directory 'single' is a device"), e.getMessage());
    }
}
