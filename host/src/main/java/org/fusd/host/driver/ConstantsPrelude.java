package org.fusd.host.driver;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;

/**
 * The constants and helpers a driver and a driver's tests share: the poll
 * events and the ioctl number helpers ({@code _IO}, {@code _IOW}, ...),
 * defined as globals (JS) or names in the main module (Python) before the
 * script's own prelude runs.
 */
public final class ConstantsPrelude {
    private ConstantsPrelude() {}

    private static final Source JS =
            Source.newBuilder("js", """
                    (function () {
                      'use strict';
                      const code = (t) => typeof t === 'string' ? t.charCodeAt(0) : t;
                      const ioc = (dir, t, nr, size) => ((dir << 30) | (size << 16) | (code(t) << 8) | nr) >>> 0;
                      Object.assign(globalThis, {
                        POLLIN: 0x001, POLLPRI: 0x002, POLLOUT: 0x004, POLLERR: 0x008, POLLHUP: 0x010,
                        POLLNVAL: 0x020, POLLRDNORM: 0x040, POLLWRNORM: 0x100,
                        PROT_READ: 0x1, PROT_WRITE: 0x2, PROT_EXEC: 0x4,
                        SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_DATA: 3, SEEK_HOLE: 4,
                        _IO: (t, nr) => ioc(0, t, nr, 0),
                        _IOW: (t, nr, size) => ioc(1, t, nr, size),
                        _IOR: (t, nr, size) => ioc(2, t, nr, size),
                        _IOWR: (t, nr, size) => ioc(3, t, nr, size),
                        _IOC_SIZE: (cmd) => (cmd >>> 16) & 0x3fff,
                      });
                    })();
                    """, "fusd-constants.js").buildLiteral();

    private static final Source PYTHON =
            Source.newBuilder("python", """
                    POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP = 0x001, 0x002, 0x004, 0x008, 0x010
                    POLLNVAL, POLLRDNORM, POLLWRNORM = 0x020, 0x040, 0x100
                    PROT_READ, PROT_WRITE, PROT_EXEC = 0x1, 0x2, 0x4
                    SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE = 0, 1, 2, 3, 4


                    def _IOC(d, t, nr, size):
                        return (d << 30) | (size << 16) | ((ord(t) if isinstance(t, str) else t) << 8) | nr


                    def _IO(t, nr):
                        return _IOC(0, t, nr, 0)


                    def _IOW(t, nr, size):
                        return _IOC(1, t, nr, size)


                    def _IOR(t, nr, size):
                        return _IOC(2, t, nr, size)


                    def _IOWR(t, nr, size):
                        return _IOC(3, t, nr, size)


                    def _IOC_SIZE(cmd):
                        return (cmd >> 16) & 0x3fff
                    """, "fusd-constants.py").buildLiteral();

    /** Defines the constants in a JavaScript context. */
    public static void js(Context context) {
        context.eval(JS);
    }

    /** Defines the constants in a Python context's main module. */
    public static void python(Context context) {
        context.eval(PYTHON);
    }
}
