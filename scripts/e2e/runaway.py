#!/usr/bin/env python3
"""End-to-end checks of runaway drivers through a real channel (fusd, cuse).

    scripts/e2e/runaway.py --channel fusd
    scripts/e2e/runaway.py --channel cuse

One host serves okdev.js (answers "ok") and a spinning driver in JS and in
Python (scripts/e2e/drivers/spin.js, spin.py: read spins while the device's
state says "spin"; writing "calm" or "spin" sets it), with a call budget of
BUDGET ms. Checked with real syscalls from this process and from children:

- budget: a spinning read ends with ETIMEDOUT and one stderr line naming the
  driver, the callback and file:line; the device then serves;
- signal: a reader that gets SIGALRM while the script spins gets EINTR, and
  the script's work is cancelled (the next read is answered at once);
- kill: a reader killed by SIGKILL while the script spins is gone at once,
  the script is stopped, its late answer dropped, and the device serves on;
- isolation: okdev's 1-byte round trips while a spinning read runs (p50/p99
  are printed as notes, not asserted);
- sigterm: SIGTERM while a script spins ends the host within a few seconds,
  and the spinning reader gets ENODEV.
Output: PASS/FAIL lines as scripts/e2e/examples.py prints them.
"""
import argparse
import errno
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from examples import (Ctx, Fail, Host, REPO, ensure, in_thread, joined,  # noqa: E402
                      raw_read, report)

DRIVERS = os.path.join(REPO, "scripts", "e2e", "drivers")
# Generous: a TCG guest runs a Python driver's first calls interpreted and slowly.
BUDGET_MS = int(os.environ.get("FUSD_RUNAWAY_BUDGET_MS", "6000"))
SLACK = float(os.environ.get("FUSD_E2E_WAIT", "10"))   # TCG guests are slow: generous guards only


def set_mode(path, mode):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, mode)
    finally:
        os.close(fd)


def timed_read(path, n=16):
    fd = os.open(path, os.O_RDONLY)
    try:
        t0 = time.monotonic()
        r, err, data = raw_read(fd, n)
        return r, err, data, time.monotonic() - t0
    finally:
        os.close(fd)


def stderr_line(host, *parts, wait=SLACK):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for line in host.stderr_lines():
            if all(p in line for p in parts):
                return line
        time.sleep(0.05)
    raise Fail(f"no host stderr line with {parts}{host.stderr_tail()}")


def warm_up(host, name, ctx):
    """A first call of each callback, calm: under TCG a cold one can take seconds."""
    path = host.paths[name]
    set_mode(path, b"calm")
    r, err, data, took = timed_read(path)
    ensure(data == b"calm", f"the calm device answered {r} ({errno.errorcode.get(err, err)}) {data!r}")
    ctx.note(f"{name}: first calm read took {1000 * took:.0f} ms")


def check_budget(host, name, script, ctx):
    path = host.paths[name]
    set_mode(path, b"spin")
    r, err, _, took = timed_read(path)
    ensure(r == -1 and err == errno.ETIMEDOUT,
           f"read returned {r} ({errno.errorcode.get(err, err)}), expected ETIMEDOUT")
    ensure(took < BUDGET_MS / 1000 + SLACK, f"ETIMEDOUT came after {took:.1f} s")
    line = stderr_line(host, f"{name}: read: stopped at ", os.path.basename(script) + ":")
    ensure("budget" in line and "ETIMEDOUT" in line, line)
    set_mode(path, b"calm")
    r, err, data, _ = timed_read(path)
    ensure(data == b"calm", f"after the budget the device answered {r} {data!r}")
    ctx.note(f"{name}: ETIMEDOUT after {took:.2f} s (budget {BUDGET_MS} ms)")


def check_signal(host, name, ctx):
    path = host.paths[name]
    set_mode(path, b"spin")
    old = signal.signal(signal.SIGALRM, lambda *a: None)
    fd = os.open(path, os.O_RDONLY)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        t0 = time.monotonic()
        r, err, _ = raw_read(fd, 16)
        took = time.monotonic() - t0
    finally:
        os.close(fd)
        signal.signal(signal.SIGALRM, old)
    ensure(r == -1 and err == errno.EINTR, f"read returned {r} ({errno.errorcode.get(err, err)}), expected EINTR")
    ensure(took < BUDGET_MS / 1000, f"EINTR came after {took:.2f} s, not before the budget")
    set_mode(path, b"calm")
    r, err, data, next_took = timed_read(path)
    ensure(data == b"calm", f"after the signal the device answered {r} {data!r}")
    stderr_line(host, f"{name}: read: cancelled at ", "interrupted by a signal")
    ctx.note(f"{name}: EINTR {1000 * (took - 0.3):.0f} ms after the signal; next read {1000 * next_took:.0f} ms")


def check_kill(host, name, ctx):
    path = host.paths[name]
    set_mode(path, b"spin")
    child = subprocess.Popen([sys.executable, "-c", "import os,sys; os.read(os.open(sys.argv[1], os.O_RDONLY), 16)",
                              path])
    time.sleep(0.5)
    ensure(child.poll() is None, "the child's read returned while the script spins")
    killed = time.monotonic()
    child.kill()
    child.wait(SLACK)
    gone = time.monotonic() - killed
    ensure(gone < 2.0, f"the killed reader took {gone:.2f} s to go")
    set_mode(path, b"calm")
    r, err, data, took = timed_read(path)
    ensure(data == b"calm", f"after the kill the device answered {r} ({errno.errorcode.get(err, err)}) {data!r}")
    ctx.note(f"{name}: a reader killed by SIGKILL was gone in {1000 * gone:.0f} ms; the next read took "
             f"{1000 * took:.0f} ms")


def check_isolation(host, name, ctx):
    path = host.paths[name]
    ok = host.paths["okdev"]
    set_mode(path, b"spin")
    t, box = in_thread(timed_read, path)
    time.sleep(0.2)
    lat = []
    fd = os.open(ok, os.O_RDONLY)
    try:
        end = time.monotonic() + min(2.0, BUDGET_MS / 1000 / 2)
        while time.monotonic() < end:
            t0 = time.monotonic()
            ensure(os.read(fd, 1) == b"o", "okdev answered something else")
            lat.append(time.monotonic() - t0)
    finally:
        os.close(fd)
    ensure(t.is_alive(), "the spinning read ended while okdev was measured")
    joined(t, box, BUDGET_MS / 1000 + SLACK, "the spinning read")
    set_mode(path, b"calm")
    lat.sort()
    ctx.note(f"okdev while {name} spins: n={len(lat)} p50={1000 * lat[len(lat) // 2]:.2f} ms "
             f"p99={1000 * lat[int(len(lat) * 0.99)]:.2f} ms max={1000 * lat[-1]:.2f} ms")


def check_sigterm(channel, ctx):
    host = Host([os.path.join(DRIVERS, "okdev.js"), os.path.join(DRIVERS, "spin.js"), "--call-timeout", "0"],
                channel, "/dev")
    try:
        host.wait_ready(2)
        path = host.paths["spinjs"]
        set_mode(path, b"spin")
        t, box = in_thread(timed_read, path)
        time.sleep(0.5)
        ensure(t.is_alive(), "the spinning read returned")
        t0 = time.monotonic()
        host.proc.send_signal(signal.SIGTERM)
        host.proc.wait(SLACK + 5)
        ended = time.monotonic() - t0
        r, err, _, _ = joined(t, box, SLACK, "the spinning read after SIGTERM")
        ensure(r == -1 and err == errno.ENODEV, f"the reader got {r} ({errno.errorcode.get(err, err)}), not ENODEV")
        ensure(not os.path.exists(path), f"{path} is still there")
        ctx.note(f"SIGTERM while a script spins: the host ended in {1000 * ended:.0f} ms; the reader got ENODEV")
    finally:
        host.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--channel", required=True, choices=["fusd", "cuse"])
    ap.add_argument("-q", "--quiet", action="store_true", help="no '#' notes")
    args = ap.parse_args()
    ctx = Ctx(not args.quiet, set())
    scripts = {"spinjs": os.path.join(DRIVERS, "spin.js"), "spinpy": os.path.join(DRIVERS, "spin.py")}
    host = Host([os.path.join(DRIVERS, "okdev.js"), *scripts.values(), "--call-timeout", str(BUDGET_MS)],
                args.channel, "/dev")
    ok = True
    try:
        ok &= report("runaway/start", host.wait_ready, 3)
        if ok:
            for name, script in scripts.items():
                ok &= report(f"runaway/{name}/warm-up", warm_up, host, name, ctx)
                ok &= report(f"runaway/{name}/budget", check_budget, host, name, script, ctx)
                ok &= report(f"runaway/{name}/signal", check_signal, host, name, ctx)
                ok &= report(f"runaway/{name}/kill", check_kill, host, name, ctx)
                ok &= report(f"runaway/{name}/isolation", check_isolation, host, name, ctx)
        if not ok:
            for line in host.stderr_lines()[-10:]:
                print(f"# host stderr: {line}", flush=True)
    finally:
        host.stop()
    ok &= report("runaway/sigterm", check_sigterm, args.channel, ctx)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
