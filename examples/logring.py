# logring: a log that any number of readers tail (the idea of FUSD's logring
# example). Each write(2) is one message (a newline is added if it has none;
# at most 4096 bytes, the rest is a short write); the device keeps the last
# 64 messages in a ring. Each open has its own position: it starts at the
# oldest message kept and then waits for new ones (O_NONBLOCK: EAGAIN), so
# `cat` shows the recent log and follows it. poll says POLLIN while a reader
# has something to read; writes never wait (the ring overwrites).
# A reader that falls a full lap behind (more than 64 messages came since it
# last read) is told so in its stream, by one line in place of what it missed:
#     logring: 12 messages lost
# and goes on from the oldest message kept.
# Try: cat /run/fusd/logring-py &   echo hello > /run/fusd/logring-py
name = "logring-py"

SLOTS = 64
MESSAGE_MAX = 4096
state = device.state
state.setdefault("ring", [])        # message n is ring[n % SLOTS]
state.setdefault("next", 0)         # the number of the next message
state.setdefault("waiting", [])     # Deferred reads waiting for a message


def oldest():
    """The number of the oldest message kept."""
    return max(0, state["next"] - SLOTS)


def open(file, flags):
    file.state["seq"] = oldest()    # the next message this open reads
    file.state["rest"] = None       # what a short read left of a message


def take(file, size):
    """The next bytes for the reader of file, at most size; None if there is nothing new yet."""
    f = file.state
    chunk = f["rest"]
    if chunk is None:
        if f["seq"] < oldest():
            lost = oldest() - f["seq"]
            f["seq"] = oldest()
            chunk = b"logring: %d message%s lost\n" % (lost, b"" if lost == 1 else b"s")
        elif f["seq"] < state["next"]:
            chunk = state["ring"][f["seq"] % SLOTS]
            f["seq"] += 1
        else:
            return None
    f["rest"] = chunk[size:] if len(chunk) > size else None
    return chunk[:size]


def read(file, size, offset):
    chunk = take(file, size)
    if chunk is not None:
        return chunk
    if file.nonblock:
        raise Errno("EAGAIN")
    d = file.defer()
    state["waiting"].append(d)
    return d


def write(file, data, offset):
    n = min(len(data), MESSAGE_MAX)
    if n == 0:
        return 0
    message = bytes(data[:n])
    if not message.endswith(b"\n"):
        message += b"\n"
    ring = state["ring"]
    if len(ring) < SLOTS:
        ring.append(message)
    else:
        ring[state["next"] % SLOTS] = message
    state["next"] += 1
    wake_readers()
    device.notify()
    return n


def wake_readers():
    waiting = state["waiting"]
    state["waiting"] = []
    for d in waiting:
        if d.done:                  # its caller was interrupted
            continue
        chunk = take(d.file, d.size)
        if chunk is not None:
            d.reply(chunk)
        else:                       # another read of the same open took it
            state["waiting"].append(d)


def poll(file):
    f = file.state
    ready = f["rest"] is not None or f["seq"] < state["next"]
    return (POLLIN | POLLRDNORM if ready else 0) | POLLOUT | POLLWRNORM
