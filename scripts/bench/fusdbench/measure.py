"""Measuring: warm-up, the interleaved rounds in both placements, startup,
hot reload and memory with many devices; everything goes into one Samples."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from . import jvm
from .drivers import host_argv, script_path
from .measures import DEVICE_COUNTS, PLACEMENTS, THROUGHPUT, client_measures, placement_name, rss_key
from .paths import HERE, log
from .processes import Running, client, mem_available_mib, pin, rss_mib, start, target_of


def traffic(target, seconds, pinned=False):
    """Every measured call path in a loop for at least seconds: round trips, then reads and writes of each
    block size. Returns the seconds it took (a pass is not cut short)."""
    t0 = time.monotonic()
    while True:
        client(["rt", target, "-n", 2000, "-w", 0, "-t", 0.2], pinned, 120)
        for mode, bs, _ in THROUGHPUT:
            client([mode, target, "-b", bs, "-t", 0.05], pinned, 120)
        if time.monotonic() - t0 >= seconds:
            return time.monotonic() - t0


def warm_up(driver, run, pinned, cfg):
    """Traffic until the driver's warm-up time is over: the JIT of a script host compiles each call path
    (sizes differ) in the first seconds, which the steady-state measures must not include."""
    # once warm (the pinned rounds follow the unpinned ones in the same process) a short pass will do
    traffic(target_of(driver, run), cfg.warmup_script if driver.host and not pinned else cfg.warmup, pinned)


def run_placements(drivers, cfg, workdir, samples):
    """Starts every driver once, runs the unpinned rounds, then pins the same running drivers and the
    client to one CPU for the pinned rounds (a restart would only add a second cold JIT warm-up)."""
    running = {}
    try:
        for d in drivers:
            log(f"bench: starting {d.name}")
            run, why = start(d, workdir, False, cfg.ready_timeout)
            if why:
                samples.fail(d.name, why)
                continue
            if run:
                running[d.name] = run
                samples.add("startup_ms", d.name, run.startup_ms)
        for suffix, _ in PLACEMENTS:
            pinned = suffix == "_pinned"
            for d in drivers:
                if samples.failed(d.name):
                    continue
                if pinned and d.name in running:
                    why = pin(running[d.name])
                    if why:
                        samples.fail(d.name, f"pinning failed: {why}")
                        continue
                try:
                    warm_up(d, running.get(d.name), pinned, cfg)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    samples.fail(d.name, f"{'pinned ' if pinned else ''}warm-up failed: {e}")
            measure_rounds(drivers, running, suffix, cfg, samples)
            if not pinned:
                for name, run in running.items():
                    if not samples.failed(name):
                        samples.set(rss_key(1), name, rss_mib(run.proc.pid))
    finally:
        for run in running.values():
            run.stop()


def measure_rounds(drivers, running, suffix, cfg, samples):
    """cfg.rounds rounds of every client-side measure on every driver still measured: measure by
    measure, the driver order rotated each round, so load from elsewhere spreads over all drivers."""
    pinned = suffix == "_pinned"
    live = [d for d in drivers if not samples.failed(d.name)]
    for rnd in range(cfg.rounds):
        log(f"bench: {placement_name(suffix)} round {rnd + 1}/{cfg.rounds}")
        order = live[rnd % len(live):] + live[:rnd % len(live)] if live else []
        for key, args in client_measures(cfg.seconds):
            for d in order:
                if samples.failed(d.name):
                    continue
                try:
                    res = json.loads(client([args[0], target_of(d, running.get(d.name)), *args[1:]],
                                            pinned, cfg.seconds * 5 + 60))
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                    samples.fail(d.name, f"{'pinned ' if pinned else ''}{key} failed: {e}")
                    continue
                if key == "roundtrip_1b":
                    samples.add(f"roundtrip_1b_p50_us{suffix}", d.name, res["p50_us"])
                    samples.add(f"roundtrip_1b_p99_us{suffix}", d.name, res["p99_us"])
                else:
                    samples.add(key + suffix, d.name, res["mb_s"])


def measure_startup(drivers, cfg, workdir, samples):
    """cfg.startups starts of each daemon in all, one of them the start run_placements made."""
    for d in drivers:
        if d.kind != "daemon":
            samples.missing("startup_ms", d.name, "no daemon to start")
            continue
        for _ in range(cfg.startups - 1):
            run, why = start(d, workdir, False, cfg.ready_timeout)
            if why:
                samples.missing("startup_ms", d.name, why)
                break
            samples.add("startup_ms", d.name, run.startup_ms)
            run.stop()


def measure_reload(drivers, cfg, samples):
    """Hot-reload latency by scripts/bench/reload_latency.py (the hot-reload
    work's own measure): save an edited script (rename over it, as editors
    do), time until a client reads what the new code answers."""
    tool = os.path.join(HERE, "reload_latency.py")
    keys = {"reload_ms": "reload_ms", "reload_host_ms": "reload_swap_ms"}   # ours: the tool's
    langs = [d.name for d in drivers if d.host and not d.skip]
    for d in drivers:
        if not d.host:
            for k in keys:
                samples.missing(k, d.name, "no hot reload")
    if not langs:
        return
    why = None
    if not os.path.exists(tool):
        why = "not measured: scripts/bench/reload_latency.py is missing"
    else:
        env = dict(os.environ, FUSD_HOST_CMD=" ".join(jvm.host_command()))
        argv = [sys.executable, tool, "--lang", ",".join(langs), "--reloads", str(cfg.reloads),
                "--warmup", "1", "--gap", "0.5"]
        try:
            r = subprocess.run(argv, capture_output=True, text=True, env=env,
                               timeout=cfg.ready_timeout + 120 * len(langs))
            if r.returncode != 0:
                why = "failed: " + (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
            else:
                res = json.loads(r.stdout.strip().splitlines()[-1])
                for ln in langs:
                    for ours, theirs in keys.items():
                        if f"{theirs}_{ln}_p50" in res:
                            samples.set(ours, ln, res[f"{theirs}_{ln}_p50"])
        except (subprocess.TimeoutExpired, ValueError, IndexError) as e:
            why = f"failed: {e}"
    for ln in langs:
        for k in keys:
            if not samples.get(k, ln):
                samples.missing(k, ln, why or "not reported")


def device_count_skip(d, n, cfg, samples):
    """Why one host serving n copies of d's script is not measured, or None."""
    if not d.host:
        return "serves one file: per-device memory is measured for the script host"
    if d.skip or n > cfg.max_devices or (cfg.quick and d.name != "js"):
        return d.skip or "skipped in QUICK mode"
    if n > 100 and d.name != "js":
        return ("not measured: a GraalPy context takes about half a second to start, so 1,000 would take"
                " 10 minutes; the target is for JS")
    prev = samples.get(rss_key(100), d.name)
    if n > 100 and prev and prev[0] * n / 100 > mem_available_mib() / 2:
        return (f"skipped: {prev[0] * n / 100:.0f} MiB projected from 100 devices is over"
                " half the memory available")
    return None


def bench_copies(d, n, workdir):
    """n copies of d's bench script, each serving its own device bench0 ... bench{n-1}."""
    ext = ".js" if d.name == "js" else ".py"
    with open(script_path(ext)) as f:
        src = f.read()
    gen = tempfile.mkdtemp(prefix=f"gen-{d.name}-{n}-", dir=workdir)
    scripts = []
    for i in range(n):
        p = os.path.join(gen, f"bench{i}{ext}")
        with open(p, "w") as f:
            f.write(re.sub(r'name = "bench"', f'name = "bench{i}"', src, count=1))
        scripts.append(p)
    return scripts


def measure_device_counts(drivers, cfg, workdir, samples):
    """RSS of one host serving N devices, one generated script per device."""
    for d in drivers:
        for n in DEVICE_COUNTS[1:]:
            key = rss_key(n)
            why = device_count_skip(d, n, cfg, samples)
            if why:
                samples.missing(key, d.name, why)
                continue
            scripts = bench_copies(d, n, workdir)
            run = Running(d, workdir, False, expect=n, argv=lambda m: host_argv(scripts, m))
            why = run.wait_ready(cfg.ready_timeout + n * 0.5)
            if why:
                samples.missing(key, d.name, why)
                run.stop()
                continue
            try:
                for p in run.ready_paths:      # each device serves a read once
                    with open(p, "rb") as f:
                        f.read(1)
                time.sleep(0.5)
                samples.set(key, d.name, rss_mib(run.proc.pid))
            except OSError as e:
                samples.missing(key, d.name, f"reading a device failed: {e}")
            finally:
                run.stop()
