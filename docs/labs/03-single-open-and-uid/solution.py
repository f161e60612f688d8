# Lab 03 solution in Python: one user at a time. While the device is open,
# only the uid that opened it first may open it again; anyone else gets
# EBUSY. The last release frees it for everyone.
name = "lab03"

state = device.state
if state.get("opens") is None:
    state["opens"] = 0              # opens now, kept across reloads
    state["owner"] = -1             # uid holding the device, -1 when free


def open(file, flags):
    if state["opens"] > 0 and state["owner"] != file.uid:
        raise Errno.EBUSY
    state["owner"] = file.uid
    state["opens"] += 1


def release(file):
    state["opens"] -= 1
    if state["opens"] == 0:
        state["owner"] = -1


def read(file, size, offset):
    if file.state.get("done"):
        return b""
    file.state["done"] = True
    return "pid %d uid %d: %d open\n" % (file.pid, file.uid, state["opens"])
