"""Where the harness finds its sources and puts what it builds and reports."""
import os
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # scripts/bench
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "target", "bench")
DOCS_CHARTS = os.path.join(ROOT, "docs", "bench")
DEB_PYTHON = "/usr/bin/python3"   # Debian's python3-fusepy/pyfuse3 live there

T0 = time.monotonic()


def bin_path(name):
    """A binary the harness built (bench_client, the C baselines)."""
    return os.path.join(OUT, name)


def log(msg):
    """Progress on stderr, with the seconds since the harness started."""
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)
