#!/usr/bin/python3
"""py_pyfuse3: the benchmark device on pyfuse3 (libfuse 3 low-level, trio).

Serves MOUNT/bench with the shared benchmark behaviour (docs/benchmarks.md):
read(size) returns `size` bytes of b'x', write(data) accepts everything,
opens are direct_io and nonseekable. pyfuse3 runs one trio event loop (its
default worker tasks), one OS thread.

usage: py_pyfuse3.py MOUNTDIR
Prints "ready" once mounted; SIGINT/SIGTERM unmount and exit.
"""
import errno
import os
import signal
import stat
import sys

import pyfuse3
import trio

NAME = b"bench"
BENCH_INODE = pyfuse3.ROOT_INODE + 1
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


def attributes(inode):
    attr = pyfuse3.EntryAttributes()
    attr.st_ino = inode
    if inode == pyfuse3.ROOT_INODE:
        attr.st_mode = stat.S_IFDIR | 0o755
        attr.st_nlink = 2
    else:
        attr.st_mode = stat.S_IFREG | 0o666
        attr.st_nlink = 1
    attr.st_size = 0
    attr.st_uid = os.getuid()
    attr.st_gid = os.getgid()
    attr.attr_timeout = 3600
    attr.entry_timeout = 3600
    return attr


class BenchDevice(pyfuse3.Operations):

    async def lookup(self, parent_inode, name, ctx=None):
        if parent_inode != pyfuse3.ROOT_INODE or name != NAME:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return attributes(BENCH_INODE)

    async def getattr(self, inode, ctx=None):
        if inode not in (pyfuse3.ROOT_INODE, BENCH_INODE):
            raise pyfuse3.FUSEError(errno.ENOENT)
        return attributes(inode)

    async def setattr(self, inode, attr, fields, fh, ctx):
        return await self.getattr(inode)

    async def opendir(self, inode, ctx):
        if inode != pyfuse3.ROOT_INODE:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return inode

    async def readdir(self, fh, start_id, token):
        if start_id == 0:
            pyfuse3.readdir_reply(token, NAME, attributes(BENCH_INODE), 1)

    async def open(self, inode, flags, ctx):
        if inode != BENCH_INODE:
            raise pyfuse3.FUSEError(errno.EISDIR)
        return pyfuse3.FileInfo(fh=inode, direct_io=True, nonseekable=True)

    async def read(self, fh, off, size):
        return pattern(size)

    async def write(self, fh, off, buf):
        return len(buf)


async def serve():
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(pyfuse3.main)
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def main():
    if len(sys.argv) != 2:
        print("usage: py_pyfuse3.py MOUNTDIR", file=sys.stderr)
        return 2
    options = set(pyfuse3.default_options)
    options.add("fsname=py_pyfuse3")
    options.discard("default_permissions")
    pyfuse3.init(BenchDevice(), sys.argv[1], options)
    print("ready", flush=True)
    try:
        trio.run(serve)
    finally:
        pyfuse3.close(unmount=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
