package org.fusd.host.channel.fuse;

import static org.fusd.host.channel.fuse.Clients.awaitLine;
import static org.fusd.host.channel.fuse.Clients.runPython;
import static org.fusd.host.channel.fuse.Clients.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The channel's lifecycle across processes: a host JVM that is killed
 * leaves a stale mount the next host replaces; SIGTERM unmounts through the
 * shutdown hook; a non-root host mounts through fusermount3.
 */
class HostProcessTest {
    private Path base;

    @BeforeEach
    void dir() throws Exception {
        base = Files.createTempDirectory("fusd-host-test");
    }

    @AfterEach
    void clean() throws Exception {
        sh("umount -l " + base.resolve("mnt") + " 2>/dev/null; rm -rf " + base + "; true");
    }

    private Process child(Path mnt) throws Exception {
        Process p = new ProcessBuilder(Clients.javaCommand(ChildHost.class.getName(), mnt.toString()))
                .redirectErrorStream(true)
                .start();
        awaitLine(p, "READY");
        return p;
    }

    @Test
    void sigtermUnmountsThroughTheShutdownHook() throws Exception {
        Path mnt = base.resolve("mnt");
        Process host = child(mnt);
        assertEquals("wrote 2 read hi\n", runPython("""
                fd = os.open(sys.argv[1], os.O_RDWR)
                n = os.write(fd, b"hi")
                out("wrote", n, "read", os.read(fd, 10).decode())
                """, mnt.resolve("pipe").toString()));
        assertTrue(Clients.mounted(mnt));
        host.destroy(); // SIGTERM
        assertTrue(host.waitFor(10, TimeUnit.SECONDS));
        assertFalse(Clients.mounted(mnt), "SIGTERM left the mount behind");
    }

    @Test
    void staleMountOfAKilledHostIsReplacedWithOneLineOnStderr() throws Exception {
        Path mnt = base.resolve("mnt");
        Process host = child(mnt);
        host.destroyForcibly(); // SIGKILL: no chance to unmount
        assertTrue(host.waitFor(10, TimeUnit.SECONDS));
        assertTrue(Clients.mounted(mnt), "the killed host's mount should still be there");
        assertEquals("ENOTCONN\n", runPython("""
                try:
                    os.stat(sys.argv[1]); out("alive")
                except OSError as e:
                    out(errno.errorcode[e.errno])
                """, mnt.toString()));

        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FuseChannel ch;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            ch = FuseChannel.open(mnt);
        } finally {
            System.setErr(saved);
        }
        try {
            String said = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, said.lines().count(), said);
            assertTrue(said.contains("stale") && said.contains(mnt.toString()), said);
            PipeDevice d = new PipeDevice("again");
            ch.add(d);
            assertEquals("read back\n", runPython("""
                    fd = os.open(sys.argv[1], os.O_RDWR)
                    os.write(fd, b"back")
                    out("read", os.read(fd, 10).decode())
                    """, ch.pathOf("again")));
        } finally {
            ch.close();
        }
        assertFalse(Clients.mounted(mnt));
    }

    @Test
    void liveMountIsNotTakenOver() throws Exception {
        Path mnt = base.resolve("mnt");
        Process host = child(mnt);
        try {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class, () -> FuseChannel.open(mnt));
            assertTrue(e.getMessage().contains("live"), e.getMessage());
            assertEquals("read ok\n", runPython("""
                    fd = os.open(sys.argv[1], os.O_RDWR)
                    os.write(fd, b"ok")
                    out("read", os.read(fd, 10).decode())
                    """, mnt.resolve("pipe").toString()));
        } finally {
            host.destroy();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * As user nobody in a private mount namespace where /dev/fuse is a 0666
     * copy: the host mounts through fusermount3, a client of the same user
     * reads and writes, SIGTERM unmounts with fusermount3 -u.
     */
    @Test
    void nonRootHostMountsThroughFusermount3() throws Exception {
        Path w = base.resolve("w");
        Path cp = w.resolve("cp");
        Files.createDirectories(cp);
        StringBuilder classpath = new StringBuilder();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            if (entry.isEmpty() || !(entry.contains("jna") || entry.endsWith("classes"))) {
                continue;
            }
            Path copy = cp.resolve("e" + i++ + "-" + Path.of(entry).getFileName());
            sh("cp -r " + entry + " " + copy);
            classpath.append(classpath.length() > 0 ? ":" : "").append(copy);
        }
        assertTrue(classpath.toString().contains("jna"), "class path: " + System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = """
                set -e
                W=%s
                mkdir -p $W/mnt $W/tmp
                chmod a+rx $(dirname $W); chmod -R a+rX $W; chown nobody:nogroup $W/mnt $W/tmp
                mknod $W/fuse c 10 229; chmod 666 $W/fuse
                mount --bind $W/fuse /dev/fuse
                AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
                $AS env HOME=$W/tmp %s --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=$W/tmp \\
                    -Djna.tmpdir=$W/tmp -cp %s %s $W/mnt > $W/host.out 2>&1 &
                HOST=$!
                for n in $(seq 1 200); do grep -q READY $W/host.out && break; sleep 0.1; done
                cat $W/host.out
                echo "mount: $(grep " $W/mnt " /proc/self/mountinfo | sed 's/.* - //')"
                $AS %s -c 'import os,sys
                fd = os.open(sys.argv[1], os.O_RDWR); os.write(fd, b"as-nobody")
                print("client:", os.read(fd, 20).decode(), os.getuid())' $W/mnt/echo
                echo "owner: $($AS stat -c %%u $W/mnt/echo)"
                kill -TERM $HOST; wait $HOST || true
                echo "after: $(grep -c " $W/mnt " /proc/self/mountinfo || true)"
                """.formatted(w, java, classpath, ChildHost.class.getName(), Clients.PYTHON);
        Process p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "bash", "-c", script)
                .redirectErrorStream(true)
                .start();
        String out = Clients.finish(p);
        assertTrue(out.contains("READY"), out);
        assertTrue(out.contains("mount: fuse.fusd fusd rw,user_id=65534,group_id=65534"), out);
        assertTrue(out.contains("client: as-nobody 65534"), out);
        assertTrue(out.contains("owner: 65534"), out);
        assertTrue(out.contains("after: 0"), out);
    }
}
