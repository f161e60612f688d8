#!/usr/bin/env python3
"""Fast start and takeover, measured: launch to first answer, the takeover gap
a client sees, and memory while both hosts live.

For each language (examples/hello.js, examples/hello.py) and each start
(`fast`: host/bin/fusd-host run, an AOT-cached interpreter host handing over
to the JIT host; `jit`: run --no-handover), N times: start the host on a
private fuse mount, open and read the device in a loop until it answers
(launch to first answer), then (fast) keep a client reading until the
`fusd: takeover:` line, recording the longest round trip it saw (the gap a
client sees) and the summed VmRSS of both JVMs while both live. Prints JSON
on stdout; progress on stderr.

    scripts/bench/faststart.py [--runs 3] [--lang js,py]

Needs the AOT cache (`host/bin/fusd-host aot-cache`, which `make build` runs).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = os.path.join(ROOT, "host", "bin", "fusd-host")
SCRIPTS = {"js": "examples/hello.js", "py": "examples/hello.py"}
DEVICES = {"js": "hello", "py": "hello-py"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def java_pids_under(root_pid):
    """The launcher's pid and the interpreter host it started (its child)."""
    pids = [root_pid]
    try:
        with open("/proc/%d/task/%d/children" % (root_pid, root_pid)) as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return pids


def one(lang, mode):
    mnt = tempfile.mkdtemp(prefix="fusd-faststart-")
    dev = os.path.join(mnt, DEVICES[lang])
    cmd = [HOST, "run", "--no-watch", "--channel", "fuse", "--mount", mnt, SCRIPTS[lang]]
    if mode == "jit":
        cmd.insert(2, "--no-handover")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    lines = []
    took_over = threading.Event()

    def drain():
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith("fusd: takeover:"):
                took_over.set()
    threading.Thread(target=drain, daemon=True).start()
    first = None
    while first is None and time.monotonic() - t0 < 120 and proc.poll() is None:
        try:
            fd = os.open(dev, os.O_RDONLY)
            try:
                if os.read(fd, 100):
                    first = time.monotonic() - t0
            finally:
                os.close(fd)
        except OSError:
            time.sleep(0.005)
    result = {"first_answer_s": round(first, 3) if first else None}
    if mode == "fast" and first is not None:
        slowest, peak = 0.0, 0
        while not took_over.is_set() and time.monotonic() - t0 < 180:
            peak = max(peak, sum(rss_kib(p) for p in java_pids_under(proc.pid)))
            t = time.monotonic()
            fd = os.open(dev, os.O_RDONLY)
            os.read(fd, 100)
            os.close(fd)
            slowest = max(slowest, time.monotonic() - t)
        result["took_over_s"] = round(time.monotonic() - t0, 3) if took_over.is_set() else None
        result["client_max_pause_ms"] = round(slowest * 1000, 1)
        result["rss_both_mib"] = round(peak / 1024, 1)
        gap = [m.group(1) for m in (re.search(r"gap ([0-9.]+) ms", x) for x in lines) if m]
        result["host_gap_ms"] = float(gap[0]) if gap else None
    proc.terminate()
    proc.wait(30)
    subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL)
    os.rmdir(mnt)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lang", default="js,py")
    args = ap.parse_args()
    out = {}
    for lang in args.lang.split(","):
        for mode in ("jit", "fast"):
            runs = []
            for i in range(args.runs):
                r = one(lang, mode)
                log("faststart:", lang, mode, i, r)
                runs.append(r)
            firsts = [r["first_answer_s"] for r in runs if r["first_answer_s"] is not None]
            summary = {"runs": runs,
                       "first_answer_p50_s": statistics.median(firsts) if firsts else None}
            out["%s_%s" % (lang, mode)] = summary
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
