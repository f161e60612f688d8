// hello: each open reads one greeting, then end of file.
// Try: cat /run/fusd/hello
export const name = "hello";

export function read(file, size, offset) {
    if (file.state.done) return "";          // end of file for this open
    file.state.done = true;
    return "Hello from a script!\n";
}
