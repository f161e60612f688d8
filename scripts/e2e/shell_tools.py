#!/usr/bin/env python3
"""Everyday shell tools on device files, through a real channel.

    scripts/e2e/shell_tools.py --channel fuse|cuse|fusd [--dir DIR]

One host serves scripts/e2e/drivers/lines.js (a stream: 1200 lines
"line 0001\\n".."line 1200\\n", 12000 bytes, from each open's own position)
and, where the channel has offsets (fuse, fusd), alphabet.js (a seekable
device). The checks run the tools as a user would, in child processes:
head -n1 / -n3 / -c5, tail -c5 / -n2 / (10 lines), cat, wc -c, dd skip=,
and Python's readline, pread and lseek. Output: PASS/FAIL lines as
scripts/e2e/examples.py prints them.

Where the channels differ, it is written down in CHANNEL below and in
docs/channels.md ("Seeking and shell tools"): lseek on a stream succeeds
without moving it on fuse (a read-only open) and cuse (CUSE's noop_llseek),
so `dd skip=` does not skip there; on fusd lseek fails with ESPIPE, so dd
reads and drops the bytes it skips.
"""
import argparse
import errno
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from examples import CHANNELS, Ctx, Fail, Host, ensure, report  # noqa: E402

LINES = "".join("line %04d\n" % i for i in range(1, 1201))

# What differs between channels for a stream opened read-only.
#   skip:      what `dd bs=1 skip=3 count=4` prints (does lseek move the stream?)
#   pread:     os.pread works (True) or the errno it fails with
#   seek_end:  lseek(fd, 0, SEEK_END): the result, or the errno it fails with
#   offsets:   the channel passes offsets to a seekable driver (alphabet.js runs)
CHANNEL = {
    "fuse": dict(skip="line", pread=True, seek_end="ESPIPE", offsets=True),
    "cuse": dict(skip="line", pread=True, seek_end=0, offsets=False),
    "fusd": dict(skip="e 00", pread="ESPIPE", seek_end="ESPIPE", offsets=True),
}


def sh(cmd):
    """Runs a shell command; returns its stdout; fails on a non-zero status or anything on stderr."""
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, timeout=120)
    ensure(p.returncode == 0 and not p.stderr,
           f"`{cmd}` exited {p.returncode}: {p.stderr.decode(errors='replace').strip()[:200]}")
    return p.stdout.decode()


def expect(cmd, want):
    got = sh(cmd)
    ensure(got == want, f"`{cmd}` printed {got[:80]!r}, expected {want[:80]!r}")


def outcome(fn):
    try:
        return fn()
    except OSError as e:
        return errno.errorcode[e.errno]


def stream_checks(ch):
    def head(dev, ctx):
        expect(f"head -n1 {dev}", LINES[:10])
        expect(f"head -n 3 {dev}", LINES[:30])
        expect(f"head -c 5 {dev}", "line ")

    def tail(dev, ctx):
        expect(f"tail -c 5 {dev}", "1200\n")
        expect(f"tail -n 2 {dev}", LINES[-20:])
        expect(f"tail {dev}", LINES[-100:])

    def cat_wc(dev, ctx):
        expect(f"cat {dev}", LINES)
        expect(f"wc -c < {dev}", "12000\n")
        expect(f"cat {dev} | wc -l", "1200\n")

    def dd_skip(dev, ctx):
        expect(f"dd if={dev} bs=1 skip=3 count=4 status=none", ch["skip"])
        expect(f"dd if={dev} bs=1 count=7 status=none | dd bs=1 skip=3 status=none", "e 00")

    def python(dev, ctx):
        with open(dev) as f:
            first = [f.readline(), f.readline()]
            rest = sum(1 for _ in f)
        ensure(first == [LINES[:10], LINES[10:20]] and rest == 1198, f"readline: {first!r}, then {rest} lines")
        fd = os.open(dev, os.O_RDONLY)
        try:
            pread = outcome(lambda: os.pread(fd, 5, 100))
            want = b"line " if ch["pread"] is True else ch["pread"]
            ensure(pread == want, f"pread gave {pread!r}, expected {want!r}")
            end = outcome(lambda: os.lseek(fd, 0, os.SEEK_END))
            ensure(end == ch["seek_end"], f"lseek(SEEK_END) gave {end!r}, expected {ch['seek_end']!r}")
        finally:
            os.close(fd)

    return [("head", head), ("tail", tail), ("cat-wc", cat_wc), ("dd-skip", dd_skip), ("python", python)]


def seekable_checks(dev, ctx):
    fd = os.open(dev, os.O_RDWR)
    try:
        got = (os.pread(fd, 4, 10), os.lseek(fd, 3, os.SEEK_SET), os.read(fd, 3), os.lseek(fd, 0, os.SEEK_CUR))
        ensure(got == (b"klmn", 3, b"def", 6), f"pread/lseek/read: {got!r}")
        got = (os.pwrite(fd, b"XY", 24), os.pread(fd, 3, 23))
        ensure(got == (2, b"xXY"), f"pwrite/pread: {got!r}")
    finally:
        os.close(fd)
    expect(f"dd if={dev} bs=1 skip=3 count=3 status=none", "def")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--channel", required=True, choices=sorted(CHANNEL))
    ap.add_argument("--dir", help="where devices appear (default: per channel)")
    a = ap.parse_args()
    dev_dir = a.dir or CHANNELS[a.channel]["dir"]
    ch = CHANNEL[a.channel]
    scripts = ["scripts/e2e/drivers/lines.js"] + (["scripts/e2e/drivers/alphabet.js"] if ch["offsets"] else [])
    host = Host(scripts, a.channel, dev_dir)
    ok = True
    try:
        try:
            paths = host.wait_ready(len(scripts))
        except Fail as e:
            print(f"FAIL shell-tools/ready: {e}", flush=True)
            return 1
        ctx = Ctx(True, CHANNELS[a.channel])
        for name, fn in stream_checks(ch):
            ok &= report(f"shell-tools/{name}", fn, paths["lines"], ctx)
        if ch["offsets"]:
            ok &= report("shell-tools/seekable", seekable_checks, paths["alphabet"], ctx)
        if not ok:
            for line in host.stderr_lines()[-10:]:
                print(f"# host stderr: {line}", flush=True)
    finally:
        host.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
