"""The results of a run: results.json's content, the targets, BENCHMARKS.md
and the report on stdout (docs/benchmarks.md, "results.json")."""
import datetime
import os
import platform
import shutil

from .measures import PIN_CPU, PLACEMENTS, result_keys
from .paths import DOCS_CHARTS, OUT, ROOT
from .tables import md_table, text_table
from .takeover import takeover_md, takeover_text
from .vm import vm_md, vm_text


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    distro = ""
    try:
        with open("/etc/os-release") as f:
            distro = next(ln.split("=", 1)[1].strip().strip('"') for ln in f if ln.startswith("PRETTY_NAME"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1048576:.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "os": distro, "memory": mem,
            "load_before": os.getloadavg()[0]}


def summarise(samples, drivers, cfg):
    """results.json's content (without "takeover", "vm" and meta's "elapsed_s", which the run adds):
    the medians, every driver a key of every measure (None: not measured), the ratios to
    c_libfuse, and the reasons for whatever is missing."""
    results = {"meta": {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "quick": cfg.quick, "rounds": cfg.rounds, "seconds": cfg.seconds,
        "placements": {("unpinned" if s == "" else s): desc for s, desc in PLACEMENTS},
        "units": {"_us": "microseconds", "_mb_s": "10^6 bytes per second",
                  "_ms": "milliseconds", "_mib": "MiB resident (VmRSS)"},
        "drivers": {d.name: d.label for d in drivers},
    }}
    for k in result_keys():
        results[k] = {}
    for k, per in samples.medians().items():
        results[k].update(per)
    for k in result_keys():
        for d in drivers:
            results[k].setdefault(d.name, None)
    ratio = {}
    for k in result_keys():
        base = results[k].get("c_libfuse")
        ratio[k] = {n: (round(v / base, 3) if v is not None and base else None) for n, v in results[k].items()}
    results["ratio_to_c_libfuse"] = ratio
    skipped = {d.name: d.skip for d in drivers if d.skip}
    skipped.update({n: f"failed: {why}" for n, why in samples.failures.items() if n not in skipped})
    results["skipped"] = skipped
    results["unavailable"] = dict(samples.unavailable)
    return results


def reasons(results):
    """Why each missing figure is missing, one Markdown list item per reason."""
    lines = [f"- `{d}`: {why}" for d, why in results["skipped"].items()]
    for k, per in results["unavailable"].items():
        grouped = {}
        for d, why in per.items():
            if d not in results["skipped"]:
                grouped.setdefault(why, []).append(f"`{d}`")
        for why, ds in grouped.items():
            lines.append(f"- `{k}` for {', '.join(ds)}: {why}")
    return lines


def target_rows(results):
    """The issue's targets against this run: (target, figure, verdict); both placements for ratios."""
    r, ratio = results, results["ratio_to_c_libfuse"]
    rows = []

    def verdict(ok):
        return "not measured" if ok is None else ("met" if ok else "not met")

    def ratio_row(label, measure, driver, ok):
        for suffix in ("", "_pinned"):
            v = ratio.get(measure + suffix, {}).get(driver)
            rows.append((f"{label}{' (pinned)' if suffix else ''}",
                         "-" if v is None else f"{v:.2f}x", verdict(None if v is None else ok(v))))

    ratio_row("JS 1-byte round trip p50 at or below c_libfuse (1.0x)", "roundtrip_1b_p50_us", "js", lambda v: v <= 1.0)
    ratio_row("Python 1-byte round trip p50 within 1.1x of c_libfuse", "roundtrip_1b_p50_us", "py", lambda v: v <= 1.1)
    for driver, label in (("js", "JS"), ("py", "Python")):
        for suffix in ("", "_pinned"):
            per = r.get("roundtrip_1b_p50_us" + suffix, {})
            mine = per.get(driver)
            others = {b: per.get(b) for b in ("py_fusepy", "py_fusepy_nothreads", "py_pyfuse3")}
            known = {b: v for b, v in others.items() if v is not None}
            ok = None if mine is None or not known else all(mine < v for v in known.values())
            fig = "-" if mine is None else f"{mine:.1f} µs vs " + ", ".join(f"{b} {v:.1f}" for b, v in known.items())
            rows.append((f"{label} round trip faster than every Python binding{' (pinned)' if suffix else ''}",
                         fig, verdict(ok)))
    ratio_row("JS 64 KiB read throughput at or above c_libfuse", "read_64k_mb_s", "js", lambda v: v >= 1.0)
    ratio_row("JS 64 KiB write throughput at or above c_libfuse", "write_64k_mb_s", "js", lambda v: v >= 1.0)
    for driver, label, limit in (("js", "JS", 1000), ("py", "Python", 3000)):
        v = r.get("startup_ms", {}).get(driver)
        rows.append((f"{label} startup to device ready within {limit / 1000:.0f} s",
                     "-" if v is None else f"{v:.0f} ms", verdict(None if v is None else v <= limit)))
    v = r.get("rss_1000dev_mib", {}).get("js")
    rows.append(("1,000 JS devices in one host under 1 GiB resident",
                 "-" if v is None else f"{v:.0f} MiB", verdict(None if v is None else v < 1024)))
    return rows


def write_docs(results, drivers, charts):
    """BENCHMARKS.md, and the charts it shows copied to docs/bench."""
    os.makedirs(DOCS_CHARTS, exist_ok=True)
    for c in charts:
        shutil.copy(os.path.join(OUT, c), os.path.join(DOCS_CHARTS, c))
    m = results["meta"]
    mc = m["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`scripts/bench/run`); do not edit by hand. "
        "What each driver and measure is: [docs/benchmarks.md](docs/benchmarks.md).",
        "",
        f"- Date: {m['date']}",
        f"- Machine: {mc['nproc']} CPUs, {mc['cpu']}, {mc['memory']} RAM, kernel {mc['kernel']}, {mc['os']}"
        f" (load average {mc['load_before']:.2f} at start; a shared machine, so absolute figures are noisy"
        " and ratios within this run are what to compare)",
        f"- Run: {'QUICK (reduced)' if m['quick'] else 'full'}, {m['rounds']} rounds interleaved across drivers,"
        f" {m['seconds']} s per throughput measure, medians of rounds",
        "- Placement: measures without a suffix are unpinned (the scheduler places client and driver);"
        f" `_pinned` ones ran client and driver both on CPU {PIN_CPU} (the client under `taskset -c {PIN_CPU}`, the"
        f" running driver moved there with `taskset -a -p -c {PIN_CPU}`, all its threads).",
        "- Units: µs; MB/s with MB = 10^6 bytes; ms; RSS in MiB.",
        "",
        "## Results",
        "",
        md_table(results, drivers),
        "",
        "## Targets",
        "",
        "The benchmark issue's goals, judged on this run (unpinned and pinned).",
        "",
        "| target | this run | |",
        "|---|---|---|",
        *[f"| {t} | {fig} | {v} |" for t, fig, v in target_rows(results)],
        "",
        "## Ratio to `c_libfuse`",
        "",
        "Value divided by c_libfuse's in the same run: above 1 is slower for latency,"
        " faster for throughput, bigger for memory and startup.",
        "",
        md_table(results, drivers, ratio=True),
        "",
    ]
    if charts:
        lines += ["## Charts", ""]
        lines += [f"![{c[:-4]}](docs/bench/{c})" for c in charts]
        lines.append("")
    lines += takeover_md(results.get("takeover"))
    lines += vm_md(results.get("vm"))
    lines += ["## Not measured, and why", ""] + reasons(results) + [""]
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines))


def print_report(results, drivers, vm, docs, elapsed_s):
    """The report on stdout: the tables, the targets, what was not measured and why."""
    print(text_table(results, drivers))
    print()
    print("ratio to c_libfuse (value / c_libfuse's):")
    print(text_table(results, drivers, ratio=True))
    print()
    print("targets:")
    for t, fig, v in target_rows(results):
        print(f"  {v:12s}  {t}: {fig}")
    print()
    print("not measured:")
    print("\n".join(reasons(results)))
    if "takeover" in results:
        print()
        print(takeover_text(results["takeover"]))
    if vm is not None:
        print()
        print(vm_text(vm))
    print(f"\nunpinned: scheduler places client and driver; _pinned: both on CPU {PIN_CPU}.")
    print(f"results: {os.path.relpath(os.path.join(OUT, 'results.json'), ROOT)}"
          f"{', BENCHMARKS.md' if docs else ''}; {elapsed_s:.0f} s")
