// Per-open echo: a write appends to file.state.buf, a read takes from it.
// The bytes live in host state, so they cross a takeover.
export const name = "echo";

export function open(file) {
    file.state.buf = new Uint8Array(0);
}

export function write(file, data) {
    const b = file.state.buf;
    const joined = new Uint8Array(b.length + data.length);
    joined.set(b);
    joined.set(data, b.length);
    file.state.buf = joined;
    return data.length;
}

export function read(file, size) {
    const b = file.state.buf;
    const n = Math.min(size, b.length);
    file.state.buf = b.subarray(n);
    return b.subarray(0, n);
}
