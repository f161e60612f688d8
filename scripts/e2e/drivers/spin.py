# read spins while device.state.spin is true (writing "spin" or "calm" sets it): a runaway callback.
name = "spinpy"
device.state.spin = True


def write(file, data, offset):
    device.state.spin = bytes(data) == b"spin"
    return len(data)


def read(file, size, offset):
    i = 0
    while device.state.spin:
        i += 1
    return "calm"
