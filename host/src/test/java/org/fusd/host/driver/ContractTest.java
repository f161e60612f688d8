package org.fusd.host.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver contract, the same in both languages: one JS and one Python
 * script each answer a read according to its size (size selects the case), so
 * two contexts cover errors thrown and returned, wrong types, deferred
 * replies, state, and the defaults for missing callbacks.
 */
class ContractTest {
    static final String JS = """
            export const name = "contract-js";
            export function read(file, size, offset) {
              switch (size) {
                case 1: return "a";
                case 2: null.boom;                                   // line 5: TypeError
                case 3: return true;                                 // wrong type
                case 4: throw new Errno("EAGAIN");
                case 5: return -28;                                  // ENOSPC
                case 6: throw Errno.EPIPE;
                case 7: return new Promise((ok) => setTimeout(() => ok("late"), 1000));
                case 8: { const d = file.defer(); setTimeout(() => d.fail("ETIMEDOUT"), 20); return d; }
                case 9: { file.state.n = (file.state.n ?? 0) + 1; device.state.total = (device.state.total ?? 0) + 1;
                          return `${file.state.n}/${device.state.total}`; }
                case 10: file.state.f = () => 1; return "stored";    // refused: a function
                case 11: { const d = file.defer(); d.oncancel = () => { device.state.cancelled = true; }; return d; }
                case 12: return device.state.cancelled ? "yes" : "no";
                case 13: file.state.b = new Uint8Array([1, 2, 3]); file.state.m = {x: [1, "two", null]};
                         return file.state.b;
                case 14: return new Promise((ok, fail) => fail(new Errno("EBUSY")));
                case 15: return file.nonblock ? "nb" : "b";
                case 16: return String(file.pid);
              }
              return new ArrayBuffer(size);
            }
            export function write(file, data, offset) { return data.length >= 3 ? 2 : undefined; }
            """;

    static final String PY = """
            name = "contract-py"
            def read(file, size, offset):
                if size == 1: return "a"
                if size == 2: return 1 / 0                                # line 4: ZeroDivisionError
                if size == 3: return True
                if size == 4: raise Errno("EAGAIN")
                if size == 5: return -28
                if size == 6: raise Errno.EPIPE
                if size == 7:
                    d = file.defer()
                    set_timeout(lambda: d.reply("late"), 1000)
                    return d
                if size == 8:
                    d = file.defer()
                    set_timeout(lambda: d.fail("ETIMEDOUT"), 20)
                    return d
                if size == 9:
                    file.state["n"] = (file.state.get("n") or 0) + 1
                    device.state["total"] = (device.state.get("total") or 0) + 1
                    return "%d/%d" % (file.state["n"], device.state["total"])
                if size == 10:
                    file.state["f"] = lambda: 1
                    return "stored"
                if size == 11:
                    d = file.defer()
                    def cancelled():
                        device.state["cancelled"] = True
                    d.oncancel = cancelled
                    return d
                if size == 12: return "yes" if device.state.get("cancelled") else "no"
                if size == 13:
                    file.state["b"] = bytes([1, 2, 3])
                    file.state["m"] = {"x": [1, "two", None]}
                    return file.state["b"]
                if size == 15: return "nb" if file.nonblock else "b"
                if size == 16: return str(file.pid)
                return bytearray(size)
            def write(file, data, offset):
                return 2 if len(data) >= 3 else None
            """;

    static Harness h;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        h = new Harness();
        h.serve(dir, "contract.js", JS);
        h.serve(dir, "contract.py", PY);
    }

    @AfterAll
    static void close() {
        h.close();
    }

    private static LoopbackFile open(String lang) {
        return h.open("contract-" + lang, OpenFlags.O_RDWR);
    }

    private static Errno errnoOf(LoopbackFile f, int size) {
        return assertThrows(ErrnoException.class, () -> f.read(size)).errno();
    }

    private static void contract(String lang, String file, int throwLine) throws Exception {
        try (LoopbackFile f = open(lang)) {
            assertEquals("a", f.readString(1));
            // an uncaught exception: EIO, a message with file:line, and the device keeps serving
            assertEquals(Errno.EIO, errnoOf(f, 2));
            String line = h.awaitLog(file + ":" + throwLine, "contract-" + lang);
            assertTrue(line.contains("read"), line);
            assertEquals("a", f.readString(1));
            // a wrong return type: EIO and a message naming the callback and the type
            assertEquals(Errno.EIO, errnoOf(f, 3));
            h.awaitLog("read returned a boolean", "contract-" + lang);
            // errnos thrown and returned
            assertEquals(Errno.EAGAIN, errnoOf(f, 4));
            assertEquals(Errno.ENOSPC, errnoOf(f, 5));
            assertEquals(Errno.EPIPE, errnoOf(f, 6));
            // deferred replies: the device serves other calls meanwhile
            LoopbackReply late = f.startRead(7);
            assertEquals("a", f.readString(1));
            assertFalse(late.isDone());
            assertEquals("late", new String(LoopbackFile.await(late).data(), StandardCharsets.UTF_8));
            assertEquals(Errno.ETIMEDOUT, errnoOf(f, 8));
            // state: per open and per device
            assertEquals("1/1", f.readString(9));
            assertEquals("2/2", f.readString(9));
            try (LoopbackFile g = open(lang)) {
                assertEquals("1/3", g.readString(9));
            }
            // state holds data only
            assertEquals(Errno.EIO, errnoOf(f, 10));
            h.awaitLog("state cannot hold a function", "contract-" + lang);
            assertArrayEquals(new byte[] {1, 2, 3}, f.read(13));
            // an interrupted deferred read: EINTR for the caller, oncancel for the script
            assertEquals("no", f.readString(12));
            LoopbackReply r = f.startRead(11);
            f.poll(); // calls run in order: once this is answered, the read is deferred
            r.interrupt();
            assertEquals(Errno.EINTR, r.future().get(5, TimeUnit.SECONDS).errno());
            for (int i = 0; i < 100 && !f.readString(12).equals("yes"); i++) {
                Thread.sleep(10);
            }
            assertEquals("yes", f.readString(12));
            // file fields
            assertEquals("b", f.readString(15));
            f.setFlags(OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK);
            assertEquals("nb", f.readString(15));
            assertEquals(String.valueOf(ProcessHandle.current().pid()), f.readString(16));
            // bytes of either language, truncated to the size asked
            assertArrayEquals(new byte[100], f.read(100));
            // write: a count, or nothing for all
            assertEquals(2, f.write("abc"));
            assertEquals(2, f.write("ab"));
        }
    }

    @Test
    void javascript() throws Exception {
        contract("js", "contract.js", 5);
        try (LoopbackFile f = open("js")) {
            assertEquals(Errno.EBUSY, errnoOf(f, 14)); // a rejected promise with an Errno
        }
    }

    @Test
    void python() throws Exception {
        contract("py", "contract.py", 4);
    }

    @Test
    void stateKeepsHostValues() {
        try (LoopbackFile f = open("js")) {
            f.read(13);
            ScriptFile sf = (ScriptFile) f.openFile().state();
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) sf.state.get("b"));
            StateObject m = (StateObject) sf.state.get("m");
            assertEquals(
                    java.util.Arrays.asList(1, "two", null),
                    new java.util.ArrayList<>(((StateList) m.get("x")).snapshot()));
        }
    }
}
