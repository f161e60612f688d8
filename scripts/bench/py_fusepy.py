#!/usr/bin/python3
"""py_fusepy: the benchmark device on fusepy (libfuse 2 high-level API).

Serves MOUNT/bench with the shared benchmark behaviour (docs/benchmarks.md):
read(size) returns `size` bytes of b'x', write(data) accepts everything,
opens are direct_io and nonseekable. fusepy runs libfuse's multi-threaded
loop by default; --nothreads passes nothreads=True (libfuse's -s).

usage: py_fusepy.py MOUNTDIR [--nothreads]
Runs in the foreground; SIGINT/SIGTERM unmount (libfuse's handlers).
Debian ships fusepy as the module `fusepy`; upstream calls it `fuse`.
"""
import errno
import stat
import sys

try:
    import fusepy as fuse
except ImportError:  # pip's name
    import fuse

NAME = "/bench"
_patterns = {}


def pattern(size):
    """size bytes of b'x', cached by size (as the bench drivers do), so a
    measured read costs the binding, not allocating and faulting in memory."""
    buf = _patterns.get(size)
    if buf is None:
        buf = b"x" * size
        if len(_patterns) < 64:
            _patterns[size] = buf
    return buf


class BenchDevice(fuse.Operations):
    use_ns = True

    def getattr(self, path, fh=None):
        if path == "/":
            return {"st_mode": stat.S_IFDIR | 0o755, "st_nlink": 2}
        if path == NAME:
            return {"st_mode": stat.S_IFREG | 0o666, "st_nlink": 1, "st_size": 0}
        raise fuse.FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", NAME[1:]]

    def open(self, path, fi):
        # raw_fi=True hands us the fuse_file_info: ask for direct I/O.
        if path != NAME:
            raise fuse.FuseOSError(errno.ENOENT)
        fi.direct_io = 1
        fi.nonseekable = 1
        fi.fh = 0
        return 0

    def read(self, path, size, offset, fi):
        return pattern(size)

    def write(self, path, data, offset, fi):
        return len(data)

    def truncate(self, path, length, fh=None):
        return 0


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        print("usage: py_fusepy.py MOUNTDIR [--nothreads]", file=sys.stderr)
        return 2
    nothreads = "--nothreads" in sys.argv[2:]
    # Mounting happens inside FUSE(); the harness polls MOUNT/bench for ready.
    fuse.FUSE(BenchDevice(), sys.argv[1], foreground=True, nothreads=nothreads,
              raw_fi=True, fsname="py_fusepy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
