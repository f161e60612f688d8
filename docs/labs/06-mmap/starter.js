// Lab 06 starter: memory shared with the clients' mappings. Two pages:
//   page 0 (offset 0)     the board: a NUL-terminated text the driver keeps;
//                         a write(2) replaces it; clients map it read-only
//   page 1 (offset 4096)  the inbox: clients map it writable and store a
//                         NUL-terminated text; read(2) returns it
// The board shows its greeting; the rest is yours. See README.md, "Your task".
export const name = "lab06";

const PAGE = 4096;
export const memory = {size: 2 * PAGE};
const GREETING = "hello from lab 06\n";

/** The shared pages: there from the first call on (not while the top level first runs). */
const pages = () => /** @type {ArrayBuffer} */ (device.memory);

/** An ASCII string as bytes. @param {string} s */
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** @type {fusd.Open} */
export function open(file, flags) {
    // device.memory does not exist yet while the top level first runs: greet at the first open
    if (!device.state.greeted) {
        new Uint8Array(pages(), 0, PAGE).set(ascii(GREETING));
        device.state.greeted = true;
    }
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    // TODO: replace the board's text with data (then zeros to the end of page 0); too long: Errno.ENOSPC
    device.state.board = data;
    return data.length;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    // TODO: the inbox's text (page 1, up to its first NUL), once per open
    return "";
}

// TODO: an mmap(file, offset, length, prot) callback that refuses a writable mapping of the board (EACCES)
