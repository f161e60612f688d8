"""The takeover phase (issue 17's measures, docs/benchmarks.md "Takeover
phase"): fast start against a JIT-only start, the pause a client sees at the
takeover, memory while both hosts live, a crash healed by the keeper, and the
round trip of a host that took over against a JIT-only host's after the same
traffic; results.json's "takeover", its text and its BENCHMARKS.md section.

Every host here is host/bin/fusd-host on the fuse channel: fast start and the
keeper are the launcher's (docs/takeover.md)."""
import errno
import functools
import json
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import threading
import time

from . import jvm
from .drivers import Driver, script_path
from .measure import traffic
from .measures import PLACEMENTS, client_measures, placement_name
from .paths import ROOT, log
from .processes import Running, client, pin, process_tree, rss_mib
from .samples import Samples, not_run
from .tables import fmt, part_text_table

LAUNCHER = os.path.join(ROOT, "host", "bin", "fusd-host")
LANGS = {"js": "JS", "py": "Python"}
# the launch and crash scripts (the issue's), their device and what a fresh open reads
HELLO = {"js": ("examples/hello.js", "hello", b"Hello from a script!\n"),
         "py": ("examples/hello.py", "hello-py", b"Hello from a Python script!\n")}
# how each host is started: `run` plus these flags
# The keeper's host is a JIT host, as in the runs before fast start under the keeper existed.
STARTS = {"fast": [], "jit": ["--no-handover"], "keeper": ["--keeper", "--no-handover"]}
FIRST_ANSWER_TARGET_S = {"js": 1.2, "py": 3.0}
TAIL_S = 1.0            # a client reads on this long after the takeover line: the JIT host's first calls count
SLICE_S = 1.0           # traffic alternates between the two hosts in slices this long
# a reading client waits this long between calls: a pause longer than it always holds up a call, and the
# client leaves the hosts the CPUs (a tight loop took one of the two, slowing the JIT host's start)
PACE_S = 0.002
TAKEOVER_RE = re.compile(r"fusd: takeover: pid (\d+) -> (\d+), gap ([0-9.]+) ms")
RECOVERED_RE = re.compile(r"fusd: recovered after a crash \([^)]*\): pid (\d+) serves again ([0-9.]+) ms")
RESEND_KERNEL = (6, 9)  # FUSE_NOTIFY_RESEND

# results.json's keys in table order: (key, label); every one maps a language to a figure
MEASURES = [
    ("first_answer_fast_s", "launch to first answer, fast start (`run`), s"),
    ("first_answer_jit_s", "launch to first answer, JIT only (`run --no-handover`), s"),
    ("first_answer_speedup", "fast start's speed-up (JIT only / fast)"),
    ("took_over_s", "launch to the takeover line, s"),
    ("takeover_pause_p50_ms", "longest call a client saw at the takeover, p50 of runs, ms"),
    ("takeover_pause_max_ms", "the same, max of runs, ms"),
    ("host_gap_p50_ms", "gap the host reports (`fusd: takeover: ... gap`), p50, ms"),
    ("host_gap_max_ms", "the same, max, ms"),
    ("rss_both_hosts_mib", "memory while both hosts live (peak), MiB"),
    ("rss_after_takeover_mib", "memory of the JIT host alone after the takeover, MiB"),
    ("crash_restored_s", "crash (SIGKILL) to a client's reads succeeding again (`run --keeper --no-handover`), s"),
    ("crash_host_s", "crash to serving, as the new host reports it, s"),
] + [m for suffix, _ in PLACEMENTS for m in [
    (f"roundtrip_after_traffic_fast_p50_us{suffix}",
     f"round trip p50 after the traffic, host that took over, {placement_name(suffix)}, µs"),
    (f"roundtrip_after_traffic_jit_p50_us{suffix}", f"the same, JIT-only host, {placement_name(suffix)}, µs"),
    (f"roundtrip_after_traffic_ratio{suffix}", f"ratio took over / JIT only, {placement_name(suffix)}"),
    (f"roundtrip_after_traffic_spread{suffix}",
     f"spread between rounds, (max - min) / median, the larger of the two hosts', {placement_name(suffix)}"),
]]
MAX_KEYS = {"takeover_pause_max_ms": "takeover_pause_p50_ms", "host_gap_max_ms": "host_gap_p50_ms"}


@functools.lru_cache(maxsize=None)
def fast_start_missing():
    """Why fast start cannot be measured here, or None (the AOT cache is built if it is missing)."""
    if jvm.host_classpath_override() is not None:
        return "FUSD_BENCH_HOST_CLASSPATH is set: fast start and the keeper belong to host/bin/fusd-host and its jar"
    if not jvm.host_built():
        return "host not built (run `make build`)"
    r = subprocess.run([LAUNCHER, "aot-cache"], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        return "no AOT cache (`host/bin/fusd-host aot-cache`): " + (r.stderr.strip().splitlines() or ["?"])[-1]
    return None


def crash_missing():
    """Why the keeper's crash survival cannot be measured here, or None."""
    if not os.path.exists(os.path.join(jvm.HOST_TARGET, "fusd-keeper")):
        return "host/target/fusd-keeper not built (run `make build`)"
    release = tuple(int(x) for x in re.findall(r"\d+", platform.release())[:2])
    if release < RESEND_KERNEL:
        return (f"kernel {platform.release()} has no FUSE_NOTIFY_RESEND (6.9): a call the dead host had read"
                " waits until its caller is interrupted, so the client measured could hang")
    return None


def host(lang, start, script=None):
    """A Driver for fusd-host started `run` + STARTS[start] on the fuse channel, serving script
    (by default examples/hello.*)."""
    script = script or os.path.join(ROOT, HELLO[lang][0])

    def argv(mount):
        return [*jvm.host_command(), "run", *STARTS[start], "--no-watch", "--channel", "fuse",
                "--mount", mount, script]
    return Driver(f"{lang}-{start}", f"fusd-host run {' '.join(STARTS[start])}", "daemon", argv, ready="line")


class Reader(threading.Thread):
    """A client that opens the device, reads once and closes it, every PACE_S, timing each
    open-read-close; calls: (start, end, None or why it failed), in order."""

    def __init__(self, path, expect):
        super().__init__(daemon=True)
        self.path, self.expect = path, expect
        self.calls = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            t, why = time.monotonic(), None
            try:
                fd = os.open(self.path, os.O_RDONLY)
                try:
                    if os.read(fd, 100) != self.expect:
                        why = "wrong bytes"
                finally:
                    os.close(fd)
            except OSError as e:
                why = errno.errorcode.get(e.errno, str(e))
            self.calls.append((t, time.monotonic(), why))
            self.done.wait(PACE_S)

    def finish(self):
        self.done.set()
        self.join(10)

    def errors(self, since=0.0):
        """why -> how many calls that ended after since failed so."""
        out = {}
        for _, end, why in self.calls:
            if why and end > since:
                out[why] = out.get(why, 0) + 1
        return out


def first_answer(run, path, expect, timeout):
    """Seconds from the host's launch until a fresh open of path reads expect; None and why if not."""
    while time.monotonic() - run.t0 < timeout:
        if run.proc.poll() is not None:
            return None, f"exited {run.proc.returncode} before answering: {run.stderr_tail()}"
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                data = os.read(fd, 100)
            finally:
                os.close(fd)
            if data == expect:
                return time.monotonic() - run.t0, None
            return None, f"read {data!r}, not {expect!r}"
        except OSError:
            time.sleep(0.002)     # not mounted yet: no busy loop, the host needs the CPUs
    return None, f"no answer within {timeout:.0f} s: {run.stderr_tail()}"


def wait_line(run, regex, timeout, poll=0.02, each=None):
    """The match of regex on the host's stderr once it appears (None after timeout or the host's exit);
    each() is called at every poll meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and run.proc.poll() is None:
        m = run.stderr_search(regex)
        if m:
            return m
        if each:
            each()
        time.sleep(poll)
    return None


def launch(lang, start, workdir, timeout):
    """One launch of examples/hello.*: {"first_answer_s"} and, for a fast start, the takeover as a
    client reading all along sees it; or {"error": why}."""
    _, device, expect = HELLO[lang]
    run = Running(host(lang, start), workdir, False)
    try:
        first, why = first_answer(run, os.path.join(run.mount, device), expect, timeout)
        if why:
            return {"error": why}
        out = {"first_answer_s": round(first, 3)}
        if start == "fast":
            out.update(watch_takeover(run, os.path.join(run.mount, device), expect, timeout))
        return out
    finally:
        run.stop()


def watch_takeover(run, path, expect, timeout):
    """A client reads until TAIL_S after the takeover line while the hosts' memory is sampled."""
    reader = Reader(path, expect)
    peak = [0.0]
    last = [0.0]

    def sample():     # not at every poll: reading /proc for two JVMs' threads holds the client's GIL
        if time.monotonic() - last[0] >= 0.2:
            last[0] = time.monotonic()
            peak[0] = max(peak[0], rss_mib(run.proc.pid))
    reader.start()
    m = wait_line(run, TAKEOVER_RE, timeout - (time.monotonic() - run.t0), each=sample)
    seen = time.monotonic()
    if not m:
        reader.finish()
        return {"error": f"no takeover line within {timeout:.0f} s of launch: {run.stderr_tail()}"}
    time.sleep(TAIL_S)
    rss_after = rss_mib(run.proc.pid)
    reader.finish()
    gap_s = float(m.group(3)) / 1000
    # calls that ended after the old host stopped reading (the line comes after the gap; 0.1 s for its
    # way through the log file) and began before the tail's end: the pause around the takeover
    around = [end - t for t, end, _ in reader.calls if end > seen - gap_s - 0.1]
    return {"took_over_s": round(seen - run.t0, 3), "host_gap_ms": float(m.group(3)),
            "takeover_pause_ms": round(max(around) * 1000, 1) if around else None,
            "calls": len(reader.calls), "errors": reader.errors(),
            "rss_both_hosts_mib": round(peak[0], 1), "rss_after_takeover_mib": round(rss_after, 1)}


def java_child(pid):
    """The JVM host the keeper pid runs."""
    for p in process_tree(pid)[1:]:
        try:
            with open(f"/proc/{p}/comm") as f:
                if f.read().strip() == "java":
                    return p
        except OSError:
            pass
    return None


def crash(lang, workdir, timeout):
    """`run --keeper` serving examples/hello.*: SIGKILL its JVM host while a client reads; the seconds
    until a call begun after the host died succeeds, and what the new host reports; or {"error": why}."""
    _, device, expect = HELLO[lang]
    run = Running(host(lang, "keeper"), workdir, False)
    reader = None
    try:
        path = os.path.join(run.mount, device)
        _, why = first_answer(run, path, expect, timeout)
        if why:
            return {"error": why}
        reader = Reader(path, expect)
        reader.start()
        time.sleep(1.0)
        victim = java_child(run.proc.pid)
        if victim is None:
            return {"error": "no JVM host under the keeper"}
        pidfd = os.pidfd_open(victim)
        try:
            killed = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            if not select.select([pidfd], [], [], 30)[0]:
                return {"error": f"host {victim} still alive 30 s after SIGKILL"}
        finally:
            os.close(pidfd)
        dead, back, looked = time.monotonic(), None, 0
        while back is None and time.monotonic() - dead < timeout and run.proc.poll() is None:
            time.sleep(0.02)
            calls = reader.calls[looked:]
            looked += len(calls)
            back = next((end for t, end, why in calls if t > dead and not why), None)
        if back is None:
            return {"error": f"no successful read within {timeout:.0f} s of the crash: {run.stderr_tail()}"}
        m = wait_line(run, RECOVERED_RE, 10)
        return {"crash_restored_s": round(back - killed, 3),
                "crash_host_s": round(float(m.group(2)) / 1000, 3) if m else None,
                "errors": reader.errors(since=killed)}
    finally:
        if reader:
            reader.finish()
        run.stop()


def after_traffic(lang, cfg, workdir):
    """Two hosts serving the bench device, one started fast (measured from its takeover on), one JIT
    only: SLICE_S of traffic to each in turn until each had cfg.traffic_s, then cfg.rounds rounds of the
    round trip, alternating, unpinned, then again with both hosts and the client on one CPU (where the
    scheduler puts the client changes a round trip several times over, more than the JIT's state does).
    {placement suffix: {"fast": [p50 per round], "jit": [...]}}, or {"error": why}."""
    script = script_path("." + lang)
    runs = {s: Running(host(lang, s, script), workdir, False) for s in ("fast", "jit")}
    try:
        for s, run in runs.items():
            why = run.wait_ready(cfg.ready_timeout)
            if why:
                return {"error": f"{s}: {why}"}
        if not wait_line(runs["fast"], TAKEOVER_RE, cfg.ready_timeout):
            return {"error": f"fast: no takeover line: {runs['fast'].stderr_tail()}"}
        had = {s: 0.0 for s in runs}
        order = list(runs)
        while min(had.values()) < cfg.traffic_s:
            for s in order:
                if had[s] < cfg.traffic_s:
                    had[s] += traffic(runs[s].path, SLICE_S)
            order.reverse()
        rt = client_measures(cfg.seconds)[0][1]
        p50 = {}
        for suffix, _ in PLACEMENTS:
            pinned = suffix == "_pinned"
            for s, run in runs.items():
                why = pin(run) if pinned else None
                if why:
                    return {"error": f"{s}: pinning failed: {why}"}
            p50[suffix] = {s: [] for s in runs}
            for _ in range(cfg.rounds):
                for s in order:
                    res = client([rt[0], runs[s].path, *rt[1:]], pinned, cfg.seconds * 5 + 60)
                    p50[suffix][s].append(json.loads(res)["p50_us"])
                order.reverse()
        return p50
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
        return {"error": f"traffic failed: {e}"}
    finally:
        for run in runs.values():
            run.stop()


# what each kind of run gives: its result's key -> the measure's key (the first one names a failed run)
LAUNCH_KEYS = {"jit": {"first_answer_s": "first_answer_jit_s"},
               "fast": {"first_answer_s": "first_answer_fast_s", "took_over_s": "took_over_s",
                        "takeover_pause_ms": "takeover_pause_p50_ms", "host_gap_ms": "host_gap_p50_ms",
                        "rss_both_hosts_mib": "rss_both_hosts_mib", "rss_after_takeover_mib": "rss_after_takeover_mib"}}
CRASH_KEYS = {"crash_restored_s": "crash_restored_s", "crash_host_s": "crash_host_s"}


def measure_takeover(langs, cfg, workdir):
    """The phase: results.json's "takeover" for langs (of "js", "py"), or {"skipped": why}."""
    t0 = time.monotonic()
    why = fast_start_missing()
    if why:
        return {"skipped": why}
    s, errors = Samples(), {"takeover": {}, "crash": {}}

    def keep(lang, what, r, keys):
        log(f"bench: takeover phase, {lang} {what}: {r}")
        for rk, mk in keys.items():
            if r.get(rk) is not None:
                s.add(mk, lang, r[rk])
        if "error" in r:
            first = next((mk for rk, mk in keys.items() if r.get(rk) is None), next(iter(keys.values())))
            s.missing(first, lang, r["error"])
        for why, n in r.get("errors", {}).items():
            per = errors["crash" if what == "crash" else "takeover"].setdefault(lang, {})
            per[why] = per.get(why, 0) + n

    for i in range(cfg.takeover_runs):
        for lang in langs:
            for start in ("jit", "fast")[::1 if i % 2 == 0 else -1]:
                log(f"bench: takeover phase, {lang} {start} start {i + 1}/{cfg.takeover_runs}")
                keep(lang, f"{start} start", launch(lang, start, workdir, cfg.ready_timeout), LAUNCH_KEYS[start])
    no_crash = crash_missing()
    for i in range(cfg.takeover_runs):
        for lang in langs:
            if no_crash:
                s.missing("crash_restored_s", lang, no_crash)
                continue
            log(f"bench: takeover phase, {lang} crash {i + 1}/{cfg.takeover_runs}")
            keep(lang, "crash", crash(lang, workdir, cfg.ready_timeout), CRASH_KEYS)
    for lang in langs:
        if not cfg.traffic_runs:
            s.missing("roundtrip_after_traffic_ratio", lang,
                      f"not in QUICK mode ({cfg.traffic_s:.0f} s of traffic to each of two hosts)")
    for i in range(cfg.traffic_runs):
        for lang in langs:
            log(f"bench: takeover phase, {lang} round trip after {cfg.traffic_s:.0f} s of traffic"
                f" {i + 1}/{cfg.traffic_runs}")
            r = after_traffic(lang, cfg, workdir)
            log(f"bench: takeover phase, {lang} round trip p50s after the traffic: {r}")
            if "error" in r:
                s.missing("roundtrip_after_traffic_ratio", lang, r["error"])
                continue
            for suffix, p50 in r.items():
                for start in ("fast", "jit"):
                    for v in p50[start]:
                        s.add(f"roundtrip_after_traffic_{start}_p50_us{suffix}", lang, v)
                s.add(f"roundtrip_after_traffic_ratio{suffix}", lang,
                      statistics.median(p50["fast"]) / statistics.median(p50["jit"]))
    return summarise(s, errors, langs, cfg, time.monotonic() - t0)


def summarise(s, errors, langs, cfg, elapsed_s):
    """results.json's "takeover": medians of runs (maxima for the _max_ keys) per measure and language."""
    med = s.medians()
    out = {"meta": {"runs": cfg.takeover_runs, "traffic_runs": cfg.traffic_runs, "traffic_s": cfg.traffic_s,
                    "rounds": cfg.rounds, "seconds": cfg.seconds,
                    "scripts": {lang: HELLO[lang][0] for lang in langs},
                    "traffic_scripts": {lang: os.path.relpath(script_path("." + lang), ROOT) for lang in langs},
                    "elapsed_s": round(elapsed_s, 1)}}
    for k, _ in MEASURES:
        out[k] = {}
        for lang in langs:
            vals = s.get(MAX_KEYS.get(k, k), lang)
            if k in MAX_KEYS:
                out[k][lang] = max(vals) if vals else None
            elif k == "first_answer_speedup":
                fast, jit = med.get("first_answer_fast_s", {}).get(lang), med.get("first_answer_jit_s", {}).get(lang)
                out[k][lang] = round(jit / fast, 3) if fast and jit else None
            elif k.startswith("roundtrip_after_traffic_spread"):
                both = [s.get(k.replace("spread", f"{start}_p50_us"), lang) for start in ("fast", "jit")]
                out[k][lang] = (round(max((max(v) - min(v)) / statistics.median(v) for v in both), 3)
                                if all(len(v) > 1 for v in both) else None)
            else:
                out[k][lang] = med.get(k, {}).get(lang)
    out["client_errors"] = errors
    out["samples"] = dict(s.values)
    out["unavailable"] = dict(s.unavailable)
    return out


def target_rows(tk):
    """The issue's targets against this run: (target, figure, verdict)."""
    rows, langs = [], measured_langs(tk)
    for lang in langs:
        limit = FIRST_ANSWER_TARGET_S[lang]
        v = tk.get("first_answer_fast_s", {}).get(lang)
        rows.append((f"{LANGS[lang]} device answering within {limit} s of launch (fast start)",
                     "-" if v is None else f"{v:.2f} s", "not measured" if v is None else
                     "met" if v <= limit else "not met"))
    for lang in langs:
        for suffix, _ in PLACEMENTS:
            r = tk.get(f"roundtrip_after_traffic_ratio{suffix}", {}).get(lang)
            spread = tk.get(f"roundtrip_after_traffic_spread{suffix}", {}).get(lang)
            ok = None if r is None or spread is None else within_noise(tk, lang, suffix)
            rows.append((f"{LANGS[lang]} round trip after {tk['meta']['traffic_s']:.0f} s of traffic within noise of"
                         f" a JIT-only host ({placement_name(suffix)})",
                         "-" if r is None else f"{r:.2f}x (spread {fmt(spread)})",
                         "not measured" if ok is None else "met" if ok else "not met"))
    return rows


def within_noise(tk, lang, suffix):
    """Whether the two hosts' round trips, round by round, overlap: the range of the host that took over
    meets the JIT-only host's."""
    fast, jit = (tk["samples"][f"roundtrip_after_traffic_{start}_p50_us{suffix}"][lang] for start in ("fast", "jit"))
    return max(min(fast), min(jit)) <= min(max(fast), max(jit))


def measured_langs(tk):
    return [lang for lang in LANGS if lang in tk["meta"]["scripts"]]


def figures(tk):
    """The languages measured, and (key, label, [figure per language]) for each measure with any figure."""
    langs = measured_langs(tk)
    return langs, [(k, label, [tk[k].get(lang) for lang in langs]) for k, label in MEASURES
                   if any(tk[k].get(lang) is not None for lang in langs)]


def reasons(tk):
    """Why a figure is missing (or a run gave none), and what errors clients saw, one list item each."""
    out = [f"- `{k}` for {LANGS.get(lang, lang)}: {why}" for k, per in tk.get("unavailable", {}).items()
           for lang, why in per.items()]
    seen = tk.get("client_errors", {})
    for lang, per in seen.get("takeover", {}).items():
        out.append(f"- {LANGS[lang]}: calls that failed for a client reading through fast starts' takeovers"
                   f" (there should be none): {errors_text(per)}")
    for lang, per in seen.get("crash", {}).items():
        out.append(f"- {LANGS[lang]}: calls that failed for the client after the crashes (expected: the calls the"
                   f" dead host had read fail by the default `recovery = \"fail\"`): {errors_text(per)}")
    return out


def errors_text(per):
    return ", ".join(f"{why} x{n}" for why, n in per.items())


def takeover_text(tk):
    if not_run(tk):
        return f"takeover phase not run: {tk['skipped']}"
    langs, rows = figures(tk)
    out = ["takeover phase (fusd-host on the fuse channel; fast start against JIT only, crash, JIT after traffic):",
           *part_text_table(langs, [(k, vals) for k, _, vals in rows])]
    out += [f"  {v:12s}  {t}: {fig}" for t, fig, v in target_rows(tk)]
    out += ["  " + r for r in reasons(tk)]
    return "\n".join(out)


def takeover_md(tk):
    """BENCHMARKS.md's section for the takeover phase."""
    lines = ["## Fast start, takeover and crash survival", ""]
    if tk is None or not_run(tk):
        why = "not in these results" if tk is None else tk["skipped"]
        return lines + [f"Not run: {why}.", ""]
    m = tk["meta"]
    langs, rows = figures(tk)
    lines += [
        "`host/bin/fusd-host run` on the fuse channel ([docs/takeover.md](docs/takeover.md)), measured by the"
        " takeover phase of the same run ([docs/benchmarks.md](docs/benchmarks.md), \"Takeover phase\")."
        f" Launches of {' and '.join(f'`{x}`' for x in m['scripts'].values())}, {m['runs']} of"
        " each kind, alternating: the fast start (an AOT-cached interpreter host that hands over to a JIT"
        " host) against the JIT-only start (`run --no-handover`), each until a fresh open reads the greeting;"
        " for the fast start a client keeps reading through the takeover. A crash: `run --keeper"
        " --no-handover`, the JVM host killed by SIGKILL while a client reads, until a call begun after its"
        " death succeeds."
        + (f" JIT speed: a host that took over and a JIT-only host serving the bench device get"
           f" {m['traffic_s']:.0f} s of traffic each (every measured call, {SLICE_S:.0f} s to each in turn), then"
           f" the round trip p50, {m['rounds']} rounds each, alternating, unpinned and then pinned to one CPU"
           f" ({m['traffic_runs']} pairs of hosts); within noise means the two hosts' rounds overlap."
           if m["traffic_runs"] else "")
        + " Medians of runs unless the row says max.",
        "",
        "| measure | " + " | ".join(LANGS[lang] for lang in langs) + " |",
        "|---|" + "---:|" * len(langs),
    ]
    lines += [f"| {label} (`{k}`) | " + " | ".join(fmt(v) for v in vals) + " |" for k, label, vals in rows]
    lines += ["", "| target | this run | |", "|---|---|---|"]
    lines += [f"| {t} | {fig} | {v} |" for t, fig, v in target_rows(tk)]
    lines.append("")
    notes = reasons(tk)
    return lines + (["Not measured, or seen by the client:", ""] + notes + [""] if notes else [])


def jdk_major():
    """The feature version of the JDK scripts/find-jdk picks (0 if unknown)."""
    try:
        with open(os.path.join(jvm.find_jdk() or "", "release")) as f:
            m = re.search(r'JAVA_VERSION="(\d+)', f.read())
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def check(workdir):
    """--check: a fast start of examples/hello.js answers, takes over, and a client reading
    through the takeover reads the greeting every time. Prints one line; (passed, failed)."""
    if jdk_major() < 25:
        # no fast start to check (the launcher starts one JIT host): not a missing package
        print(f"SKIP takeover: fast start needs JDK 25 (this is {jdk_major()})")
        return 0, 0
    why = fast_start_missing()
    if why:
        print(f"FAIL takeover: not checked: {why}")
        return 0, 1
    r = launch("js", "fast", workdir, 120)
    if "error" in r or r.get("errors") or r.get("takeover_pause_ms") is None:
        print(f"FAIL takeover: fast start of examples/hello.js: {r.get('error') or r}")
        return 0, 1
    print(f"PASS takeover: fast start of examples/hello.js answered in {r['first_answer_s']:.2f} s, took over"
          f" (gap {r['host_gap_ms']} ms), {r['calls']} client reads right")
    return 1, 0
