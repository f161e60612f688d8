# replay: each open of /dev/replay plays a capture file back, one line every
# 1/RATE s, from the start. A read waits for the next line that is due
# (O_NONBLOCK: EAGAIN); poll reports POLLIN when one is due; end of file
# after the last line. The capture sits next to the script, so no grant is
# needed; one elsewhere needs --allow-read and an entry in `grants`.
# Try: fusd-host run examples/replay.py; cat /run/fusd/replay
import time

name = "replay"
mode = 0o444

CAPTURE = "replay-capture.txt"
RATE = 10  # lines per second

lines = []  # the capture's lines
ready = False  # True once the capture was read
waiting_for_capture = []  # (file, Deferred) of reads before it was


def loaded(err, data):
    global lines, ready
    ready = True
    if err is not None:
        print("replay: cannot read %s: %s" % (CAPTURE, err))
    else:
        lines = data.splitlines(keepends=True)
    for f, d in waiting_for_capture:
        answer(f, d)
    waiting_for_capture.clear()
    device.notify()


hostio.readFile(CAPTURE, loaded)


def open(file, flags):
    file.state["next"] = 0
    file.state["start"] = time.monotonic()


def due(file):
    """Seconds until the file's next line is due (<= 0: now)."""
    return file.state["start"] + file.state["next"] / RATE - time.monotonic()


def take(file):
    i = file.state["next"]
    if i >= len(lines):
        return b""
    file.state["next"] = i + 1
    return lines[i]


def answer(file, d):
    if d.done:
        return
    wait = due(file)
    if wait > 0:
        set_timeout(lambda: answer(file, d), wait * 1000)
    else:
        d.reply(take(file))


def read(file, size, offset):
    if ready and (file.state["next"] >= len(lines) or due(file) <= 0):
        return take(file)
    if file.nonblock:
        raise Errno.EAGAIN
    d = file.defer()
    if not ready:
        waiting_for_capture.append((file, d))
    else:
        answer(file, d)
    return d


def poll(file):
    if not ready:
        return 0
    if file.state["next"] >= len(lines) or due(file) <= 0:
        return POLLIN | POLLRDNORM
    set_timeout(device.notify, due(file) * 1000)  # tell the poller when it is due
    return 0
