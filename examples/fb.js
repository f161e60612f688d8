// fb: a framebuffer-like device. Its pixels live in memory shared with every
// client that mmaps /dev/fb (export `memory`): the driver draws a moving test
// pattern into it on a timer, and clients see each frame without a read or
// a copy. Needs --channel fusd (on cuse and fuse mmap is refused; the host
// says so when it loads the driver).
//
// Layout (little-endian u32s):
//   0      header: frame number, front buffer (0 or 1), width, height
//   4096   buffer 0: HEIGHT rows of STRIDE bytes, one u32 0xAARRGGBB per pixel
//   4096 + FRAME_BYTES   buffer 1
// The driver draws the next frame into the back buffer, then flips: a client
// that takes the front buffer of the frame it was told about has a whole
// frame that stays put for one more frame interval.
//
// Each open file is told about new frames: poll() reports POLLIN when a frame
// came since its last read(), and read() returns the frame number (4 bytes).
// FBIOGET_INFO (an _IOR of 16 bytes) gives width, height, stride and the
// offset of buffer 0. Client: examples/fb_client.c.
export const name = "fb";

const WIDTH = 160, HEIGHT = 120, STRIDE = WIDTH * 4;
const HEADER = 4096, FRAME_BYTES = STRIDE * HEIGHT;
export const memory = {size: HEADER + 2 * FRAME_BYTES};
export const FBIOGET_INFO = _IOR("F", 1, 16);
const PERIOD_MS = 40;

// The colour of row y in frame f: bands that scroll down one row per frame.
export function color(y, f) {
    return (0xff000000 | ((((y + f) * 4) & 0xff) << 16) | ((f & 0xff) << 8) | (y & 0xff)) >>> 0;
}

function draw() {
    const mem = device.memory;
    if (!mem) return;           // only while the top level first runs
    const header = new Uint32Array(mem, 0, 4);
    const next = header[0] + 1;
    const back = next & 1;
    const px = new Uint32Array(mem, HEADER + back * FRAME_BYTES, WIDTH * HEIGHT);
    for (let y = 0; y < HEIGHT; y++) {
        px.fill(color(y, next), y * WIDTH, (y + 1) * WIDTH);
    }
    header[1] = back;
    header[2] = WIDTH;
    header[3] = HEIGHT;
    header[0] = next;           // last: a client that sees this frame sees its pixels
    device.notify();
}

setInterval(draw, PERIOD_MS);

function frame() {
    return device.memory ? new Uint32Array(device.memory, 0, 1)[0] : 0;
}

export function open(file) {
    file.state.seen = frame();
}

export function read(file, size) {
    const f = frame();
    file.state.seen = f;
    const out = new DataView(new ArrayBuffer(4));
    out.setUint32(0, f, true);
    return out.buffer;
}

export function poll(file) {
    return frame() > file.state.seen ? POLLIN | POLLRDNORM : 0;
}

export function ioctl(file, cmd) {
    if (cmd !== FBIOGET_INFO) throw Errno.ENOTTY;
    const out = new DataView(new ArrayBuffer(16));
    out.setUint32(0, WIDTH, true);
    out.setUint32(4, HEIGHT, true);
    out.setUint32(8, STRIDE, true);
    out.setUint32(12, HEADER, true);
    return out.buffer;
}

// Clients may map the memory read-only only: writing pixels is the driver's job.
export function mmap(file, offset, length, prot) {
    if (prot & PROT_WRITE) throw Errno.EACCES;
}
