// Lab 03 solution: one user at a time. While the device is open, only the
// uid that opened it first may open it again; anyone else gets EBUSY (LDD3's
// "sculluid"). The last release frees it for everyone.
export const name = "lab03";

const state = device.state;
state.opens ??= 0;                  // opens now, kept across reloads
state.owner ??= -1;                 // uid holding the device, -1 when free

/** @type {fusd.Open} */
export function open(file, flags) {
    if (state.opens > 0 && state.owner !== file.uid) throw Errno.EBUSY;
    state.owner = file.uid;
    state.opens += 1;
}

/** @type {fusd.Release} */
export function release(file) {
    state.opens -= 1;
    if (state.opens === 0) state.owner = -1;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.state.done) return "";
    file.state.done = true;
    return `pid ${file.pid} uid ${file.uid}: ${state.opens} open\n`;
}
