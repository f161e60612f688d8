package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Call;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Deferred whose call ended some other way is done: a pipe-like driver that
 * keeps waiters in state must not hand the next write to a caller that has
 * its answer already (the data would be lost).
 */
class DeferredEndsTest {
    static final String JS = """
            export const name = "ends-js";
            device.state.readers ??= [];
            device.state.delivered ??= 0;
            device.state.cancelled ??= 0;
            export function read(file, size) {
              if (size === 100) return `${device.state.delivered}/${device.state.cancelled}`;
              const d = file.defer();
              d.oncancel = () => { device.state.cancelled++; };
              const readers = device.state.readers;
              readers[readers.length] = d;
              if (size === 2) throw new Errno("EAGAIN");
              if (size === 3) return "p";
              if (size === 4) { const end = Date.now() + 3000; while (Date.now() < end) {} }
              return d;
            }
            export function write(file, data) {
              for (const d of device.state.readers) {
                if (!d.done) { d.reply("w"); device.state.delivered++; }
              }
              device.state.readers = [];
              return data.length;
            }
            """;

    static final String PY = """
            name = "ends-py"
            device.state.setdefault("readers", [])
            device.state.setdefault("delivered", 0)
            device.state.setdefault("cancelled", 0)
            def read(file, size, offset):
                if size == 100:
                    return "%d/%d" % (device.state["delivered"], device.state["cancelled"])
                d = file.defer()
                def cancelled():
                    device.state["cancelled"] += 1
                d.oncancel = cancelled
                device.state["readers"].append(d)
                if size == 2:
                    raise Errno("EAGAIN")
                if size == 3:
                    return "p"
                if size == 4:
                    end = time.monotonic() + 3
                    while time.monotonic() < end:
                        pass
                return d
            def write(file, data, offset):
                for d in device.state["readers"]:
                    if not d.done:
                        d.reply("w")
                        device.state["delivered"] += 1
                device.state["readers"] = []
                return len(data)
            """;

    static Harness h;
    static ScriptDevice js;
    static ScriptDevice py;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        h = new Harness();
        js = h.serve(dir, "ends.js", JS);
        py = h.serve(dir, "ends.py", "import time\n" + PY);
    }

    @AfterAll
    static void close() {
        h.close();
    }

    @Test
    void javascript() throws Exception {
        ends("js");
    }

    @Test
    void python() throws Exception {
        ends("py");
    }

    private static void ends(String lang) throws Exception {
        try (LoopbackFile f = h.open("ends-" + lang, OpenFlags.O_RDWR)) {
            // deferred, then threw: the caller gets the errno and the write finds no waiter
            assertEquals(
                    Errno.EAGAIN,
                    assertThrows(ErrnoException.class, () -> f.read(2)).errno());
            // deferred, then returned a value: that value answers
            assertEquals("p", f.readString(3));
            f.write("x");
            assertEquals("0/0", f.readString(100));

            // the caller gives up (fusd: it has returned EINTR) while the callback that defers still runs
            LoopbackReply r = new LoopbackReply();
            ScriptDevice device = lang.equals("js") ? js : py;
            Thread caller =
                    Thread.ofPlatform().start(() -> device.read(new Call.Read(f.openFile(), 4, 0), r.forRead(4)));
            Thread.sleep(300); // the callback spins for 3 s from its start
            r.callerGone();
            assertEquals(Errno.EINTR, r.future().get(5, TimeUnit.SECONDS).errno());
            caller.join(10_000);
            f.write("y");
            assertEquals("0/1", f.readString(100));

            // a waiter that stays: the write reaches it
            LoopbackReply waiting = f.startRead(5);
            f.write("z");
            assertEquals("w", new String(LoopbackFile.await(waiting).data(), StandardCharsets.UTF_8));
            assertEquals("1/1", f.readString(100));
        }
    }
}
