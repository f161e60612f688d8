// A driver for the fusd v2 checks (scripts/vmtest.d/java-fusd-v2.sh): a
// 1 KiB memory file under a subdirectory of /dev, with llseek (SEEK_END
// knows the size), pread/pwrite offsets, flush counted on every close, and
// an ioctl telling whether the caller is a 32-bit process.
export const name = "fusd-v2/seek";

const SIZE = 1024;
const state = device.state;
state.data ??= new Uint8Array(SIZE);
state.flushes ??= 0;

export function llseek(file, offset, whence) {
    if (whence === SEEK_SET) return offset;
    if (whence === SEEK_END) return SIZE + offset;
    throw Errno.EINVAL;
}

export function read(file, size, offset) {
    if (offset >= SIZE) return null;
    return state.data.subarray(offset, Math.min(SIZE, offset + size));
}

export function write(file, data, offset) {
    if (offset >= SIZE) throw Errno.ENOSPC;
    const n = Math.min(data.length, SIZE - offset);
    const d = new Uint8Array(state.data);
    d.set(data.subarray(0, n), offset);
    state.data = d;
    return n;
}

export function flush(file) {
    state.flushes = state.flushes + 1;
}

export function ioctl(file, cmd) {
    if (cmd === _IO("V", 1)) return state.flushes;
    if (cmd === _IO("V", 2)) return file.compat32 ? 1 : 0;
    throw Errno.ENOTTY;
}
