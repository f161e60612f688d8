package org.fusd.host.driver;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.fusd.host.device.Errno;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

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
              const ms = (t) => (t === undefined || t === null) ? 0 : +t;
              Object.assign(g, {
                Errno,
                device: host.device,
                POLLIN: 0x001, POLLPRI: 0x002, POLLOUT: 0x004, POLLERR: 0x008, POLLHUP: 0x010,
                POLLNVAL: 0x020, POLLRDNORM: 0x040, POLLWRNORM: 0x100,
                setTimeout: (fn, t, ...args) => setTimer(fn, ms(t), false, args),
                setInterval: (fn, t, ...args) => setTimer(fn, ms(t), true, args),
                clearTimeout: (id) => { if (id !== undefined && id !== null) clearTimer(id); },
                clearInterval: (id) => { if (id !== undefined && id !== null) clearTimer(id); },
              });
              const code = (t) => typeof t === 'string' ? t.charCodeAt(0) : t;
              const ioc = (dir, t, nr, size) => ((dir << 30) | (size << 16) | (code(t) << 8) | nr) >>> 0;
              Object.assign(g, {
                _IO: (t, nr) => ioc(0, t, nr, 0),
                _IOW: (t, nr, size) => ioc(1, t, nr, size),
                _IOR: (t, nr, size) => ioc(2, t, nr, size),
                _IOWR: (t, nr, size) => ioc(3, t, nr, size),
                _IOC_SIZE: (cmd) => (cmd >>> 16) & 0x3fff,
              });
              return {
                view: (hostBuffer) => new Uint8Array(new ArrayBuffer(hostBuffer)),
              };
            })
            """.formatted(String.join(", ", Errno.all().keySet().stream().map(n -> "'" + n + "'").toList()));

    private final Value view;

    private JsCode(Path path, Context context, Value helpers) {
        super(path, context);
        this.view = helpers.getMember("view");
    }

    static JsCode load(Path path, String text, Context context, Object bridge) {
        Value helpers = context.eval(Source.create("js", PRELUDE)).execute(bridge);
        JsCode code = new JsCode(path, context, helpers);
        Source src = Source.newBuilder("js", text, path.toString())
                .mimeType("application/javascript+module").buildLiteral();
        code.bind(context.eval(src));
        return code;
    }

    @Override
    Object guestData(ByteBuffer data) {
        return view.execute(data.slice());
    }

    @Override
    Object guestBytes(byte[] bytes) {
        return view.execute(ByteBuffer.wrap(bytes.clone()));
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
