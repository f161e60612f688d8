# The benchmark device (docs/benchmarks.md): read(size) returns `size` bytes
# of b'x' whatever the offset; write accepts every byte. Buffers are cached by
# size so a measured call costs the channel and the engine, not allocation.
name = "bench"

PATTERN = b"x"
_cache = {}


def read(file, size, offset):
    buf = _cache.get(size)
    if buf is None:
        buf = PATTERN * size
        if len(_cache) < 64:
            _cache[size] = buf
    return buf


def write(file, data, offset):
    return len(data)
