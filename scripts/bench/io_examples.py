#!/usr/bin/env python3
"""scripts/bench/io_examples.py: what the host I/O API costs (issue 19).

Starts fusd-host (host/bin/fusd-host, built) on a FUSE mount with copies of
examples/netsensor.js and examples/serial-tap.js, then measures:

- netsensor: the round trip of one read (client -> device -> TCP service on
  localhost -> back) against the same request sent straight to the service
  by the same client; medians of rounds, overhead in microseconds;
- serial-tap: bytes per second written through the device to a pty pair's
  far end, against `cat` writing to the pty alone.

    scripts/bench/io_examples.py [--seconds S] [--mount DIR]

Needs root (FUSE mount). Figures are printed, never asserted.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sensor_service():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def serve(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = c.makefile("rb")
        for _ in f:
            c.sendall(b"21.5\n")

    def accept():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return srv.getsockname()[1]


def far_end_sink():
    """A pty pair whose master side counts what arrives; returns (slave path, counter)."""
    m, s = os.openpty()
    count = [0]

    def drain():
        while True:
            try:
                count[0] += len(os.read(m, 65536))
            except OSError:
                return

    threading.Thread(target=drain, daemon=True).start()
    return os.ttyname(s), count, s


def copy_with(example, line, replacement, into):
    text = open(os.path.join(ROOT, "examples", example)).read()
    assert line in text, (example, line)
    path = os.path.join(into, example)
    with open(path, "w") as f:
        f.write(text.replace(line, replacement))
    return path


def timed_reads(fd, n):
    t0 = time.perf_counter()
    for _ in range(n):
        os.read(fd, 100)
    return (time.perf_counter() - t0) / n * 1e6


def timed_direct(port, n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    t0 = time.perf_counter()
    for _ in range(n):
        s.sendall(b"READ\n")
        f.readline()
    took = (time.perf_counter() - t0) / n * 1e6
    s.close()
    return took


def throughput(path, seconds, count):
    chunk = b"x" * 4096
    fd = os.open(path, os.O_WRONLY)
    start = count[0]
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        os.write(fd, chunk)
    os.close(fd)
    time.sleep(0.5)  # what is still on its way
    return (count[0] - start) / (time.perf_counter() - t0)


def cat_throughput(tty, seconds, count):
    start = count[0]
    t0 = time.perf_counter()
    p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=open(tty, "wb"))
    chunk = b"x" * 65536
    while time.perf_counter() - t0 < seconds:
        p.stdin.write(chunk)
    p.stdin.close()
    p.wait()
    time.sleep(0.5)
    return (count[0] - start) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--mount")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fusd-io-bench")
    mount = args.mount or os.path.join(work, "mnt")
    port = sensor_service()
    tty, count, keep = far_end_sink()
    net = copy_with("netsensor.js", "const PORT = 7000;", "const PORT = %d;" % port, work)
    tap = copy_with("serial-tap.js", 'const PORT = "/dev/ttyUSB0";', 'const PORT = "%s";' % tty, work)
    host = subprocess.Popen(
        [os.path.join(ROOT, "host", "bin", "fusd-host"), "run", "--channel", "fuse", "--mount", mount,
         "--no-watch", "--allow-net", "127.0.0.1:%d" % port, "--allow-device", "/dev/pts", net, tap],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        for _ in range(2):
            line = host.stdout.readline().decode()
            if not line.startswith("fusd: serving"):
                sys.exit("fusd-host did not start: " + line)
        fd = os.open(os.path.join(mount, "netsensor"), os.O_RDONLY)
        deadline = time.time() + args.seconds * 4
        while time.time() < deadline:  # warm-up: the JIT compiles the hot paths
            timed_reads(fd, 500)
        dev, direct = [], []
        for _ in range(5):
            dev.append(timed_reads(fd, 2000))
            direct.append(timed_direct(port, 2000))
        d, t = statistics.median(dev), statistics.median(direct)
        print("netsensor read round trip: device %.1f us, direct TCP %.1f us, overhead %.1f us" % (d, t, d - t))
        throughput(os.path.join(mount, "serial-tap"), args.seconds, count)  # warm-up
        tap_rate = throughput(os.path.join(mount, "serial-tap"), args.seconds, count)
        cat_rate = cat_throughput(tty, args.seconds, count)
        print("serial-tap write throughput over a pty: %.2f MB/s; cat on the pty alone: %.2f MB/s (%.0f%%)"
              % (tap_rate / 1e6, cat_rate / 1e6, 100 * tap_rate / cat_rate))
    finally:
        host.terminate()
        host.wait(10)
        os.close(keep)


if __name__ == "__main__":
    main()
