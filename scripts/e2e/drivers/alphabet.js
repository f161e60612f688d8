// A seekable device for the shell-tools checks (scripts/e2e/shell_tools.py,
// ShellToolsTest): its bytes are the alphabet; read and write get the
// kernel's offsets (pread, pwrite, lseek).
export const name = "alphabet";
export const seekable = true;

device.state.text ??= "abcdefghijklmnopqrstuvwxyz";

export function read(file, size, offset) {
    return device.state.text.slice(offset, offset + size);
}

export function write(file, data, offset) {
    const t = device.state.text;
    const s = String.fromCharCode(...data);
    device.state.text = t.slice(0, offset) + s + t.slice(offset + s.length);
    return data.length;
}
