"""The drivers measured: how each starts, where its file is, what it needs
(docs/benchmarks.md, "Drivers")."""
import functools
import os
import subprocess

from . import jvm
from .paths import DEB_PYTHON, HERE, OUT, bin_path

HOST_PENDING = "not yet available: needs the fusd-host fuse channel (`fusd-host run SCRIPT --mount DIR`)"
HOST_NOT_BUILT = "host not built (run `make build`)"
JAVA_CLASSES = os.path.join(OUT, "java")
JAVA_MAIN = "org.fusd.bench.BenchDevice"


class Driver:
    """One thing measured: how to start it, where its file is, when it's ready.

    kind: "daemon" (a FUSE daemon of ours or a baseline, started per mount),
    "file" (an existing file: /dev/zero), "pipe" (bench_client's pipe peer).
    argv: mount directory -> the daemon's command line.
    ready: "stat" (MOUNT/bench exists) or "line" (fusd-host's ready line).
    prereq: () -> None, or why the driver cannot run here.
    host: a script driver of fusd-host (hot reload, many devices).
    """

    def __init__(self, name, label, kind, argv=None, ready="stat", pattern=0x78,
                 prereq=None, host=False):
        self.name, self.label, self.kind = name, label, kind
        self.argv, self.ready, self.pattern = argv, ready, pattern
        self.prereq, self.host = prereq, host
        self.skip = None          # reason this driver is not measured

    def target(self, mount):
        if self.kind == "file":
            return "/dev/zero"
        if self.kind == "pipe":
            return "pipe"
        return os.path.join(mount, "bench")


def script_path(lang_ext):
    """The fusd-host bench driver in that language: scripts/bench/drivers/bench.js or bench.py."""
    return os.path.join(HERE, "drivers", "bench" + lang_ext)


def host_argv(scripts, mount):
    """fusd-host serving scripts on the fuse channel at mount, as one process: a fast start's
    takeover would land in the middle of the measures (the takeover phase measures it: takeover.py)."""
    return [*jvm.host_command(), "run", "--no-handover", *scripts, "--channel", "fuse", "--mount", mount]


def py_module_missing(module):
    if not os.access(DEB_PYTHON, os.X_OK):
        return f"{DEB_PYTHON} not found"
    r = subprocess.run([DEB_PYTHON, "-c", f"import {module}"], capture_output=True, text=True)
    if r.returncode != 0:
        return f"{module} not importable by {DEB_PYTHON} (package python3-{module})"
    return None


def fusepy_missing():
    if py_module_missing("fusepy") is None or py_module_missing("fuse") is None:
        return None
    return "fusepy not importable by /usr/bin/python3 (package python3-fusepy)"


def built(name, why):
    """A prereq: the binary the harness builds from scripts/bench/NAME.c exists."""
    return lambda: None if os.path.exists(bin_path(name)) else why


@functools.lru_cache(maxsize=None)
def host_missing():
    if not jvm.host_built():
        return HOST_NOT_BUILT
    r = subprocess.run([*jvm.host_command(), "run", "--help"], capture_output=True, text=True, timeout=120)
    if "--mount" not in r.stdout + r.stderr:
        return HOST_PENDING
    return None


def java_argv(mount):
    """The Java bench device: the host's classes and options, without the script engine's."""
    return [*jvm.java_command([JAVA_CLASSES, *jvm.host_classpath()], JAVA_MAIN, engine=False), mount]


def all_drivers(java_error):
    """Every driver, in table order. java_error: why the Java bench device did not build, or None."""
    def script(f):
        return os.path.join(HERE, f)

    def java_missing():
        return java_error if jvm.host_built() else HOST_NOT_BUILT

    return [
        Driver("c_raw", "C, raw FUSE (no libfuse)", "daemon",
               lambda m: [bin_path("c_raw_fuse"), m],
               prereq=built("c_raw_fuse", "c_raw_fuse did not build (gcc?)")),
        Driver("c_libfuse", "C, libfuse3 low-level, multi-threaded", "daemon",
               lambda m: [bin_path("c_libfuse"), m],
               prereq=built("c_libfuse", "c_libfuse did not build (libfuse3-dev?)")),
        Driver("py_fusepy", "Python, fusepy (libfuse2), threads", "daemon",
               lambda m: [DEB_PYTHON, script("py_fusepy.py"), m],
               prereq=fusepy_missing),
        Driver("py_fusepy_nothreads", "Python, fusepy nothreads=True", "daemon",
               lambda m: [DEB_PYTHON, script("py_fusepy.py"), m, "--nothreads"],
               prereq=fusepy_missing),
        Driver("py_pyfuse3", "Python, pyfuse3 (libfuse3, trio)", "daemon",
               lambda m: [DEB_PYTHON, script("py_pyfuse3.py"), m],
               prereq=lambda: py_module_missing("pyfuse3")),
        Driver("js", "fusd-host, JS driver", "daemon",
               lambda m: host_argv([script_path(".js")], m),
               ready="line", prereq=host_missing, host=True),
        Driver("py", "fusd-host, Python driver", "daemon",
               lambda m: host_argv([script_path(".py")], m),
               ready="line", prereq=host_missing, host=True),
        Driver("java", "host fuse channel, Java Device (no script engine)", "daemon",
               java_argv, ready="line", prereq=java_missing),
        Driver("dev_zero", "/dev/zero (kernel, no daemon)", "file", pattern=0),
        Driver("pipe", "pipe ping-pong between two processes", "pipe"),
    ]
