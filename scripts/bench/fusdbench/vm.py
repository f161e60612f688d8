"""The VM part of a full run: `scripts/vmtest bench` (fusd.ko and CUSE in
QEMU), its bench.json, and how it reads on stdout and in BENCHMARKS.md."""
import json
import os
import re
import subprocess
import time

from .paths import ROOT, log
from .samples import not_run
from .tables import fmt, part_text_table

VM_MEASURES = [("roundtrip_1b_p50_us", "1-byte read round trip p50"),
               ("read_64k_mb_s", "64 KiB read throughput")]


def run_vm():
    """The VM part: `scripts/vmtest bench` (docs/benchmarks.md). Returns the
    bench.json it leaves, or {"skipped": why} when it gave none."""
    vmtest = os.path.join(ROOT, "scripts", "vmtest")
    if os.geteuid() != 0:
        return {"skipped": "not root (scripts/vmtest needs root)"}
    log("bench: VM part, scripts/vmtest bench (QEMU TCG, 20 to 60 minutes: JVM warm-up)")
    t0, lines = time.monotonic(), []
    proc = subprocess.Popen([vmtest, "bench"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, cwd=ROOT, start_new_session=True)
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        log(f"vm: {lines[-1]}")
    proc.wait()
    run = next((m.group(1) for ln in lines for m in [re.search(r"results in (\S+)", ln)] if m), None)
    path = os.path.join(run, "bench.json") if run else None
    if not path or not os.path.exists(path):
        tail = " | ".join(ln.strip() for ln in lines[-3:])
        return {"skipped": f"scripts/vmtest bench exited {proc.returncode} without bench.json: {tail}"}
    with open(path) as f:
        vm = json.load(f)
    vm["meta"]["vmtest"] = {"exit": proc.returncode, "results": os.path.relpath(path, ROOT),
                            "wall_s": round(time.monotonic() - t0, 1),
                            "failures": [ln for ln in lines if ln.startswith("FAIL ")]}
    return vm


def load_vm(path):
    """The VM part from a bench.json that `scripts/vmtest bench` left (run
    apart, e.g. from another checkout), described as run_vm describes it."""
    run = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        vm = json.load(f)
    rc_file, out_file = os.path.join(run, "bench.rc"), os.path.join(run, "bench.out")
    rc = int(open(rc_file).read().strip() or 0) if os.path.exists(rc_file) else None
    failures = [ln.rstrip("\n") for ln in open(out_file) if ln.startswith("FAIL ")] if os.path.exists(out_file) else []
    vm["meta"]["vmtest"] = {"exit": rc, "results": os.path.relpath(path, ROOT), "wall_s": None, "failures": failures}
    return vm


def vcpus(meta):
    n = meta.get("vcpus", 1)
    return "one vCPU" if n == 1 else f"{n} vCPUs"


def vm_drivers(vm):
    return list(vm.get("meta", {}).get("drivers", {}))


def vm_text(vm):
    if not_run(vm):
        return f"VM part not run: {vm['skipped']}"
    ds = vm_drivers(vm)
    rows = [(k, [vm["ratio_to_c_fusd"][k].get(d) for d in ds]) for k, _ in VM_MEASURES]
    return "\n".join(["VM (QEMU TCG), ratio to c_fusd (absolute values under TCG in results.json):",
                      *part_text_table(ds, rows)])


def vm_md(vm):
    """BENCHMARKS.md's section for the VM part: ratios to c_fusd."""
    lines = ["## VM (QEMU TCG): fusd.ko and CUSE", ""]
    if vm is None or not_run(vm):
        why = "not a full run" if vm is None else vm["skipped"]
        return lines + [f"Not run: {why}.", ""]
    m, ds = vm["meta"], vm_drivers(vm)
    settled = m.get("settled", {})
    jit = "; ".join(f"`{d}` warmed up {m.get('warmup_s', {}).get(d, 0):.0f} s"
                    f"{'' if d not in settled else ' until it settled' if settled[d] else ' without settling'}"
                    f"{compilations(d, j)}"
                    for d, j in m.get("jit_compilations", {}).items())
    lines += [
        "`scripts/vmtest bench` (`scripts/vmtest.d/bench`): Debian's kernel"
        f" {m.get('kernel', '')} in QEMU without KVM (TCG, {vcpus(m)}), fusd.ko loaded. The same device"
        " served by a C daemon on `/dev/fusd` (`c_fusd`), a C CUSE daemon (`c_cuse`), fusd-host's JS"
        " driver (`js_*`, with the Graal JIT) and the host's fusd channel with a Java device and no"
        " script engine (`java_fusd`), measured by the same `bench_client`,"
        f" {m.get('rounds')} interleaved rounds, medians. Emulation slows everything by an order of"
        " magnitude and the JIT's own compilations far more, so each JVM driver is warmed up until it"
        " settles (no compilation and a steady round trip for a while) or a time limit"
        f"{' (' + jit + ')' if jit else ''}. Only ratios are shown: the driver's value divided by"
        " `c_fusd`'s (above 1 is slower for the round trip, faster for throughput)."
        " Values: `target/bench/results.json`, key `vm`.",
        "",
        "| measure | " + " | ".join(f"`{d}`" for d in ds) + " |",
        "|---|" + "---:|" * len(ds),
    ]
    for k, label in VM_MEASURES:
        lines.append(f"| {label} (`{k}`) | "
                     + " | ".join(fmt(vm["ratio_to_c_fusd"][k].get(d)) for d in ds) + " |")
    lines.append("")
    lines += v2_md(vm.get("v2"))
    notes = [f"- `{d}`: {why}" for d, why in vm.get("skipped", {}).items()]
    notes += [f"- {ln}" for ln in m.get("vmtest", {}).get("failures", [])]
    return lines + (["Not measured or failed in the VM:", ""] + notes + [""] if notes else [])


def compilations(driver, jit):
    """", N Truffle compilations" for a script driver; nothing for the Java device."""
    return "" if driver.startswith("java") else f", {jit.get('done_before_rounds')} Truffle compilations"


def v2_md(v2):
    """The ABI version 2 measures: mmap against a plain memfd mapping, and a
    64 KiB mem.read ioctl by channel."""
    if not v2:
        return []
    mmap, p50 = v2.get("mmap_read_mb_s", {}), v2.get("mem_64k_p50_us", {})
    lines = ["ABI version 2, same guest:", "",
             f"- mmap: a bulk read of a fusd device's shared memory mapped by a client runs at"
             f" {fmt(v2.get('mmap_ratio_to_plain_memfd'))}x the same read of a plain memfd mapping"
             f" ({fmt(mmap.get('c_fusd_mapping'))} and {fmt(mmap.get('plain_memfd'))} MB/s under TCG).",
             "- `mem`: one 64 KiB `mem.read` ioctl, p50: "
             + ", ".join(f"`{d}` {fmt(v)} µs" for d, v in p50.items() if v is not None)
             + (f"; fusd is {fmt(v2['mem_js_fusd_speedup_over_js_cuse'])}x as fast as cuse for the same script."
                if v2.get("mem_js_fusd_speedup_over_js_cuse") else "."),
             ""]
    return lines
