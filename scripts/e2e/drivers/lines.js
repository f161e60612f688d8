// A stream for the shell-tools checks (scripts/e2e/shell_tools.py,
// ShellToolsTest): 1200 lines "line 0001\n".."line 1200\n", 12000 bytes
// (more than tail's 8 KiB buffer), from the open's own position. A stream
// gets no offsets: a read with one fails.
export const name = "lines";

const TEXT = Array.from({length: 1200}, (_, i) => `line ${String(i + 1).padStart(4, "0")}\n`).join("");

export function open(file, flags) {
    file.state.at = 0;
}

export function read(file, size, offset) {
    if (offset !== 0) throw new Error(`a stream's read got offset ${offset}`);
    const piece = TEXT.slice(file.state.at, file.state.at + size);
    file.state.at += piece.length;
    return piece;
}

export function write(file, data, offset) {
    return data.length;
}
