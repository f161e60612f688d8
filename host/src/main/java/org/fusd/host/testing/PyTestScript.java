package org.fusd.host.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.driver.ConstantsPrelude;
import org.fusd.host.driver.ScriptLoadException;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * A Python test file: a module defining its test functions. The prelude is the
 * `t` API (types/fusd.pyi: Test, TestFile, Pending) and the helpers that load
 * the file and run a test, which find the test file's line in the traceback.
 */
final class PyTestScript extends TestScript {
    private static final String PRELUDE = """
            import os as _fusd_os
            import sys as _fusd_sys
            import traceback as _fusd_traceback

            _FUSD_ERRNOS = ERRNO_TABLE


            def _fusd_settle(o):
                if o.problem is not None:
                    raise RuntimeError(o.problem)
                if o.errno is not None:
                    n = int(o.number)
                    raise OSError(n, "%s (%s from %s)" % (_fusd_os.strerror(n), o.errno, o.call))
                return o


            def _fusd_bytes(o):
                return o.bytes.encode("latin-1")


            def _fusd_number(o):
                return int(o.number)


            class _FusdPending:
                def __init__(self, call, convert):
                    self._call = call
                    self._convert = convert

                @property
                def done(self):
                    return self._call.done()

                def blocked(self, ms=50):
                    return not self._call.awaitDone(ms)

                def interrupt(self):
                    self._call.interrupt()

                def wait(self):
                    return self._convert(_fusd_settle(self._call.outcome()))


            class _FusdMapping:
                def __init__(self, api, map_id, length, prot):
                    self._api = api
                    self._id = map_id
                    self.length = length
                    self.prot = prot

                def read(self, offset=0, length=None):
                    n = self.length - offset if length is None else length
                    return _fusd_bytes(_fusd_settle(self._api.mapRead(self._id, offset, n).outcome()))

                def read_text(self, offset=0, length=None):
                    n = self.length - offset if length is None else length
                    return _fusd_settle(self._api.mapRead(self._id, offset, n).outcome()).text

                def write(self, offset, data):
                    _fusd_settle(self._api.mapWrite(self._id, offset, data).outcome())

                def close(self):
                    _fusd_settle(self._api.munmap(self._id).outcome())

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    self.close()


            class _FusdFile:
                def __init__(self, api, fd):
                    self._api = api
                    self.fd = fd

                def start_read(self, size=65536):
                    return _FusdPending(self._api.read(self.fd, size), _fusd_bytes)

                def read(self, size=65536):
                    return self.start_read(size).wait()

                def read_text(self, size=65536):
                    return _FusdPending(self._api.read(self.fd, size), lambda o: o.text).wait()

                def start_write(self, data):
                    return _FusdPending(self._api.write(self.fd, data), _fusd_number)

                def write(self, data):
                    return self.start_write(data).wait()

                def start_ioctl(self, cmd, arg=0):
                    d = (cmd >> 30) & 3
                    num = arg if isinstance(arg, int) else 0
                    data = arg if d & 1 and not isinstance(arg, int) else None
                    return _FusdPending(self._api.ioctl(self.fd, cmd, num, data), _fusd_bytes if d & 2 else _fusd_number)

                def ioctl(self, cmd, arg=0):
                    return self.start_ioctl(cmd, arg).wait()

                def poll(self, events=POLLIN | POLLOUT, timeout_ms=0):
                    return int(_fusd_settle(self._api.poll(self.fd, events, timeout_ms).outcome()).number)

                def set_flags(self, flags):
                    _fusd_settle(self._api.setFlags(self.fd, flags).outcome())

                def mmap(self, length, prot=PROT_READ, offset=0):
                    o = _fusd_settle(self._api.mmap(self.fd, length, prot, offset).outcome())
                    return _FusdMapping(self._api, int(o.number), length, prot)

                def close(self):
                    _fusd_settle(self._api.close(self.fd).outcome())

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    self.close()


            class _FusdRaises:
                def __init__(self, code):
                    self.code = code
                    self.error = None

                def __enter__(self):
                    return self

                def __exit__(self, kind, value, tb):
                    if value is None:
                        raise AssertionError("expected %s, but nothing failed" % self.code)
                    if isinstance(value, OSError) and value.errno == _FUSD_ERRNOS[self.code]:
                        self.error = value
                        return True
                    raise AssertionError("expected %s, got %s: %s" % (self.code, type(value).__name__, value))


            class _FusdTest:
                def __init__(self, api):
                    self._api = api

                @property
                def name(self):
                    return self._api.name()

                @property
                def path(self):
                    return self._api.path()

                @property
                def channel(self):
                    return self._api.channel()

                @property
                def pid(self):
                    return self._api.pid()

                def start_open(self, flags=_fusd_os.O_RDWR, uid=None, gid=None, device=None):
                    call = self._api.open(flags, -1 if uid is None else uid, -1 if gid is None else gid, device)
                    return _FusdPending(call, lambda o: _FusdFile(self._api, int(o.number)))

                def open(self, flags=_fusd_os.O_RDWR, uid=None, gid=None, device=None):
                    return self.start_open(flags, uid, gid, device).wait()

                def eq(self, actual, expected, message=None):
                    a, e = actual, expected
                    if isinstance(a, (bytes, bytearray)) and isinstance(e, str):
                        e = e.encode()
                    elif isinstance(e, (bytes, bytearray)) and isinstance(a, str):
                        a = a.encode()
                    if a != e:
                        raise AssertionError("%sexpected %r, got %r" % (message + ": " if message else "", expected, actual))

                def ok(self, value, message=None):
                    if not value:
                        raise AssertionError(message or "expected a true value, got %r" % (value,))

                def fail(self, message="failed"):
                    raise AssertionError(message)

                def raises(self, code, fn=None, *args):
                    if code not in _FUSD_ERRNOS:
                        raise ValueError("unknown errno name: %r" % (code,))
                    r = _FusdRaises(code)
                    if fn is None:
                        return r
                    with r:
                        fn(*args)
                    return r.error


            def _fusd_same(filename, path):
                # GraalPy makes code file names absolute
                return filename is not None and _fusd_os.path.abspath(filename) == _fusd_os.path.abspath(path)


            def _fusd_failure(e, path):
                tb = _fusd_traceback.extract_tb(e.__traceback__)
                lines = [f.lineno or 0 for f in tb if _fusd_same(f.filename, path)]
                if isinstance(e, SyntaxError) and _fusd_same(e.filename, path):
                    lines.append(e.lineno or 0)
                text = e.msg if isinstance(e, SyntaxError) else str(e)
                return [type(e).__name__ + (": " + text if text else ""), lines[::-1]]


            def _fusd_load(text, path):
                _fusd_sys.dont_write_bytecode = True
                _fusd_sys.path.insert(0, _fusd_os.path.dirname(_fusd_os.path.abspath(path)))
                try:
                    exec(compile(text, path, "exec"), globals())
                except BaseException as e:
                    return _fusd_failure(e, path)
                return None


            def _fusd_tests(path):
                found = []
                for n, f in list(globals().items()):
                    c = getattr(f, "__code__", None)
                    if n.startswith("test") and callable(f) and c is not None and _fusd_same(c.co_filename, path):
                        found.append([n, f, c.co_firstlineno])
                return found


            def _fusd_run(fn, api, path):
                try:
                    fn(_FusdTest(api))
                except BaseException as e:
                    return _fusd_failure(e, path)
                return None
            """;

    private Value globals;

    PyTestScript(Path path, Context context) {
        super(path, context);
    }

    @Override
    void evaluate(String text) {
        globals = context.getBindings("python");
        ConstantsPrelude.python(context);
        context.eval(Source.newBuilder("python", PRELUDE.replace("ERRNO_TABLE", errnoTable()), "fusd-test-prelude.py")
                .buildLiteral());
        Value failed = globals.getMember("_fusd_load").execute(text, path.toString());
        if (!failed.isNull()) {
            List<Integer> lines = lines(failed.getArrayElement(1));
            int line = lines.isEmpty() ? 0 : lines.get(0);
            throw new ScriptLoadException(path + (line > 0 ? ":" + line : "") + ": "
                    + failed.getArrayElement(0).asString());
        }
        List<TestCase> found = new ArrayList<>();
        Value list = globals.getMember("_fusd_tests").execute(path.toString());
        for (long i = 0; i < list.getArraySize(); i++) {
            Value t = list.getArrayElement(i);
            found.add(new TestCase(
                    t.getArrayElement(0).asString(), t.getArrayElement(2).asInt(), t.getArrayElement(1)));
        }
        setTests(found);
    }

    @Override
    public Failure run(TestCase test, TestApi api) {
        Value failed = globals.getMember("_fusd_run").execute(test.fn(), api, path.toString());
        if (failed.isNull()) {
            return null;
        }
        return new Failure(failed.getArrayElement(0).asString(), lines(failed.getArrayElement(1)));
    }

    private static List<Integer> lines(Value list) {
        List<Integer> lines = new ArrayList<>();
        for (long i = 0; i < list.getArraySize(); i++) {
            lines.add(list.getArrayElement(i).asInt());
        }
        return lines;
    }
}
