// Lab 06 solution: memory shared with the clients' mappings. Two pages:
//   page 0 (offset 0)     the board: a NUL-terminated text the driver keeps;
//                         a write(2) replaces it; clients map it read-only
//   page 1 (offset 4096)  the inbox: clients map it writable and store a
//                         NUL-terminated text; read(2) returns it
// mmap(2) maps the pages themselves (fusd channel): nothing is copied, and
// no call reaches the driver when a client reads or stores a byte.
export const name = "lab06";

const PAGE = 4096;
export const memory = {size: 2 * PAGE};
const GREETING = "hello from lab 06\n";

/** The shared pages: there from the first call on (not while the top level first runs). */
const pages = () => /** @type {ArrayBuffer} */ (device.memory);

/** An ASCII string as bytes. @param {string} s */
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The text at the start of a page, up to its first NUL. */
function textAt(page) {
    const bytes = new Uint8Array(pages(), page * PAGE, PAGE);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end < 0 ? PAGE : end);
}

/** Replaces the board's text: the bytes, then zeros to the end of the page. */
function setBoard(data) {
    const board = new Uint8Array(pages(), 0, PAGE);
    board.fill(0);
    board.set(data);
}

/** @type {fusd.Open} */
export function open(file, flags) {
    // device.memory does not exist yet while the top level first runs: greet at the first open
    if (!device.state.greeted) {
        setBoard(ascii(GREETING));
        device.state.greeted = true;
    }
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    if (data.length > PAGE - 1) throw Errno.ENOSPC;    // the text and its NUL fit in the page
    setBoard(data);
    return data.length;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.state.done) return "";                   // once per open: `cat` ends
    file.state.done = true;
    return textAt(1).slice(0, size);                   // a copy: the client may change the page meanwhile
}

/** @type {fusd.Mmap} */
export function mmap(file, offset, length, prot) {
    if ((prot & PROT_WRITE) && offset < PAGE) throw Errno.EACCES;   // the board is the driver's to write
}
