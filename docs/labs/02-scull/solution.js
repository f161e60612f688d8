// Lab 02 solution: scull, a memory device. Bytes written are kept (up to
// 1 MiB) and read back; each open has its own position. As in LDD3's scull,
// an open for writing only (O_WRONLY, as `echo >` and `cp` do) empties the
// device first. lseek does not reach a driver on fusd's channels, so the
// position is moved with an ioctl that works like lseek(2).
export const name = "scull";

export const SCULL_SEEK = _IOWR("s", 1, 16);   // in: { int64 offset; int32 whence; u32 pad }, out: { int64 position; u64 pad }
export const SCULL_SIZE = _IOR("s", 2, 8);     // out: int64, the bytes stored
const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
const O_ACCMODE = 3, O_WRONLY = 1, O_APPEND = 0o2000;
const CAPACITY = 1 << 20;

const state = device.state;
state.data ??= new Uint8Array(0);               // kept in device.state: survives a reload

/** @type {fusd.Open} */
export function open(file, flags) {
    file.state.pos = 0;
    file.state.append = (flags & O_APPEND) !== 0;
    if ((flags & O_ACCMODE) === O_WRONLY && !file.state.append) state.data = new Uint8Array(0);
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    const data = state.data;
    const pos = Math.min(file.state.pos, data.length);
    const piece = data.subarray(pos, Math.min(data.length, pos + size));
    file.state.pos = pos + piece.length;
    return piece;                               // empty at the end: end of file
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    const old = state.data;
    const pos = file.state.append ? old.length : file.state.pos;
    const n = Math.min(data.length, CAPACITY - pos);
    if (n <= 0) throw Errno.ENOSPC;
    const grown = new Uint8Array(Math.max(old.length, pos + n));   // a gap left by a seek past the end reads as zeros
    grown.set(old);
    grown.set(data.subarray(0, n), pos);
    state.data = grown;
    file.state.pos = pos + n;
    return n;
}

/** @type {fusd.Ioctl} */
export function ioctl(file, cmd, arg, mem) {
    if (cmd === SCULL_SIZE) return int64(state.data.length);
    if (cmd !== SCULL_SEEK || !(arg instanceof Uint8Array)) throw Errno.ENOTTY;
    const req = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    const offset = Number(req.getBigInt64(0, true));
    const whence = req.getInt32(8, true);
    const base = whence === SEEK_SET ? 0 : whence === SEEK_CUR ? file.state.pos
        : whence === SEEK_END ? state.data.length : NaN;
    const pos = base + offset;
    if (!(pos >= 0)) throw Errno.EINVAL;        // a bad whence (NaN) or a position before the start
    file.state.pos = pos;
    const out = new Uint8Array(16);
    out.set(int64(pos));
    return out;
}

/** @param {number} n */
function int64(n) {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigInt64(0, BigInt(n), true);
    return new Uint8Array(b.buffer);
}
