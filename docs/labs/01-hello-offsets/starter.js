// Lab 01 starter: the greeting comes out whole, once per open. Make it come
// out in pieces of any size (see README.md, "Your task").
export const name = "lab01";

const GREETING = "Hello from lab 01: read me in pieces of any size.\n";

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.state.done) return "";         // end of file for this open
    file.state.done = true;
    return GREETING;                        // TODO: at most `size` bytes, from where this open is
}
