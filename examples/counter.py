# counter: a per-device counter driven by ioctls; read shows it as text.
#
# ioctl numbers (Linux _IOC encoding, type 'c' = 0x63, 8-byte little-endian value):
#   COUNTER_GET   = _IOR('c', 1, 8) = 0x80086301  copy the counter out
#   COUNTER_SET   = _IOW('c', 2, 8) = 0x40086302  set it from the caller's 8 bytes
#   COUNTER_RESET = _IO('c', 3)     = 0x00006303  set it to 0
#   COUNTER_ADD   = _IOWR('c', 4, 8) = 0xc0086304 add the caller's value, copy the new value back
# Any other command fails with ENOTTY, as a kernel driver's would.
# A write of a decimal number adds it to the counter.
# Try: python3 -c 'import fcntl,struct; f=open("/run/fusd/counter","rb");
#      print(struct.unpack("<q", fcntl.ioctl(f, 0x80086301, bytes(8)))[0])'
name = "counter"
mode = 0o666

COUNTER_GET = _IOR('c', 1, 8)
COUNTER_SET = _IOW('c', 2, 8)
COUNTER_RESET = _IO('c', 3)
COUNTER_ADD = _IOWR('c', 4, 8)

if device.state.get("value") is None:
    device.state["value"] = 0


def _int(data):
    return int.from_bytes(bytes(data), "little", signed=True)


def _bytes(value):
    return value.to_bytes(8, "little", signed=True)


def ioctl(file, cmd, arg):
    st = device.state
    if cmd == COUNTER_GET:
        return _bytes(st["value"])
    if cmd == COUNTER_SET:
        st["value"] = _int(arg)
        return 0
    if cmd == COUNTER_RESET:
        st["value"] = 0
        return 0
    if cmd == COUNTER_ADD:
        st["value"] = st["value"] + _int(arg)
        return _bytes(st["value"])
    raise Errno("ENOTTY")


def read(file, size, offset):
    if file.state.get("done"):
        return b""
    file.state["done"] = True
    return "%d\n" % device.state["value"]


def write(file, data, offset):
    try:
        device.state["value"] = device.state["value"] + int(bytes(data).decode().strip() or "0")
    except ValueError:
        raise Errno("EINVAL")
    return len(data)
