# Lab 05 solution in Python: a dimmer whose level (0..100) is read and set
# with ioctls.
#   LEVEL_GET   = _IOR('L', 1, 4) = 0x80044c01   copy the level out (u32)
#   LEVEL_SET   = _IOW('L', 2, 4) = 0x40044c02   set it from the caller's u32; above 100: EINVAL
#   LEVEL_RESET = _IO('L', 3)     = 0x00004c03   back to the default, 50
# Any other command: ENOTTY. read shows the level as text.
import struct

name = "lab05"

LEVEL_GET = _IOR("L", 1, 4)
LEVEL_SET = _IOW("L", 2, 4)
LEVEL_RESET = _IO("L", 3)
DEFAULT, MAX = 50, 100

if device.state.get("level") is None:
    device.state["level"] = DEFAULT


def ioctl(file, cmd, arg):
    st = device.state
    if cmd == LEVEL_GET:
        return struct.pack("<I", st["level"])       # the 4 bytes the caller gets back
    if cmd == LEVEL_SET and isinstance(arg, bytes):
        (level,) = struct.unpack("<I", arg)
        if level > MAX:
            raise Errno.EINVAL
        st["level"] = level
        return 0
    if cmd == LEVEL_RESET:
        st["level"] = DEFAULT
        return 0
    raise Errno.ENOTTY                              # not ours, as a kernel driver answers


def read(file, size, offset):
    if file.state.get("done"):
        return b""
    file.state["done"] = True
    return "level %d\n" % device.state["level"]
