#!/usr/bin/env python3
"""End-to-end checks of the examples/ drivers through a real channel.

    scripts/e2e/examples.py --channel fuse [--dir /run/fusd] [NAME...]
    scripts/e2e/examples.py --channel fusd            # device dir /dev
    scripts/e2e/examples.py --channel fusd --one-host # all examples in one host

For each example it starts `host/bin/fusd-host run examples/X --channel CH`,
waits for the ready line ("fusd: serving NAME at PATH"), checks the device
with real syscalls (os.open/read/write, fcntl.ioctl, select.poll/select,
signals) and stops the host with SIGTERM. Output: one `PASS name` or
`FAIL name: why` line per check (`SKIP name: why` for an example that is not
in the tree); the exit status is 1 if anything failed.

Everything that differs between channels is a row of CHANNELS; every example
is a row of EXAMPLES (script, checks). Adding a channel is adding a row.
Extra JVM options come from FUSD_JAVA_OPTS, which host/bin/fusd-host honours.
"""
import argparse
import ctypes
import errno
import fcntl
import os
import re
import select
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = os.path.join(REPO, "host", "bin", "fusd-host")
READY = re.compile(r"^fusd: serving (\S+) at (\S+)\s*$")

# What differs between channels.
#   dir:        where devices appear by default
#   args(dir):  extra fusd-host arguments
#   killed:     errnos a blocked reader may get when the host dies (SIGKILL)
#   ioc_none:   _IO ioctls (no size, no direction) reach the driver (else ENOTTY is accepted)
CHANNELS = {
    "fusd": dict(dir="/dev", args=lambda d: [], killed={errno.ENODEV}, ioc_none=True),
    "cuse": dict(dir="/dev", args=lambda d: [], killed={errno.ENODEV, errno.ECONNABORTED, errno.EIO},
                 ioc_none=True),
    "fuse": dict(dir="/run/fusd", args=lambda d: ["--mount", d],
                 killed={errno.ECONNABORTED, errno.ENOTCONN}, ioc_none=True),
}

START_TIMEOUT = float(os.environ.get("FUSD_E2E_START_TIMEOUT", "600"))
WAIT = float(os.environ.get("FUSD_E2E_WAIT", "10"))   # a wake-up that should come "soon"

libc = ctypes.CDLL(None, use_errno=True)


class Fail(Exception):
    pass


def ensure(cond, why):
    if not cond:
        raise Fail(why)


def ioc(d, t, nr, size):
    return (d << 30) | (size << 16) | (ord(t) << 8) | nr


def raw_read(fd, n):
    """read(2) without Python's EINTR retry: (result, errno, bytes)."""
    buf = ctypes.create_string_buffer(n)
    r = libc.read(fd, buf, n)
    return r, ctypes.get_errno() if r < 0 else 0, buf.raw[:max(r, 0)]


def in_thread(fn, *args):
    """Runs fn in a daemon thread; returns (thread, box) where box gets 'value' or 'error'."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported by the caller
            box["error"] = e
        box["t"] = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def joined(t, box, timeout, what):
    t.join(timeout)
    ensure(not t.is_alive(), f"{what}: still blocked after {timeout:.0f} s")
    if "error" in box:
        raise Fail(f"{what}: {box['error']!r}")
    return box["value"]


def read_all(path, limit=1 << 20):
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while sum(map(len, chunks)) < limit:
            b = os.read(fd, 4096)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


# ---- the host process ----

class Host:
    """One fusd-host process serving some scripts on a channel."""

    def __init__(self, scripts, channel, dev_dir):
        self.err = tempfile.TemporaryFile()
        cmd = [HOST, "run", "--no-handover", *scripts, "--channel", channel, *CHANNELS[channel]["args"](dev_dir)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err,
                                     stdin=subprocess.DEVNULL, cwd=REPO)
        self.paths = {}
        self.started = time.monotonic()

    def wait_ready(self, count):
        deadline = time.monotonic() + START_TIMEOUT
        buf = b""
        fd = self.proc.stdout.fileno()
        while len(self.paths) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"no ready line after {START_TIMEOUT:.0f} s{self.stderr_tail()}")
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise Fail(f"host exited ({self.proc.wait()}) before it was ready{self.stderr_tail()}")
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = READY.match(line.decode(errors="replace"))
                if m:
                    self.paths[m.group(1)] = m.group(2)
        # Drain stdout from now on so the host never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(fd, 4096), b"")],
                         daemon=True).start()
        return self.paths

    def stderr_lines(self):
        try:
            self.err.seek(0)
            return self.err.read().decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):
            return []

    def stderr_tail(self):
        lines = self.stderr_lines()
        return (": " + " | ".join(lines[-3:])) if lines else ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


# ---- checks, one function per example; each returns [(name, error or None)] ----

def check_hello(text):
    def run(path, ctx):
        data = read_all(path)
        ensure(data == text, f"read {data!r}, expected {text!r}")
        return data
    return [("read", run)]


def pipe_checks():
    def nonblock(path, ctx):
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.read(fd, 100)
        except BlockingIOError:
            return
        except OSError as e:
            raise Fail(f"empty O_NONBLOCK read: {e}, expected EAGAIN")
        finally:
            os.close(fd)
        raise Fail("empty O_NONBLOCK read returned, expected EAGAIN")

    def blocks(path, ctx):
        r = os.open(path, os.O_RDONLY)
        w = os.open(path, os.O_WRONLY)
        try:
            t, box = in_thread(os.read, r, 100)
            time.sleep(0.5)
            ensure(t.is_alive(), f"read returned {box.get('value', box.get('error'))!r} with no writer")
            before = time.monotonic()
            ensure(os.write(w, b"ping") == 4, "short write")
            data = joined(t, box, WAIT, "blocked read after a write")
            ensure(data == b"ping", f"read {data!r}, expected b'ping'")
            ctx.note(f"blocked read woke {1000 * (box['t'] - before):.1f} ms after the write")
        finally:
            os.close(w)
            os.close(r)

    def poll_wakes(path, ctx):
        r = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        w = os.open(path, os.O_WRONLY)
        try:
            p = select.poll()
            p.register(r, select.POLLIN)
            ev = p.poll(200)
            ensure(not ev, f"poll on an empty pipe returned {ev}")
            t, box = in_thread(p.poll, int(WAIT * 1000))
            time.sleep(0.3)
            ensure(t.is_alive(), "poll returned before the write")
            os.write(w, b"x")
            ev = joined(t, box, WAIT + 1, "poll after a write")
            ensure(ev and ev[0][1] & select.POLLIN, f"poll returned {ev}, expected POLLIN")
            ensure(os.read(r, 10) == b"x", "read after poll")
            # select(2) sees the same mask.
            t, box = in_thread(select.select, [r], [], [], WAIT)
            time.sleep(0.3)
            os.write(w, b"y")
            rl, _, _ = joined(t, box, WAIT + 1, "select after a write")
            ensure(rl == [r], f"select returned {rl}")
            ensure(os.read(r, 10) == b"y", "read after select")
        finally:
            os.close(w)
            os.close(r)

    def eintr(path, ctx):
        r = os.open(path, os.O_RDONLY)
        w = os.open(path, os.O_WRONLY)
        old = signal.signal(signal.SIGALRM, lambda s, f: None)
        signal.siginterrupt(signal.SIGALRM, True)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            t0 = time.monotonic()
            res, err, _ = raw_read(r, 100)
            took = time.monotonic() - t0
            ensure(res == -1 and err == errno.EINTR,
                   f"read returned {res} ({errno.errorcode.get(err, err)}), expected EINTR")
            ensure(took < WAIT, f"EINTR came after {took:.1f} s")
            # The interrupted read must not swallow the next write.
            os.write(w, b"after")
            t, box = in_thread(os.read, r, 100)
            data = joined(t, box, WAIT, "read after EINTR")
            ensure(data == b"after", f"read after EINTR got {data!r}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            os.close(w)
            os.close(r)

    return [("nonblock-eagain", nonblock), ("read-blocks", blocks), ("poll-wakes", poll_wakes),
            ("signal-eintr", eintr)]


def counter_checks():
    # examples/counter.py: GET _IOR('c', 1, 8), SET _IOW('c', 2, 8), RESET _IO('c', 3),
    # ADD _IOWR('c', 4, 8) (returns the new value); unknown commands ENOTTY; read "N\n".
    GET, SET, RESET, ADD = ioc(2, "c", 1, 8), ioc(1, "c", 2, 8), ioc(0, "c", 3, 0), ioc(3, "c", 4, 8)

    def get(fd):
        return struct.unpack("<q", fcntl.ioctl(fd, GET, bytes(8)))[0]

    def ioctls(path, ctx):
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.ioctl(fd, SET, struct.pack("<q", 0))
            ensure(get(fd) == 0, f"after SET 0 the value is {get(fd)}")
            fcntl.ioctl(fd, SET, struct.pack("<q", 40))
            v = struct.unpack("<q", fcntl.ioctl(fd, ADD, struct.pack("<q", 2)))[0]
            ensure(v == 42, f"ADD 2 returned {v}, expected 42")
            ensure(get(fd) == 42, f"GET returned {get(fd)}, expected 42")
            ensure(read_all(path) == b"42\n", "read does not show 42")
            try:
                fcntl.ioctl(fd, ioc(2, "c", 99, 8), bytes(8))
                raise Fail("an unknown ioctl succeeded")
            except OSError as e:
                ensure(e.errno == errno.ENOTTY, f"unknown ioctl: {e}, expected ENOTTY")
        finally:
            os.close(fd)

    def reset(path, ctx):
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.ioctl(fd, SET, struct.pack("<q", 7))
            try:
                fcntl.ioctl(fd, RESET)
            except OSError as e:
                if not ctx.caps.get("ioc_none", True) and e.errno == errno.ENOTTY:
                    ctx.note("_IO ioctls are not delivered on this channel (ENOTTY, as documented)")
                    return
                raise
            ensure(get(fd) == 0, f"after RESET the value is {get(fd)}")
        finally:
            os.close(fd)
    return [("ioctls", ioctls), ("reset-io", reset)]


def ticker_checks():
    def lines(path, ctx):
        fd = os.open(path, os.O_RDONLY)
        try:
            stamps = []
            for _ in range(6):
                b = os.read(fd, 256)
                ensure(b.endswith(b"\n"), f"read {b!r}, expected a line")
                stamps.append(time.monotonic())
            gaps = [b - a for a, b in zip(stamps[1:], stamps[2:])]
            mean = sum(gaps) / len(gaps)
            ctx.note(f"tick gaps ms: {' '.join(f'{1000 * g:.0f}' for g in gaps)}")
            ensure(0.05 <= mean <= 0.5, f"mean gap {1000 * mean:.0f} ms, expected ~100 ms")
        finally:
            os.close(fd)

    def poll_wakes(path, ctx):
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            p = select.poll()
            p.register(fd, select.POLLIN)
            for i in range(3):
                ev = p.poll(int(WAIT * 1000))
                ensure(ev and ev[0][1] & select.POLLIN, f"poll #{i} returned {ev}, expected POLLIN")
                b = os.read(fd, 256)
                ensure(b.endswith(b"\n"), f"read after poll: {b!r}")
        finally:
            os.close(fd)
    return [("lines-100ms", lines), ("poll-wakes", poll_wakes)]


def zero_checks():
    def fills(path, ctx):
        fd = os.open(path, os.O_RDONLY)
        try:
            for n in (1, 4096, 65536):
                b = os.read(fd, n)
                ensure(b == bytes(n), f"read({n}) gave {len(b)} bytes, zero: {b == bytes(len(b))}")
        finally:
            os.close(fd)
    return [("fills", fills)]


def drums_checks(sounds):
    """examples/drums.js and drums.py: one script, a device per name of `devices`, in one directory."""
    def nodes(path, ctx):
        d = os.path.dirname(path)
        listed = sorted(os.listdir(d))
        ensure(listed == sorted(sounds), f"{d} lists {listed}, expected {sorted(sounds)}")
        kinds = {stat.S_IFMT(os.stat(os.path.join(d, s)).st_mode) for s in sounds}
        ensure(len(kinds) == 1, f"the drums are not all the same kind of file: {kinds}")

    def own_state(path, ctx):
        d = os.path.dirname(path)
        first, other = sounds[0], sounds[-1]
        got = [read_all(os.path.join(d, first)), read_all(os.path.join(d, first)), read_all(os.path.join(d, other))]
        want = [f"{first}! (hit 1)\n".encode(), f"{first}! (hit 2)\n".encode(), f"{other}! (hit 1)\n".encode()]
        ensure(got == want, f"read {got}, expected {want}")
    return [("nodes", nodes), ("own-state", own_state)]


def logring_checks():
    """examples/logring.js and logring.py: readers tail a ring of 64 messages, each from its own position."""
    def tail(path, ctx):
        w = os.open(path, os.O_WRONLY)
        r1 = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        r2 = None
        try:
            try:
                os.read(r1, 100)
                raise Fail("an empty log had something to read")
            except BlockingIOError:
                pass
            os.write(w, b"one\n")
            os.write(w, b"two")
            r2 = os.open(path, os.O_RDONLY)
            got = [os.read(r1, 100), os.read(r1, 100), os.read(r2, 100)]
            ensure(got == [b"one\n", b"two\n", b"one\n"], f"read {got}")
            p = select.poll()
            p.register(r1, select.POLLIN)
            ensure(not p.poll(0), "poll says POLLIN with nothing new")
            t, box = in_thread(p.poll, int(WAIT * 1000))
            time.sleep(0.3)
            os.write(w, b"three")
            ev = joined(t, box, WAIT + 1, "poll after a write")
            ensure(ev and ev[0][1] & select.POLLIN, f"poll returned {ev}, expected POLLIN")
            got = [os.read(r1, 3), os.read(r1, 100)]
            ensure(got == [b"thr", b"ee\n"], f"a short read and its rest: {got}")
            for i in range(70):
                os.write(w, b"m%d" % i)
            got = [os.read(r1, 100), os.read(r1, 100), os.read(r2, 100), os.read(r2, 100)]
            want = [b"logring: 6 messages lost\n", b"m6\n", b"logring: 8 messages lost\n", b"m6\n"]
            ensure(got == want, f"after a lap: {got}, expected {want}")
            while select.select([r2], [], [], 0)[0]:
                os.read(r2, 100)
            t, box = in_thread(raw_read, r2, 100)
            time.sleep(0.3)
            ensure(t.is_alive(), "a read of a reader that has read everything returned")
            os.write(w, b"wake")
            res = joined(t, box, WAIT, "a blocked read after a write")
            ensure(res[2] == b"wake\n" if res[0] > 0 else False, f"blocked read got {res}")
        finally:
            for fd in (w, r1, r2):
                if fd is not None:
                    os.close(fd)
    return [("tail", tail)]


# script -> list of (check name, fn(path, ctx)); a script with several devices gets its first one's path
EXAMPLES = {
    "hello.js": check_hello(b"Hello from a script!\n"),
    "hello.py": check_hello(b"Hello from a Python script!\n"),
    "pipe.js": pipe_checks(),
    "counter.py": counter_checks(),
    "ticker.js": ticker_checks(),
    "zero.js": zero_checks(),
    "drums.js": drums_checks(["bam", "bum", "beat", "boom", "bang", "crash"]),
    "drums.py": drums_checks(["bim", "bom", "tss"]),
    "logring.js": logring_checks(),
    "logring.py": logring_checks(),
}


# ---- generic checks of the host, not of one example ----

def killed_check(channel, dev_dir, script, ctx):
    """SIGKILL the host while a reader blocks: the reader gets an error within a second."""
    host = Host([script], channel, dev_dir)
    try:
        path = next(iter(host.wait_ready(1).values()))
        fd = os.open(path, os.O_RDONLY)
        t, box = in_thread(raw_read, fd, 100)
        time.sleep(0.5)
        ensure(t.is_alive(), f"read returned {box.get('value')!r} with no writer")
        killed = time.monotonic()
        host.proc.kill()
        res, err, _ = joined(t, box, 1.0 + 1.0, "blocked read after SIGKILL of the host")
        took = box["t"] - killed
        try:
            os.close(fd)
        except OSError:
            pass                    # FUSE: the flush of a dead connection fails
        ensure(res == -1 and err in CHANNELS[channel]["killed"],
               f"read returned {res} ({errno.errorcode.get(err, err)}), expected one of "
               f"{sorted(errno.errorcode[e] for e in CHANNELS[channel]['killed'])}")
        ensure(took <= 1.0, f"the error came {took:.2f} s after the kill")
        ctx.note(f"reader got {errno.errorcode[err]} {1000 * took:.0f} ms after SIGKILL")
    finally:
        host.stop()


class Ctx:
    def __init__(self, verbose, caps):
        self.verbose = verbose
        self.caps = caps

    def note(self, msg):
        if self.verbose:
            print(f"# {msg}", flush=True)


def script_names(path):
    """The device names a script declares (name = "x", or devices = ["x", "y"]; JS: export const)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"""^(?:export\s+const\s+)?name\s*=\s*["']([^"']+)["']""", text, re.M)
    if m:
        return [m.group(1)]
    m = re.search(r"""^(?:export\s+const\s+)?devices\s*=\s*[\[(]([^\])]*)[\])]""", text, re.M)
    return re.findall(r"""["']([^"']+)["']""", m.group(1)) if m else []


def devices_of(example):
    """How many devices (ready lines) examples/EXAMPLE makes."""
    return max(1, len(script_names(os.path.join(REPO, "examples", example))))


def report(name, fn, *args):
    try:
        fn(*args)
    except Fail as e:
        print(f"FAIL {name}: {e}", flush=True)
        return False
    except OSError as e:
        print(f"FAIL {name}: {e}", flush=True)
        return False
    print(f"PASS {name}", flush=True)
    return True


def run_checks(prefix, path, checks, ctx, host=None):
    ok = True
    for cname, fn in checks:
        ok &= report(f"{prefix}/{cname}", fn, path, ctx)
    if not ok and host is not None:
        for line in host.stderr_lines()[-10:]:
            print(f"# host stderr: {line}", flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--channel", required=True, choices=sorted(CHANNELS))
    ap.add_argument("--dir", help="where devices appear (default: per channel, e.g. /dev, /run/fusd)")
    ap.add_argument("--one-host", action="store_true", help="serve all examples from one host process")
    ap.add_argument("--killed", action="store_true", help="also check a SIGKILL of the host (uses pipe.js)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no '#' notes")
    ap.add_argument("examples", nargs="*", help="examples to check (default: all; 'none': only --killed)")
    a = ap.parse_args()
    dev_dir = a.dir or CHANNELS[a.channel]["dir"]
    ctx = Ctx(not a.quiet, CHANNELS[a.channel])
    names = [] if a.examples == ["none"] else a.examples or list(EXAMPLES)
    ok = True
    present = []
    for n in names:
        if n not in EXAMPLES:
            print(f"FAIL {n}: no such example in the table", flush=True)
            ok = False
        elif not os.path.isfile(os.path.join(REPO, "examples", n)):
            print(f"SKIP {n}: examples/{n} is not in the tree", flush=True)
        elif (dev := next((d for d in script_names(os.path.join(REPO, "examples", n))
                           if os.path.exists(os.path.join(dev_dir, d))), None)) and dev_dir.rstrip("/") == "/dev":
            # A real node of that name (e.g. /dev/zero): the kernel refuses the name.
            print(f"SKIP {n}: {dev_dir}/{dev} already exists (not ours)", flush=True)
        else:
            present.append(n)

    if a.one_host and present:
        host = Host([f"examples/{n}" for n in present], a.channel, dev_dir)
        try:
            t0 = time.monotonic()
            paths = None
            try:
                paths = host.wait_ready(sum(devices_of(n) for n in present))
                print("PASS one-host/ready", flush=True)
                ctx.note(f"{len(present)} devices ready after {time.monotonic() - t0:.1f} s")
            except Fail as e:
                print(f"FAIL one-host/ready: {e}", flush=True)
                ok = False
            if paths:
                for n in present:
                    path = paths[script_names(os.path.join(REPO, "examples", n))[0]]
                    if not path.startswith(dev_dir.rstrip("/") + "/"):
                        print(f"FAIL {n}/path: {path} is not in {dev_dir}", flush=True)
                        ok = False
                    ok &= run_checks(n, path, EXAMPLES[n], ctx, host)
        finally:
            host.stop()
    else:
        for n in present:
            host = Host([f"examples/{n}"], a.channel, dev_dir)
            try:
                t0 = time.monotonic()
                try:
                    path = next(iter(host.wait_ready(devices_of(n)).values()))
                except Fail as e:
                    print(f"FAIL {n}/ready: {e}", flush=True)
                    ok = False
                    continue
                ctx.note(f"{n}: ready at {path} after {time.monotonic() - t0:.1f} s")
                if not path.startswith(dev_dir.rstrip("/") + "/"):
                    print(f"FAIL {n}/path: {path} is not in {dev_dir}", flush=True)
                    ok = False
                ok &= run_checks(n, path, EXAMPLES[n], ctx, host)
            finally:
                host.stop()
                code = host.proc.returncode
                if code not in (0, -signal.SIGTERM, 143):
                    print(f"FAIL {n}/exit: host exited with {code} after SIGTERM", flush=True)
                    ok = False
    if a.killed:
        if os.path.isfile(os.path.join(REPO, "examples", "pipe.js")):
            ok &= report("host-killed", killed_check, a.channel, dev_dir, "examples/pipe.js", ctx)
        else:
            print("SKIP host-killed: examples/pipe.js is not in the tree", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
