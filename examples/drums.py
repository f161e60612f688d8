# drums: one script, several devices (the idea of FUSD's drums example).
# Each name in `devices` is a device of its own: /dev/drums-py/bim,
# /dev/drums-py/bom, ... (DIR/drums-py/bim on the fuse channel). Every device
# runs its own copy of this script, with its own device.state and timers;
# device.name says which drum a copy is (in callbacks: like any script's, it
# is None while the top level first runs).
# Reading a drum plays it once per open: its sound, and how often it was hit.
# Add a name to `devices` and save: the host serves the new drum at once.
# Try: cat /run/fusd/drums-py/bim; cat /run/fusd/drums-py/bim; cat /run/fusd/drums-py/bom
devices = ["drums-py/bim", "drums-py/bom", "drums-py/tss"]
mode = 0o444

device.state.setdefault("hits", 0)           # kept across reloads


def read(file, size, offset):
    if file.state.get("played"):             # once per open, then end of file
        return b""
    file.state["played"] = True
    device.state["hits"] += 1
    sound = device.name.rsplit("/", 1)[-1]   # this copy's drum
    return "%s! (hit %d)\n" % (sound, device.state["hits"])
