"""The PNG charts (gnuplot) in target/bench: speed, latency, throughput, clients."""
import os
import shutil
import subprocess

from .measures import CLIENTS, THROUGHPUT
from .paths import OUT, log

STYLE = """
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set xtics rotate by -25
set datafile missing '?'
"""


def value(results, k, n):
    """Driver n's figure for measure k, as gnuplot reads it ("?" for none)."""
    v = results.get(k, {}).get(n)
    return "?" if v is None else f"{v:.4g}"


def speedup(results, k, n):
    """How many times c_libfuse's speed: its latency over ours, or our throughput over its."""
    v, base = results.get(k, {}).get(n), results.get(k, {}).get("c_libfuse")
    if v is None or not base:
        return "?"
    return f"{(base / v if k.endswith('_us') or k.endswith('_us_pinned') else v / base):.4g}"


def plot(results, rows, fname, title, ylabel, cols, log_scale=True, extra="", figure=value):
    """One clustered histogram, a cluster per driver in rows and a bar per (label, measure) in cols:
    writes target/bench/FNAME (and its .dat); returns fname, or None if gnuplot failed."""
    dat = os.path.join(OUT, fname.replace(".png", ".dat"))
    with open(dat, "w") as f:
        f.write("driver " + " ".join(f'"{label}"' for label, _ in cols) + "\n")
        for n in rows:
            f.write(n.replace("_", "\\\\_") + " " + " ".join(figure(results, k, n) for _, k in cols) + "\n")
    png = os.path.join(OUT, fname)
    series = ", ".join(
        f"'{dat}' using {i + 2}:xtic(1) title columnhead" for i in range(len(cols)))
    script = f"""
set terminal pngcairo size 1100,520 font ',10'
set output '{png}'
set title "{title}"
set ylabel "{ylabel}"
{"set logscale y" if log_scale else "set yrange [0:*]"}{STYLE}{extra}
plot {series}
"""
    r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    if r.returncode == 0 and os.path.exists(png):
        return fname
    log(f"bench: gnuplot failed for {fname}: {r.stderr.strip()}")
    return None


def gnuplot_charts(results, drivers):
    """Draws every chart it can; returns the file names of those made."""
    if not shutil.which("gnuplot"):
        log("bench: gnuplot not found, no charts")
        return []
    names = [d.name for d in drivers if d.name not in results["skipped"]]
    if not names:
        return []
    made = [
        plot(results, [n for n in names if n != "dev_zero"], "speed.png",
             "Speed relative to the libfuse C driver (1 = as fast; above 1 = faster); /dev/zero left out,"
             " see the tables",
             "relative speed (libfuse C = 1)",
             [("1-byte round trip", "roundtrip_1b_p50_us"),
              ("1-byte round trip, pinned", "roundtrip_1b_p50_us_pinned"),
              ("64 KiB reads", "read_64k_mb_s"), ("64 KiB reads, pinned", "read_64k_mb_s_pinned"),
              ("64 KiB writes", "write_64k_mb_s"), ("64 KiB writes, pinned", "write_64k_mb_s_pinned")],
             log_scale=False, figure=speedup,
             extra="set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb 'black'\n"
             "set key top center horizontal maxrows 2\nset offsets 0, 0, graph 0.15, 0"),
        plot(results, names, "latency.png", "1-byte read round trip (median of rounds; log scale)",
             "microseconds",
             [("p50", "roundtrip_1b_p50_us"), ("p99", "roundtrip_1b_p99_us"),
              ("p50 pinned", "roundtrip_1b_p50_us_pinned"), ("p99 pinned", "roundtrip_1b_p99_us_pinned")]),
        plot(results, names, "throughput.png", "Throughput by block size, unpinned (log scale)", "MB/s",
             [(f"{m} {t}", f"{m}_{t}_mb_s") for m, _, t in THROUGHPUT]),
        plot(results, names, "clients.png", "4 KiB read throughput by concurrent clients, unpinned (log scale)",
             "MB/s", [(f"{k} clients", f"clients_{k}_read_4k_mb_s") for k in CLIENTS]),
    ]
    return [f for f in made if f]
