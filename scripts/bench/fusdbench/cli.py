"""scripts/bench/run's options and the run from start to end."""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import traceback

from .build import build, ensure_packages
from .charts import gnuplot_charts
from .check import check
from .drivers import all_drivers
from .measure import measure_device_counts, measure_reload, measure_startup, run_placements
from .paths import OUT, log
from .report import print_report, summarise, write_docs
from .samples import Samples, not_run
from .takeover import measure_takeover
from .vm import load_vm, run_vm

# rounds, seconds per measure, warm-up seconds (any driver; script drivers before the unpinned
# rounds), startups, most devices in one host, reloads; the takeover phase: its languages, launches
# and crashes of each, pairs of hosts given traffic_s of traffic each
QUICK = dict(rounds=2, seconds=0.1, warmup=0.3, warmup_script=6.0, startups=1, max_devices=100, reloads=2,
             takeover_langs=("js",), takeover_runs=1, traffic_runs=0, traffic_s=20.0)
FULL = dict(rounds=3, seconds=1.0, warmup=1.0, warmup_script=20.0, startups=3, max_devices=1000, reloads=5,
            takeover_langs=("js", "py"), takeover_runs=3, traffic_runs=2, traffic_s=20.0)
READY_TIMEOUT = 180.0


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", default=os.environ.get("QUICK", "") not in ("", "0"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--drivers", default="")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--no-install", dest="install", action="store_false")
    ap.add_argument("--no-docs", dest="docs", action="store_false")
    ap.add_argument("--no-vm", dest="vm", action="store_false")
    ap.add_argument("--no-takeover", dest="takeover", action="store_false")
    ap.add_argument("--vm-into", metavar="RESULTS",
                    help="run only the VM part and put it into RESULTS, the results.json of an earlier full run"
                         " (made with --no-vm), then write the report and BENCHMARKS.md from them")
    ap.add_argument("--vm-from", metavar="BENCH_JSON",
                    help="with --vm-into: take the VM part from this bench.json of a `scripts/vmtest bench` run"
                         " instead of running it")
    ap.add_argument("--takeover-into", metavar="RESULTS",
                    help="run only the takeover phase and put it into RESULTS, the results.json of an earlier"
                         " full run, then write the report and BENCHMARKS.md from them")
    cfg = ap.parse_args()
    defaults = QUICK if cfg.quick else FULL
    if cfg.quick:
        cfg.docs = False                    # BENCHMARKS.md reports full runs only
    cfg.rounds = cfg.rounds or defaults["rounds"]
    cfg.seconds = cfg.seconds or defaults["seconds"]
    for k in ("warmup", "warmup_script", "startups", "max_devices", "reloads",
              "takeover_langs", "takeover_runs", "traffic_runs", "traffic_s"):
        setattr(cfg, k, defaults[k])
    cfg.ready_timeout = READY_TIMEOUT
    return cfg


def chosen_drivers(cfg, java_error):
    """The drivers --drivers names (all by default), each with why it is skipped, if it is."""
    drivers = all_drivers(java_error)
    if cfg.drivers:
        want = cfg.drivers.split(",")
        drivers = [d for d in drivers if d.name in want]
    for d in drivers:
        d.skip = d.prereq() if d.prereq else None
    return drivers


def measure_all(drivers, cfg, workdir, t_start):
    """The measuring run: every measure, the VM part of a full run, then the report."""
    live = [d for d in drivers if not d.skip]
    samples = Samples()
    run_placements(live, cfg, workdir, samples)
    log("bench: startup")
    measure_startup(live, cfg, workdir, samples)
    log("bench: reload")
    measure_reload(drivers, cfg, samples)
    log("bench: memory with many devices")
    measure_device_counts(drivers, cfg, workdir, samples)
    takeover = run_takeover(live, cfg, workdir)
    vm = None if cfg.quick else run_vm() if cfg.vm else {"skipped": "--no-vm given"}
    if vm is not None and not_run(vm):
        log(f"bench: VM part skipped: {vm['skipped']}")
    results = summarise(samples, drivers, cfg)
    results["takeover"] = takeover
    if vm is not None:
        results["vm"] = vm
    results["meta"]["elapsed_s"] = round(time.monotonic() - t_start, 1)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    charts = gnuplot_charts(results, drivers)
    if cfg.docs:
        write_docs(results, drivers, charts)
    print_report(results, drivers, vm, cfg.docs, time.monotonic() - t_start)
    return 0


def run_takeover(live, cfg, workdir):
    """The takeover phase for the script drivers measured (docs/benchmarks.md), or {"skipped": why}."""
    langs = [d.name for d in live if d.host and d.name in cfg.takeover_langs]
    if not cfg.takeover:
        return {"skipped": "--no-takeover given"}
    if not langs:
        return {"skipped": "no fusd-host script driver (js, py) is measured in this run"}
    log("bench: takeover phase: fast start, takeover, crash, JIT speed after traffic")
    try:
        takeover = measure_takeover(langs, cfg, workdir)
    except Exception as e:      # a fault in the phase must not cost the run's other figures
        traceback.print_exc()
        takeover = {"skipped": f"failed: {e!r}"}
    if not_run(takeover):
        log(f"bench: takeover phase skipped: {takeover['skipped']}")
    return takeover


def add_part(path, key, measure, drivers, t_start):
    """A part of a full run measured on its own (the VM part, the takeover phase): measure()
    gives it, it is added to that run's results (RESULTS[key]), and the report and BENCHMARKS.md
    are written again from them."""
    with open(path) as f:
        results = json.load(f)
    if results.get("meta", {}).get("quick", True):
        log(f"bench: {path} is not a full run's results")
        return 2
    part = measure()
    if not_run(part):
        log(f"bench: {key} part not run: {part['skipped']}")
        return 1
    results[key] = part
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    measured = [d for d in drivers if d.name in results["meta"]["drivers"]]
    write_docs(results, measured, gnuplot_charts(results, measured))
    print_report(results, measured, results.get("vm"), True, time.monotonic() - t_start)
    return 0


def unmount_under(workdir):
    """umount -l whatever a driver left mounted under workdir."""
    with open("/proc/self/mounts") as f:
        left = [ln.split()[1] for ln in f if ln.split()[1].startswith(workdir + "/")]
    for m in left:
        subprocess.run(["umount", "-l", m], capture_output=True)


def main(description):
    cfg = parse_args(description)
    t_start = time.monotonic()
    if os.geteuid() != 0:
        log("bench: not root: FUSE mounts may fail (the harness mounts with mount(2) via the daemons)")
    ensure_packages(cfg.install, need_charts=not cfg.check)
    java_error = build()
    log("bench: built; checking drivers")
    drivers = chosen_drivers(cfg, java_error)
    if cfg.vm_into:
        return add_part(cfg.vm_into, "vm", lambda: load_vm(cfg.vm_from) if cfg.vm_from else run_vm(),
                        drivers, t_start)
    workdir = tempfile.mkdtemp(prefix="fusd-bench.")
    try:
        if cfg.check:
            return check(drivers, workdir)
        if cfg.takeover_into:
            live = [d for d in drivers if not d.skip]
            return add_part(cfg.takeover_into, "takeover", lambda: run_takeover(live, cfg, workdir),
                            drivers, t_start)
        return measure_all(drivers, cfg, workdir, t_start)
    finally:
        unmount_under(workdir)
        shutil.rmtree(workdir, ignore_errors=True)
