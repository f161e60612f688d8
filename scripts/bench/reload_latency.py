#!/usr/bin/env python3
"""Hot-reload latency: from a driver script's change on disk to the first call
served by the new code.

Starts `fusd-host run` (fuse channel, a private mount) with one JS and one
Python driver whose read() answers "vN". Each round rewrites a script the way
atomic-saving editors do (write a temporary file, rename it over the script),
takes the time, then opens and reads the device in a loop until it answers
with the new version. Reports the median (and p90) of N rounds per language,
after a few warm-up rounds, as JSON on stdout; progress goes to stderr.

    scripts/bench/reload_latency.py [--reloads 20] [--warmup 3] [--gap 1.0] [--lang js,py]

The host command is host/bin/fusd-host unless FUSD_HOST_CMD (a command line,
split on spaces) says otherwise; FUSD_JAVA_OPTS is passed on by the launcher.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

JS = """export const name = "reload-js";
export function read(file, size) {
    if (file.state.done) return "";
    file.state.done = true;
    return "v%d";
}
"""

PY = """name = "reload-py"
def read(file, size, offset):
    if file.state.get("done"):
        return b""
    file.state["done"] = True
    return "v%d"
"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def write_atomic(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def read_device(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 100).decode()
    finally:
        os.close(fd)


def percentile(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reloads", type=int, default=20, help="measured reloads per language (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="unmeasured reloads first (default 3)")
    ap.add_argument("--gap", type=float, default=1.0,
                    help="seconds between reloads, as between two saves (default 1.0)")
    ap.add_argument("--lang", default="js,py", help="languages to measure (default js,py)")
    ap.add_argument("--timeout", type=float, default=30.0, help="give up on one reload after this (s)")
    args = ap.parse_args()
    langs = [ln for ln in args.lang.split(",") if ln]

    work = tempfile.mkdtemp(prefix="fusd-reload-bench-")
    mnt = os.path.join(work, "mnt")
    scripts = {"js": os.path.join(work, "reload.js"), "py": os.path.join(work, "reload.py")}
    texts = {"js": JS, "py": PY}
    names = {"js": "reload-js", "py": "reload-py"}
    for ln in langs:
        with open(scripts[ln], "w") as f:
            f.write(texts[ln] % 1)
    cmd = os.environ.get("FUSD_HOST_CMD", "").split() or [os.path.join(ROOT, "host", "bin", "fusd-host")]
    cmd = cmd + ["run", "--no-handover", "--channel", "fuse", "--mount", mnt] + [scripts[ln] for ln in langs]
    log("reload_latency: starting", " ".join(cmd))
    host = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    cond = threading.Condition()

    def pump():
        for line in host.stdout:
            with cond:
                lines.append(line.rstrip("\n"))
                cond.notify_all()
            if "fusd: reload" not in line:
                log("host:", line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    results = {}
    try:
        with cond:
            ok = cond.wait_for(lambda: sum("fusd: serving" in x for x in lines) >= len(langs)
                               or host.poll() is not None, timeout=180)
        if not ok or host.poll() is not None:
            raise SystemExit("reload_latency: the host did not start:\n" + "\n".join(lines))
        version = {ln: 1 for ln in langs}
        for ln in langs:
            dev = os.path.join(mnt, names[ln])
            client, swap = [], []
            for i in range(args.warmup + args.reloads):
                time.sleep(args.gap)
                version[ln] += 1
                want = "v%d" % version[ln]
                seen = len(lines)
                write_atomic(scripts[ln], texts[ln] % version[ln])
                t0 = time.perf_counter()
                while True:
                    got = read_device(dev)
                    if got == want:
                        break
                    if time.perf_counter() - t0 > args.timeout:
                        raise SystemExit("reload_latency: %s did not answer %s within %.0f s (got %r)"
                                         % (names[ln], want, args.timeout, got))
                ms = (time.perf_counter() - t0) * 1000
                with cond:
                    cond.wait_for(lambda: any("reloaded" in x and " %s " % want in x for x in lines[seen:]),
                                  timeout=5)
                    host_ms = [float(m.group(1)) for x in lines[seen:]
                               for m in [re.search(r" %s in ([0-9.]+) ms" % want, x)] if m]
                if i >= args.warmup:
                    client.append(ms)
                    swap.extend(host_ms[:1])
                log("reload_latency: %s %s: %.1f ms (host swap %s ms)"
                    % (ln, want, ms, "%.1f" % host_ms[0] if host_ms else "?"))
            results["reload_ms_%s_p50" % ln] = round(statistics.median(client), 1)
            results["reload_ms_%s_p90" % ln] = round(percentile(client, 0.9), 1)
            if swap:
                results["reload_swap_ms_%s_p50" % ln] = round(statistics.median(swap), 1)
        results["reloads"] = args.reloads
        results["debounce_ms"] = 20
    finally:
        host.terminate()
        try:
            host.wait(15)
        except subprocess.TimeoutExpired:
            host.kill()
            host.wait()
        subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
