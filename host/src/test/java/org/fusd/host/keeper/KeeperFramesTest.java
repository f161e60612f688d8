package org.fusd.host.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fusd-keeper's side of the fusd and cuse channels, with the real keeper
 * (target/fusd-keeper) and a small Python "host" that speaks its frames: a
 * host sends two holds, the second just before it is SIGKILLed; the keeper
 * must take both frames before it handles the death (the second one's fds
 * are still in the socket), and start the next host with the fds of the
 * last hold and its words (FUSD_KEEPER_HELD: which fd is which device).
 * CrashTest covers the fuse channel end to end, the VM suites fusd and cuse.
 */
class KeeperFramesTest {
    private static final String HOST = """
            import os, signal, socket, stat, struct, sys
            sock, registry = map(int, os.environ["FUSD_KEEPER"].split())
            s = socket.socket(fileno=sock)

            def frame(text, fds):
                b = text.encode()
                rights = struct.pack("%di" % len(fds), *fds)
                s.sendmsg([struct.pack(">I", len(b)) + b], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)])

            if "FUSD_KEEPER_RESTART" not in os.environ:
                pipes = os.pipe() + os.pipe()
                frame(sys.argv[2], pipes[:2])
                frame(sys.argv[3], pipes[:3])  # the last word before the crash
                os.kill(os.getpid(), signal.SIGKILL)
            fds = [int(f) for f in os.environ["FUSD_KEEPER_CHANNEL"].split(",")]
            kinds = ["fifo" if stat.S_ISFIFO(os.fstat(f).st_mode) else "?" for f in fds]
            with open(sys.argv[1], "w") as out:
                out.write(" ".join(kinds) + "|" + os.environ["FUSD_KEEPER_HELD"] + "|"
                          + os.environ["FUSD_KEEPER_RESTART"].split(" ", 2)[2] + "\\n")
            """;

    @TempDir
    Path dir;

    private String restartedHostSaw(String firstHold, String lastHold) throws Exception {
        Path host = Files.writeString(dir.resolve("host.py"), HOST);
        Path out = dir.resolve("out");
        Path keeper = Path.of("target", "fusd-keeper").toAbsolutePath();
        Process p = new ProcessBuilder(List.of(
                        keeper.toString(),
                        "--restarts",
                        "1",
                        "--",
                        "python3",
                        host.toString(),
                        out.toString(),
                        firstHold,
                        lastHold))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("keeper.log").toFile())
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the keeper did not end");
        String log = Files.readString(dir.resolve("keeper.log"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log); // the restarted host exited 0: an orderly end
        assertTrue(log.contains("killed by SIGKILL; starting a new host (restart 1 of 1"), log);
        return Files.readString(out, StandardCharsets.UTF_8).strip();
    }

    @Test
    void cuseConnectionsAndTheirNamesOfTheLastHoldReachTheNextHost() throws Exception {
        assertEquals(
                "fifo fifo fifo|cuse 1:a 2:drums/b 3:c|killed by SIGKILL",
                restartedHostSaw("hold cuse 1:a 2:drums/b", "hold cuse 1:a 2:drums/b 3:c"));
    }

    @Test
    void fusdControlFdAndMemfdsOfTheLastHoldReachTheNextHost() throws Exception {
        assertEquals("fifo fifo fifo|fusd|killed by SIGKILL", restartedHostSaw("hold fusd", "hold fusd"));
    }
}
