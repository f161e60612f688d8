// Lab 05 starter: a dimmer whose level (0..100) can be read with an ioctl.
// Add setting and resetting it. See README.md, "Your task".
//   LEVEL_GET   = _IOR('L', 1, 4) = 0x80044c01   copy the level out (u32)
//   LEVEL_SET   = _IOW('L', 2, 4) = 0x40044c02   set it from the caller's u32; above 100: EINVAL
//   LEVEL_RESET = _IO('L', 3)     = 0x00004c03   back to the default, 50
export const name = "lab05";

export const LEVEL_GET = _IOR("L", 1, 4);
export const LEVEL_SET = _IOW("L", 2, 4);
export const LEVEL_RESET = _IO("L", 3);
const DEFAULT = 50, MAX = 100;

device.state.level ??= DEFAULT;

/** @type {fusd.Ioctl} */
export function ioctl(file, cmd, arg, mem) {
    if (cmd === LEVEL_GET) {
        const out = new DataView(new ArrayBuffer(4));
        out.setUint32(0, device.state.level, true);
        return out;                                     // the 4 bytes the caller gets back
    }
    // TODO: LEVEL_SET (arg is a Uint8Array of 4 bytes; above MAX: Errno.EINVAL), LEVEL_RESET
    throw Errno.ENOTTY;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.state.done) return "";
    file.state.done = true;
    return `level ${device.state.level}\n`;
}
