// The benchmark device (docs/benchmarks.md): read(size) returns `size` bytes
// of 'x' whatever the offset; write accepts every byte. Buffers are cached by
// size so a measured call costs the channel and the engine, not allocation.
// They are lent by the host (device.buffer), so a read is sent without a copy.
export const name = "bench";

const PATTERN = 0x78;  // 'x'
const cache = new Map();

function pattern(size) {
    let buf = cache.get(size);
    if (buf === undefined) {
        buf = device.buffer(size);
        new Uint8Array(buf).fill(PATTERN);
        if (cache.size < 64) cache.set(size, buf);
    }
    return buf;
}

export function read(file, size, offset) {
    return pattern(size);
}

export function write(file, data, offset) {
    return data.byteLength !== undefined ? data.byteLength : data.length;
}
