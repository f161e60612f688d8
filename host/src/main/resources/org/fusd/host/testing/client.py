"""The client of `fusd-host test --channel fuse`: real system calls on the
device, from a process of their own, for the test host.

One request per line on stdin, one answer per line on stdout, written when the
call ends (so not in request order). Paths and bytes are hex ("-": empty):

    ID open HEXPATH FLAGS UID GID   -> ID ok FD        (UID/GID -1: as this process)
    ID read FD SIZE                 -> ID ok HEXBYTES
    ID write FD HEXBYTES            -> ID ok COUNT
    ID ioctl FD CMD ARG HEXBYTES    -> ID ok RESULT HEXBYTES
    ID poll FD EVENTS TIMEOUT_MS    -> ID ok REVENTS
    ID setfl FD FLAGS               -> ID ok 0
    ID close FD                     -> ID ok 0
    ID mmap FD LENGTH PROT OFFSET   -> ID ok MAP       (MAP_SHARED)
    ID mapread MAP OFFSET LENGTH    -> ID ok HEXBYTES
    ID mapwrite MAP OFFSET HEXBYTES -> ID ok 0
    ID munmap MAP                   -> ID ok 0
    ID interrupt CALL_ID            -> ID ok 0, once CALL_ID has ended

A failed call answers `ID err ERRNO`. Each call runs on its own thread, so a
call blocked in the driver holds up no other. The calls go through libc
(ctypes), not Python's os module, which retries a call a signal interrupted:
`interrupt` sends SIGUSR1 to the thread of CALL_ID until that call returns,
and the call returns EINTR if the driver lets it go. An open as another
uid/gid switches this process's effective ids around the open(2) (root only).
End of input closes every file and exits.
"""
import ctypes
import mmap
import os
import signal
import sys
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
libc.read.restype = ctypes.c_ssize_t
libc.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
libc.write.restype = ctypes.c_ssize_t
libc.close.argtypes = [ctypes.c_int]
libc.fcntl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
libc.poll.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int]
F_SETFL = 4


class PollFd(ctypes.Structure):
    _fields_ = [("fd", ctypes.c_int), ("events", ctypes.c_short), ("revents", ctypes.c_short)]


out_lock = threading.Lock()
id_lock = threading.Lock()
calls = {}


def answer(call_id, text):
    with out_lock:
        sys.stdout.write("%s %s\n" % (call_id, text))
        sys.stdout.flush()


def unhex(s):
    return b"" if s == "-" else bytes.fromhex(s)


def tohex(b):
    return b.hex() if b else "-"


def checked(r):
    if r < 0:
        raise OSError(ctypes.get_errno(), "")
    return r


def do_open(path, flags, uid, gid):
    path = unhex(path)
    if int(uid) < 0 and int(gid) < 0:
        return checked(libc.open(path, int(flags), 0))
    with id_lock:
        if int(gid) >= 0:
            os.setresgid(-1, int(gid), -1)
        if int(uid) >= 0:
            os.setresuid(-1, int(uid), -1)
        try:
            return checked(libc.open(path, int(flags), 0))
        finally:
            os.setresuid(-1, 0, -1)
            os.setresgid(-1, 0, -1)


def do_read(fd, size):
    buf = ctypes.create_string_buffer(int(size))
    n = checked(libc.read(int(fd), buf, int(size)))
    return tohex(buf.raw[:n])


def do_write(fd, data):
    data = unhex(data)
    return checked(libc.write(int(fd), data, len(data)))


def do_ioctl(fd, cmd, arg, data):
    cmd, data = int(cmd), unhex(data)
    size = (cmd >> 16) & 0x3fff
    if cmd >> 30:
        buf = ctypes.create_string_buffer(data[:size].ljust(size, b"\0"), size)
        r = checked(libc.ioctl(int(fd), ctypes.c_ulong(cmd), buf))
        return "%d %s" % (r, tohex(buf.raw if cmd >> 31 else b""))
    r = checked(libc.ioctl(int(fd), ctypes.c_ulong(cmd), ctypes.c_ulong(int(arg))))
    return "%d -" % r


def do_poll(fd, events, timeout):
    p = PollFd(int(fd), int(events), 0)
    checked(libc.poll(ctypes.byref(p), 1, int(timeout)))
    return p.revents & 0xffff


def do_setfl(fd, flags):
    return checked(libc.fcntl(int(fd), F_SETFL, int(flags)))


def do_close(fd):
    return checked(libc.close(int(fd)))


maps = {}


def do_mmap(fd, length, prot, offset):
    m = mmap.mmap(int(fd), int(length), flags=mmap.MAP_SHARED, prot=int(prot), offset=int(offset))
    with id_lock:
        map_id = len(maps) + 1
        while map_id in maps:
            map_id += 1
        maps[map_id] = m
    return map_id


def do_mapread(map_id, offset, length):
    offset = int(offset)
    return tohex(maps[int(map_id)][offset:offset + int(length)])


def do_mapwrite(map_id, offset, data):
    offset, data = int(offset), unhex(data)
    maps[int(map_id)][offset:offset + len(data)] = data
    return 0


def do_munmap(map_id):
    maps.pop(int(map_id)).close()
    return 0


def do_interrupt(target):
    t = calls.get(target)
    while t is not None and t.is_alive():
        try:
            signal.pthread_kill(t.ident, signal.SIGUSR1)
        except ProcessLookupError:
            break
        t.join(0.005)
    return 0


OPS = {"open": do_open, "read": do_read, "write": do_write, "ioctl": do_ioctl, "poll": do_poll,
       "setfl": do_setfl, "close": do_close, "interrupt": do_interrupt, "mmap": do_mmap,
       "mapread": do_mapread, "mapwrite": do_mapwrite, "munmap": do_munmap}


def run(call_id, op, args):
    try:
        result = OPS[op](*args)
    except OSError as e:
        answer(call_id, "err %d" % (e.errno or 5))
    except Exception as e:  # a bad request: the host's bug, said on stderr
        sys.stderr.write("fusd test client: %s %s: %r\n" % (op, args, e))
        answer(call_id, "err 22")
    else:
        answer(call_id, "ok %s" % result)
    finally:
        calls.pop(call_id, None)


def main():
    signal.signal(signal.SIGUSR1, lambda *_: None)
    for line in sys.stdin:
        words = line.split()
        if len(words) < 2:
            continue
        t = threading.Thread(target=run, args=(words[0], words[1], words[2:]), daemon=True)
        calls[words[0]] = t
        t.start()


if __name__ == "__main__":
    main()
