package org.fusd.host.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.fusd.host.driver.ConstantsPrelude;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;

/** A JavaScript test file: an ES module exporting its test functions. The prelude is the `t` API (types/fusd-test.d.ts). */
final class JsTestScript extends TestScript {
    private static final String PRELUDE = """
            (function (ERRNOS) {
              'use strict';
              const g = globalThis;
              class Errno extends Error {
                constructor(code, message) {
                  super(message === undefined ? String(code) : message);
                  this.code = code;
                  this.errno = ERRNOS[code];
                }
                get name() { return 'Errno'; }
              }
              for (const n of Object.keys(ERRNOS)) {
                Object.defineProperty(Errno, n, { get() { return new Errno(n); }, enumerable: true });
              }
              class AssertionError extends Error {
                get name() { return 'AssertionError'; }
              }
              Object.assign(g, {
                Errno, AssertionError,
                O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_TRUNC: 0o1000, O_APPEND: 0o2000, O_NONBLOCK: 0o4000,
              });
              const bytes = (s) => {
                const b = new Uint8Array(s.length);
                for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
                return b;
              };
              const isBytes = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
              const toBytes = (v) => typeof v === 'string' ? bytes(unescape(encodeURIComponent(v)))
                  : v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
              const settle = (o) => {
                if (o.problem !== null) throw new Error(o.problem);
                if (o.errno !== null) throw new Errno(o.errno, o.errno + ' from ' + o.call);
                return o;
              };
              const show = (v) => {
                if (typeof v === 'string') return JSON.stringify(v);
                if (isBytes(v)) {
                  const b = toBytes(v);
                  let s = '';
                  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
                  try { return 'bytes ' + JSON.stringify(decodeURIComponent(escape(s))); } catch (e) { /* not UTF-8 */ }
                  return 'bytes [' + Array.from(b).join(', ') + ']';
                }
                if (Array.isArray(v)) return '[' + v.map(show).join(', ') + ']';
                if (v instanceof Errno) return 'Errno ' + v.code;
                if (v !== null && typeof v === 'object') {
                  try { return JSON.stringify(v); } catch (e) { /* cyclic */ }
                }
                return String(v);
              };
              const same = (a, b) => {
                const bytesLike = (v) => isBytes(v) || typeof v === 'string';
                if ((isBytes(a) || isBytes(b)) && bytesLike(a) && bytesLike(b)) {
                  const x = toBytes(a), y = toBytes(b);
                  return x.length === y.length && x.every((c, i) => c === y[i]);
                }
                if (Array.isArray(a) && Array.isArray(b)) {
                  return a.length === b.length && a.every((c, i) => same(c, b[i]));
                }
                if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
                  return JSON.stringify(a) === JSON.stringify(b);
                }
                return a === b || (a !== a && b !== b);
              };
              class Pending {
                constructor(call, convert) { this._call = call; this._convert = convert; }
                get done() { return this._call.done(); }
                blocked(ms = 50) { return !this._call.awaitDone(ms); }
                interrupt() { this._call.interrupt(); }
                wait() { return this._convert(settle(this._call.outcome())); }
              }
              class Mapping {
                constructor(api, id, length, prot) { this._api = api; this._id = id; this.length = length; this.prot = prot; }
                read(offset = 0, length = this.length - offset) { return bytes(settle(this._api.mapRead(this._id, offset, length).outcome()).bytes); }
                readText(offset = 0, length = this.length - offset) { return settle(this._api.mapRead(this._id, offset, length).outcome()).text; }
                write(offset, data) { settle(this._api.mapWrite(this._id, offset, data).outcome()); }
                close() { settle(this._api.munmap(this._id).outcome()); }
              }
              class File {
                constructor(api, fd) { this._api = api; this.fd = fd; }
                startRead(size = 65536) { return new Pending(this._api.read(this.fd, size), (o) => bytes(o.bytes)); }
                read(size = 65536) { return this.startRead(size).wait(); }
                readText(size = 65536) { return new Pending(this._api.read(this.fd, size), (o) => o.text).wait(); }
                startWrite(data) { return new Pending(this._api.write(this.fd, data), (o) => o.number); }
                write(data) { return this.startWrite(data).wait(); }
                startIoctl(cmd, arg = 0) {
                  const dir = cmd >>> 30;
                  const num = typeof arg === 'number' ? arg : typeof arg === 'bigint' ? Number(arg) : 0;
                  const data = (dir & 1) ? arg : null;
                  return new Pending(this._api.ioctl(this.fd, cmd, num, data), (o) => (dir & 2) ? bytes(o.bytes) : o.number);
                }
                ioctl(cmd, arg = 0) { return this.startIoctl(cmd, arg).wait(); }
                poll(events = POLLIN | POLLOUT, timeoutMs = 0) {
                  return settle(this._api.poll(this.fd, events, timeoutMs).outcome()).number;
                }
                setFlags(flags) { settle(this._api.setFlags(this.fd, flags).outcome()); }
                mmap(length, prot = PROT_READ, offset = 0) {
                  return new Mapping(this._api, settle(this._api.mmap(this.fd, length, prot, offset).outcome()).number, length, prot);
                }
                close() { settle(this._api.close(this.fd).outcome()); }
              }
              class Test {
                constructor(api) { this._api = api; }
                get name() { return this._api.name(); }
                get path() { return this._api.path(); }
                get channel() { return this._api.channel(); }
                get pid() { return this._api.pid(); }
                startOpen(flags = O_RDWR, opts = {}) {
                  const id = (v) => (v === undefined || v === null) ? -1 : v;
                  const device = opts.device === undefined ? null : opts.device;
                  return new Pending(this._api.open(flags, id(opts.uid), id(opts.gid), device), (o) => new File(this._api, o.number));
                }
                open(flags = O_RDWR, opts = {}) { return this.startOpen(flags, opts).wait(); }
                eq(actual, expected, message) {
                  if (!same(actual, expected)) {
                    throw new AssertionError((message ? message + ': ' : '') + 'expected ' + show(expected) + ', got ' + show(actual));
                  }
                }
                ok(value, message) {
                  if (!value) throw new AssertionError(message || 'expected a true value, got ' + show(value));
                }
                fail(message) { throw new AssertionError(message || 'failed'); }
                raises(code, fn) {
                  let r;
                  try {
                    r = fn();
                  } catch (e) {
                    if (e instanceof Errno && e.code === code) return e;
                    throw new AssertionError('expected ' + code + ', got ' + (e instanceof Errno ? e.code : String(e)));
                  }
                  throw new AssertionError('expected ' + code + ', but the call returned ' + show(r));
                }
              }
              return (api) => new Test(api);
            })
            """;

    private Value newTest;

    JsTestScript(Path path, Context context) {
        super(path, context);
    }

    @Override
    void evaluate(String text) {
        ConstantsPrelude.js(context);
        newTest = context.eval(Source.create("js", PRELUDE)).execute(context.eval("js", "(" + errnoTable() + ")"));
        Source src;
        try {
            src = Source.newBuilder("js", path.toAbsolutePath().toFile())
                    .content(text)
                    .name(path.toString())
                    .mimeType("application/javascript+module")
                    .build();
        } catch (java.io.IOException e) {
            throw new org.fusd.host.driver.ScriptLoadException(path + ": cannot read: " + e.getMessage());
        }
        Value exports = context.eval(src);
        List<TestCase> found = new ArrayList<>();
        for (String key : exports.getMemberKeys()) {
            Value fn = exports.getMember(key);
            if (key.startsWith("test") && fn.canExecute()) {
                SourceSection s = fn.getSourceLocation();
                found.add(new TestCase(key, s == null ? 0 : s.getStartLine(), fn));
            }
        }
        found.sort(Comparator.comparingInt(TestCase::line));
        setTests(found);
    }

    @Override
    public Failure run(TestCase test, TestApi api) {
        try {
            test.fn().execute(newTest.execute(api));
            return null;
        } catch (PolyglotException e) {
            String message = e.isHostException() ? e.asHostException().getMessage() : e.getMessage();
            return new Failure(firstLine(message), linesIn(e, path));
        }
    }
}
