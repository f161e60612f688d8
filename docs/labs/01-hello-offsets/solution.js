// Lab 01 solution: the greeting in pieces of any size. Each open keeps its
// own position in file.state: the kernel's file offset does not reach the
// driver on fusd's channels (the `offset` argument is 0, see README.md).
export const name = "lab01";

const GREETING = "Hello from lab 01: read me in pieces of any size.\n";   // ASCII: 1 char = 1 byte

/** @type {fusd.Open} */
export function open(file, flags) {
    file.state.pos = 0;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    const pos = file.state.pos;
    const piece = GREETING.slice(pos, pos + size);
    file.state.pos = pos + piece.length;
    return piece;                           // "" once everything was read: end of file
}
