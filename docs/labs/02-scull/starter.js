// Lab 02 starter: a memory device that keeps what is written and reads it
// back. It only appends, and it cannot seek. See README.md, "Your task".
export const name = "scull";

export const SCULL_SEEK = _IOWR("s", 1, 16);   // in: { int64 offset; int32 whence; u32 pad }, out: { int64 position; u64 pad }
export const SCULL_SIZE = _IOR("s", 2, 8);     // out: int64, the bytes stored

const state = device.state;
state.data ??= new Uint8Array(0);               // kept in device.state: survives a reload

/** @type {fusd.Open} */
export function open(file, flags) {
    // TODO: an open for writing only ((flags & 3) === 1) without O_APPEND (0o2000) empties the device
    file.state.pos = 0;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    const data = state.data;
    const piece = data.subarray(file.state.pos, Math.min(data.length, file.state.pos + size));
    file.state.pos += piece.length;
    return piece;
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    // TODO: write at this open's position (at the end with O_APPEND), not always at the end
    const grown = new Uint8Array(state.data.length + data.length);
    grown.set(state.data);
    grown.set(data, state.data.length);
    state.data = grown;
    return data.length;
}

/** @type {fusd.Ioctl} */
export function ioctl(file, cmd, arg, mem) {
    // TODO: SCULL_SIZE, then SCULL_SEEK (SEEK_SET 0, SEEK_CUR 1, SEEK_END 2)
    throw Errno.ENOTTY;
}
