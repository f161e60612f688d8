# fb: examples/fb.js in Python: a framebuffer-like device whose pixels live
# in memory shared with every client that mmaps /dev/fb-py (`memory`). The
# driver draws a moving test pattern on a timer, tells pollers about each
# frame, and clients see the pixels without a read or a copy. Same layout,
# ioctl and protocol as fb.js (client: examples/fb_client.c /dev/fb-py).
# Needs --channel fusd.
import struct

name = "fb-py"

WIDTH, HEIGHT = 160, 120
STRIDE = WIDTH * 4
HEADER = 4096
FRAME_BYTES = STRIDE * HEIGHT
memory = {"size": HEADER + 2 * FRAME_BYTES}
FBIOGET_INFO = _IOR("F", 1, 16)
PERIOD_MS = 40


def color(y, f):
    """The colour of row y in frame f: bands that scroll down a row per frame."""
    return 0xff000000 | ((((y + f) * 4) & 0xff) << 16) | ((f & 0xff) << 8) | (y & 0xff)


def frame():
    m = device.memory
    return struct.unpack("<I", m[0:4])[0] if m is not None else 0


def draw():
    m = device.memory
    if m is None:       # only while the top level first runs
        return
    nxt = frame() + 1
    back = nxt & 1
    base = HEADER + back * FRAME_BYTES
    for y in range(HEIGHT):
        m[base + y * STRIDE:base + (y + 1) * STRIDE] = struct.pack("<I", color(y, nxt)) * WIDTH
    m[4:16] = struct.pack("<III", back, WIDTH, HEIGHT)
    m[0:4] = struct.pack("<I", nxt)      # last: whoever sees the frame sees its pixels
    device.notify()


set_interval(draw, PERIOD_MS)


def open(file, flags):
    file.state.seen = frame()


def read(file, size, offset):
    f = frame()
    file.state.seen = f
    return struct.pack("<I", f)


def poll(file):
    return POLLIN | POLLRDNORM if frame() > file.state.seen else 0


def ioctl(file, cmd, arg):
    if cmd != FBIOGET_INFO:
        raise Errno.ENOTTY
    return struct.pack("<IIII", WIDTH, HEIGHT, STRIDE, HEADER)


def mmap(file, offset, length, prot):
    if prot & PROT_WRITE:
        raise Errno.EACCES
