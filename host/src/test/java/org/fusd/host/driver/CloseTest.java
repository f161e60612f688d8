package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Call;
import org.fusd.host.device.Errno;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a device answers every call: the deferred ones and those that come after. */
class CloseTest {
    @TempDir
    Path dir;

    /** Only a guard against a hang: the assertions are on the errno. */
    private static LoopbackReply.Result result(LoopbackReply r) throws Exception {
        return r.future().get(10, TimeUnit.SECONDS);
    }

    @Test
    void deferredCallsAndCallsAfterCloseGetEnodev() throws Exception {
        try (Harness h = new Harness()) {
            ScriptDevice d = h.serve(dir, "cl.js", """
                    export const name = "cl";
                    let deferred = 0;
                    export function read(file, size, offset) { deferred++; return file.defer(); }
                    export function write(file, data, offset) {
                      return new Promise(() => { deferred++; }); // never settles
                    }
                    export function ioctl(file, cmd, arg) { return deferred; }
                    """);
            LoopbackFile f = h.open("cl", OpenFlags.O_RDWR);
            LoopbackReply read = f.startRead(10);
            LoopbackReply write = f.startWrite(new byte[] {1});
            // Calls run in order: the ioctl sees both calls deferred.
            assertEquals(2, f.ioctl(0x1234, 0, null, 0).n());
            assertTrue(!read.future().isDone() && !write.future().isDone());

            h.runtime.unload(d);

            assertEquals(Errno.ENODEV, result(read).errno(), "a deferred read pending at close");
            assertEquals(Errno.ENODEV, result(write).errno(), "a pending promise at close");
            LoopbackReply late = f.startRead(10);
            assertTrue(late.future().isDone(), "a call after close is answered at once");
            assertEquals(Errno.ENODEV, result(late).errno());
            LoopbackReply release = new LoopbackReply();
            d.release(new Call.Release(f.openFile()), release.forDone());
            assertEquals(Errno.ENODEV, result(release).errno());
        }
    }
}
