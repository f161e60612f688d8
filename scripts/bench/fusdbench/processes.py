"""The processes of a run: a started driver on its own mount, the measuring
client (bench_client), pinning to one CPU, resident memory."""
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

from .measures import PIN_CPU
from .paths import bin_path

READY_RE = re.compile(r"fusd: serving (\S+) at (\S+)")


def mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == path for line in f)


def process_tree(pid):
    """pid and all its descendants (a wrapper may fork the real daemon)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def rss_mib(pid):
    """Resident memory of pid and its children, MiB."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1024.0


def mem_available_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def pin(run):
    """Moves every thread of a running driver and its children to PIN_CPU (threads made later inherit it).
    Returns None, or why it could not (then the driver's pinned figures would not be pinned)."""
    for p in process_tree(run.proc.pid):
        r = subprocess.run(["taskset", "-a", "-p", "-c", PIN_CPU, str(p)], capture_output=True, text=True)
        if r.returncode != 0 and os.path.exists(f"/proc/{p}"):
            return f"taskset -a -p -c {PIN_CPU} {p} failed: {(r.stderr or r.stdout).strip()}"
    return None


class Running:
    """A started driver daemon on its own mount."""

    def __init__(self, driver, workdir, pinned, argv=None, expect=1):
        self.driver = driver
        self.mount = tempfile.mkdtemp(prefix=f"mnt-{driver.name}-", dir=workdir)
        self.stderr_path = os.path.join(workdir, f"{driver.name}.{os.getpid()}.{time.time_ns()}.err")
        self.lines, self.ready_paths = [], []
        self.cond = threading.Condition()
        argv = (argv or driver.argv)(self.mount)
        if pinned:
            argv = ["taskset", "-c", PIN_CPU, *argv]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "w"),
                                     stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        threading.Thread(target=self._drain, daemon=True).start()
        self.expect = expect
        self.startup_ms = None
        self.path = os.path.join(self.mount, "bench")

    def _drain(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line)
                m = READY_RE.search(line)
                if m:
                    self.ready_paths.append(m.group(2))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def stderr_tail(self, n=5):
        try:
            with open(self.stderr_path) as f:
                return " | ".join(ln.strip() for ln in f.readlines()[-n:] if ln.strip())
        except OSError:
            return ""

    def stderr_search(self, regex):
        """The first match of regex in what the daemon has written to stderr so far, or None."""
        try:
            with open(self.stderr_path) as f:
                return regex.search(f.read())
        except OSError:
            return None

    def wait_ready(self, timeout):
        """Returns None when ready, else why not."""
        deadline = time.monotonic() + timeout
        if self.driver.ready == "line":
            with self.cond:
                while len(self.ready_paths) < self.expect:
                    if self.proc.poll() is not None:
                        return f"exited {self.proc.returncode} before ready: {self.stderr_tail()}"
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return f"no ready line within {timeout:.0f}s: {self.stderr_tail()}"
                    self.cond.wait(min(left, 0.5))
                self.startup_ms = (time.monotonic() - self.t0) * 1000
                self.path = self.ready_paths[0]
            return None
        while not os.path.exists(self.path):
            if self.proc.poll() is not None:
                return f"exited {self.proc.returncode} before ready: {self.stderr_tail()}"
            if time.monotonic() > deadline:
                return f"{self.path} did not appear within {timeout:.0f}s"
            time.sleep(0.001)
        self.startup_ms = (time.monotonic() - self.t0) * 1000
        return None

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        try:
            # what the daemon started and left behind (fusd-host's fast start and keeper run two JVMs)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if mounted(self.mount):
            subprocess.run(["umount", "-l", self.mount], capture_output=True)
        try:
            os.rmdir(self.mount)
        except OSError:
            pass


def start(driver, workdir, pinned, timeout):
    """Starts a daemon driver and waits until it is ready: (Running, None), or (None, why not).
    A driver with no daemon (a file, the pipe) gives (None, None)."""
    if driver.kind != "daemon":
        return None, None
    run = Running(driver, workdir, pinned)
    why = run.wait_ready(timeout)
    if why:
        run.stop()
        return None, why
    return run, None


def target_of(driver, run):
    """The file the client measures: the running daemon's device, else the driver's own target."""
    return run.path if run else driver.target(None)


def client(args, pinned, timeout):
    """Runs bench_client with args; its stdout. Raises RuntimeError if it fails."""
    argv = [bin_path("bench_client"), *map(str, args)]
    if pinned:
        argv = ["taskset", "-c", PIN_CPU, *argv]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError((r.stderr or r.stdout).strip() or f"exit {r.returncode}")
    return r.stdout
