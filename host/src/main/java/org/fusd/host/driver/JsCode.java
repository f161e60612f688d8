package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.fusd.host.device.Errno;
import org.fusd.host.device.Op;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/** A JavaScript driver: an ES module whose exports are the contract. */
final class JsCode extends LoadedCode {

    /** Defines the globals every JS driver sees; evaluated before the module. */
    private static final String PRELUDE = """
            (function (host) {
              'use strict';
              const g = globalThis;
              class Errno extends Error {
                constructor(errno, message) {
                  super(message === undefined ? String(errno) : message);
                  this._fusd_errno = errno;
                }
                get name() { return 'Errno'; }
              }
              for (const n of [%s]) {
                Object.defineProperty(Errno, n, { get() { return new Errno(n); }, enumerable: true });
              }
              const setTimer = host.setTimer, clearTimer = host.clearTimer;
              const hostio = host.io;
              const ms = (t) => (t === undefined || t === null) ? 0 : +t;
              Object.assign(g, {
                Errno,
                device: host.device,
                hostio,
                setTimeout: (fn, t, ...args) => setTimer(fn, ms(t), false, args),
                setInterval: (fn, t, ...args) => setTimer(fn, ms(t), true, args),
                clearTimeout: (id) => { if (id !== undefined && id !== null) clearTimer(id); },
                clearInterval: (id) => { if (id !== undefined && id !== null) clearTimer(id); },
              });
              // ArrayBuffers over host memory (device.buffer) and the host buffers they view:
              // a read answered with one goes out without a copy.
              const lent = new WeakMap();
              return {
                // an I/O call without a callback returns the promise; the host settles it with (error, value)
                pending: () => {
                  let settle;
                  const p = new Promise((resolve, reject) => {
                    settle = (e, v) => { if (e !== null && e !== undefined) reject(e); else resolve(v); };
                  });
                  return [p, settle];
                },
                error: (name, message) => new Errno(name, message),
                view: (hostBuffer) => new Uint8Array(new ArrayBuffer(hostBuffer)),
                lend: (hostBuffer) => {
                  const b = new ArrayBuffer(hostBuffer);
                  lent.set(b, hostBuffer);
                  return b;
                },
                // Small reads, lent or not, are copied into the host's scratch buffer (cheaper
                // than any call back into the host); larger lent memory goes back as the host
                // buffer it is (sliced by the host); other larger reads come back as an
                // ArrayBuffer the host copies in bulk (writing a host buffer from JS goes byte
                // by byte).
                wrapRead: (fn, hostScratch, slice) => {
                  const out = new Uint8Array(new ArrayBuffer(hostScratch));
                  const SMALL = 16;
                  return function read(file, size, offset) {
                    const r = fn(file, size, offset);
                    if (r instanceof Uint8Array) {
                      const n = r.length < size ? r.length : size;
                      if (n <= SMALL) {
                        for (let i = 0; i < n; i++) out[i] = r[i];
                        return n;
                      }
                      const h = lent.get(r.buffer);
                      if (h !== undefined) return slice(h, r.byteOffset, n);
                      const b = r.buffer;
                      return r.byteOffset === 0 && n === b.byteLength ? b : b.slice(r.byteOffset, r.byteOffset + n);
                    }
                    if (r instanceof ArrayBuffer) {
                      const n = r.byteLength < size ? r.byteLength : size;
                      if (n <= SMALL) {
                        const v = new Uint8Array(r, 0, n);
                        for (let i = 0; i < n; i++) out[i] = v[i];
                        return n;
                      }
                      const h = lent.get(r);
                      return h !== undefined ? slice(h, 0, n) : r;
                    }
                    return [r];
                  };
                },
              };
            })
            """.formatted(String.join(
            ", ", Errno.all().keySet().stream().map(n -> "'" + n + "'").toList()));

    /** The bytes of a lent buffer a read returns: (buffer, offset, length) to a host buffer. */
    private static final ProxyExecutable SLICE =
            a -> a[0].<ByteBuffer>asHostObject().slice(a[1].asInt(), a[2].asInt());

    /** Reads of at most 16 bytes are copied through it. */
    private static final int READ_SCRATCH = 64;

    private final Value view;
    private final Value lend;
    private final Value wrapRead;
    private final Value pending;
    private final Value error;
    /** JS writes here; its position and limit never move (JS sizes its view by them). */
    private final ByteBuffer readScratch = ByteBuffer.allocate(READ_SCRATCH);
    /** The same bytes, limited to each reply. */
    private final ByteBuffer replyView = readScratch.duplicate();

    private JsCode(Path path, Context context, Value helpers) {
        super(path, context);
        this.view = helpers.getMember("view");
        this.lend = helpers.getMember("lend");
        this.wrapRead = helpers.getMember("wrapRead");
        this.pending = helpers.getMember("pending");
        this.error = helpers.getMember("error");
    }

    @Override
    Value wrap(Op op, Value fn) {
        return op == Op.READ && fn != null ? wrapRead.execute(fn, readScratch, SLICE) : fn;
    }

    @Override
    ByteBuffer readScratch() {
        return replyView;
    }

    static JsCode load(Path path, String text, Context context, Object bridge, Consumer<LoadedCode> created) {
        ConstantsPrelude.js(context);
        Value helpers = context.eval(
                        Source.newBuilder("js", PRELUDE, "fusd-prelude.js").buildLiteral())
                .execute(bridge);
        JsCode code = new JsCode(path, context, helpers);
        created.accept(code);
        Source src;
        try {
            // from the file, so that relative imports resolve next to it; named by the path as given
            src = Source.newBuilder("js", path.toAbsolutePath().toFile())
                    .content(text)
                    .name(path.toString())
                    .mimeType("application/javascript+module")
                    .build();
        } catch (java.io.IOException e) {
            throw new ScriptLoadException(path + ": cannot read: " + e.getMessage());
        }
        code.bind(context.eval(src));
        return code;
    }

    @Override
    Object guestData(ByteBuffer data) {
        return view.execute(data.slice());
    }

    @Override
    Value lend(ByteBuffer memory) {
        return lend.execute(memory);
    }

    @Override
    Object guestBytes(byte[] bytes) {
        return view.execute(ByteBuffer.wrap(bytes.clone()));
    }

    @Override
    Object ioError(org.fusd.host.io.IoError e) {
        return error.execute(e.errno().name(), e.message());
    }

    @Override
    Value[] promise() {
        Value pair = pending.execute();
        return new Value[] {pair.getArrayElement(0), pair.getArrayElement(1)};
    }

    @Override
    boolean isPromise(Value v) {
        if (v.isHostObject() || v.isProxyObject() || !v.hasMembers()) {
            return false;
        }
        Value then = v.getMember("then");
        return then != null && then.canExecute();
    }
}
