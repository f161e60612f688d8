package org.fusd.host.reload;

import static org.fusd.host.reload.ReloadFixture.awaitVersion;
import static org.fusd.host.reload.ReloadFixture.python;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.fusd.host.driver.ScriptDevice;
import org.junit.jupiter.api.Test;

/**
 * Many reloads while clients read and write without pause: every byte each
 * client writes comes back once, in order, and no call fails.
 */
class ReloadStressTest {

    /**
     * Per-open echo: a write appends to file.state.buf or answers the blocked
     * read; a read takes from the buffer or waits. Even versions keep the
     * waiting read in file.state (it stays across the reload); odd versions in
     * a module-level map (it is handed to the next code). Both look in both.
     */
    private static String echoJs(int version) {
        return """
                export const name = "stress-js";
                // version %d
                const held = new Map();
                const KEEP_IN_STATE = %s;
                function takeWaiter(file) {
                    let d = file.state.waiter;
                    if (d) { file.state.waiter = null; if (!d.done) return d; }
                    d = held.get(file.id);
                    held.delete(file.id);
                    return d && !d.done ? d : null;
                }
                export function write(file, data) {
                    const d = takeWaiter(file);
                    if (d) { d.reply(data); return data.length; }
                    const old = file.state.buf ?? new Uint8Array(0);
                    const joined = new Uint8Array(old.length + data.length);
                    joined.set(old);
                    joined.set(data, old.length);
                    file.state.buf = joined;
                    return data.length;
                }
                export function read(file, size) {
                    const buf = file.state.buf;
                    if (buf && buf.length > 0) {
                        const n = Math.min(size, buf.length);
                        file.state.buf = buf.subarray(n);
                        return buf.subarray(0, n);
                    }
                    const d = file.defer();
                    if (KEEP_IN_STATE) file.state.waiter = d; else held.set(file.id, d);
                    return d;
                }
                """.formatted(version, version % 2 == 0 ? "true" : "false");
    }

    private static String echoPy(int version) {
        return """
                name = "stress-py"
                # version %d
                held = {}
                KEEP_IN_STATE = %s
                def take_waiter(file):
                    d = file.state.get("waiter")
                    if d is not None:
                        file.state["waiter"] = None
                        if not d.done:
                            return d
                    d = held.pop(file.id, None)
                    return d if d is not None and not d.done else None
                def write(file, data, offset):
                    d = take_waiter(file)
                    if d is not None:
                        d.reply(data)
                        return len(data)
                    file.state["buf"] = bytes(file.state.get("buf") or b"") + bytes(data)
                    return len(data)
                def read(file, size, offset):
                    buf = file.state.get("buf")
                    if buf:
                        file.state["buf"] = buf[size:]
                        return buf[:size]
                    d = file.defer()
                    if KEEP_IN_STATE:
                        file.state["waiter"] = d
                    else:
                        held[file.id] = d
                    return d
                """.formatted(version, version % 2 == 0 ? "True" : "False");
    }

    /**
     * One client: a writer thread sends a seeded random byte stream in random
     * chunks, a reader thread (mostly blocked in read) checks it comes back
     * exactly; on "stop" the writer ends and the reader drains.
     */
    private static final String CLIENT = """
            fd = os.open(sys.argv[1], os.O_RDWR)
            seed = int(sys.argv[2])
            wrote = 0
            got = 0
            stop = threading.Event()
            done_writing = threading.Event()
            final_total = [None]
            errors = []
            def stream(n0, n):
                r = random.Random(seed * 1000003 + n0 // 4096)
                block = bytes(r.getrandbits(8) for _ in range(4096))
                return block[n0 % 4096:][:n]
            def expect(off, n):
                out_ = b""
                while len(out_) < n:
                    part = stream(off + len(out_), n - len(out_))
                    out_ += part
                return out_
            def writer():
                global wrote
                r = random.Random(seed)
                try:
                    while not stop.is_set():
                        if wrote - got > 32768:
                            time.sleep(0.001)
                            continue
                        n = r.randint(1, 3000)
                        data = expect(wrote, n)
                        k = os.write(fd, data)
                        if k != n:
                            errors.append("short write %d of %d" % (k, n))
                        wrote += k
                    # the reader may be blocked in read with everything consumed: one last byte ends it
                    final_total[0] = wrote + 1
                    done_writing.set()
                    os.write(fd, expect(wrote, 1))
                    wrote += 1
                except Exception as e:
                    errors.append("write: %r" % e)
                    final_total[0] = wrote
                    done_writing.set()
            def reader():
                global got
                try:
                    while not (done_writing.is_set() and got >= final_total[0]):
                        data = os.read(fd, 65536)
                        if not data:
                            errors.append("EOF at %d" % got)
                            break
                        if data != expect(got, len(data)):
                            errors.append("wrong bytes at %d" % got)
                            break
                        got += len(data)
                except Exception as e:
                    errors.append("read: %r" % e)
            tw = threading.Thread(target=writer)
            tr = threading.Thread(target=reader)
            tw.start(); tr.start()
            out("running")
            sys.stdin.readline()
            stop.set()
            tw.join()
            tr.join(10)
            if tr.is_alive():
                errors.append("reader stuck at %d of %d" % (got, wrote))
            out("wrote", wrote, "got", got, "errors", len(errors), *errors[:5])
            os._exit(0)
            """;

    private static void stress(
            String file, java.util.function.IntFunction<String> text, String name, int reloads, int clients)
            throws Exception {
        try (ReloadFixture fx = new ReloadFixture(false)) {
            ScriptDevice d = fx.serve(file, text.apply(1));
            List<ReloadFixture.Client> cs = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    cs.add(python(CLIENT, fx.path(name), Integer.toString(i + 1)));
                }
                for (ReloadFixture.Client c : cs) {
                    c.await("running");
                }
                long t0 = System.nanoTime();
                for (int v = 2; v <= reloads + 1; v++) {
                    if (v % 2 == 0) {
                        fx.rewrite(file, text.apply(v));
                    } else {
                        fx.replace(file, text.apply(v));
                    }
                    awaitVersion(d, v);
                }
                System.err.printf("%d reloads of %s in %.1f s%n", reloads, name, (System.nanoTime() - t0) / 1e9);
                for (ReloadFixture.Client c : cs) {
                    c.send("stop");
                }
                long total = 0;
                for (ReloadFixture.Client c : cs) {
                    String[] r = c.await("wrote").split(" ");
                    assertEquals(r[1], r[3], "every byte written came back once: " + String.join(" ", r));
                    assertEquals("0", r[5], "client errors: " + String.join(" ", r));
                    total += Long.parseLong(r[1]);
                    c.finish();
                }
                System.err.printf("%d clients moved %d bytes each way%n", clients, total);
                assertTrue(total > 0);
                assertEquals(reloads + 1, d.version());
                assertTrue(fx.err.isEmpty(), "no errors reported: " + fx.err);
            } finally {
                cs.forEach(ReloadFixture.Client::close);
            }
        }
    }

    @Test
    void jsTwoHundredReloadsWithEightBusyClients() throws Exception {
        stress("stress.js", ReloadStressTest::echoJs, "stress-js", 200, 8);
    }

    @Test
    void pythonReloadsWithBusyClients() throws Exception {
        stress("stress.py", ReloadStressTest::echoPy, "stress-py", 20, 4);
    }
}
