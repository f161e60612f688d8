// Lab 05 solution: a dimmer whose level (0..100) is read and set with
// ioctls, as a driver for a real light would be.
//   LEVEL_GET   = _IOR('L', 1, 4) = 0x80044c01   copy the level out (u32)
//   LEVEL_SET   = _IOW('L', 2, 4) = 0x40044c02   set it from the caller's u32; above 100: EINVAL
//   LEVEL_RESET = _IO('L', 3)     = 0x00004c03   back to the default, 50
// Any other command: ENOTTY. read shows the level as text.
export const name = "lab05";

export const LEVEL_GET = _IOR("L", 1, 4);
export const LEVEL_SET = _IOW("L", 2, 4);
export const LEVEL_RESET = _IO("L", 3);
const DEFAULT = 50, MAX = 100;

device.state.level ??= DEFAULT;

/** @type {fusd.Ioctl} */
export function ioctl(file, cmd, arg, mem) {
    const st = device.state;
    if (cmd === LEVEL_GET) {
        const out = new DataView(new ArrayBuffer(4));
        out.setUint32(0, st.level, true);
        return out;                                     // the 4 bytes the caller gets back
    }
    if (cmd === LEVEL_SET && arg instanceof Uint8Array) {
        const level = new DataView(arg.buffer, arg.byteOffset, 4).getUint32(0, true);
        if (level > MAX) throw Errno.EINVAL;
        st.level = level;
        return 0;
    }
    if (cmd === LEVEL_RESET) {
        st.level = DEFAULT;
        return 0;
    }
    throw Errno.ENOTTY;                                 // not ours, as a kernel driver answers
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.state.done) return "";
    file.state.done = true;
    return `level ${device.state.level}\n`;
}
