// serial-tap: /dev/serial-tap is a serial port seen through the host, which
// logs both directions on its stderr. Bytes written to the device go out of
// the port; bytes the port receives are read from the device (a read waits
// for them; O_NONBLOCK: EAGAIN). poll reflects the port: POLLIN when bytes
// wait, POLLOUT while the port's write queue has room. If the port hangs
// up, reads fail with EIO.
// Try: fusd-host run --allow-device /dev/ttyUSB0 examples/serial-tap.js
export const name = "serial-tap";

const PORT = "/dev/ttyUSB0"; // edit for your port
const SPEED = 115200;

export const grants = { device: [PORT] };

let inbox = new Uint8Array(0); // bytes from the port no reader took yet
const waiting = []; // Deferred reads
let failure = null; // the port's error, once it failed
const port = hostio.openDevice(PORT, { speed: SPEED, raw: true });

function show(direction, bytes) {
    let s = "";
    for (let i = 0; i < bytes.length && i < 32; i++) {
        const c = bytes[i];
        s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "\\x" + c.toString(16).padStart(2, "0");
    }
    console.log(`serial-tap ${direction} ${bytes.length} bytes: ${s}${bytes.length > 32 ? "..." : ""}`);
}

function take(size) {
    const n = Math.min(size, inbox.length);
    const out = inbox.slice(0, n);
    inbox = inbox.slice(n);
    return out;
}

function answerWaiting() {
    while (waiting.length > 0 && (inbox.length > 0 || failure)) {
        const d = waiting.shift();
        if (d.done) continue;
        if (inbox.length > 0) d.reply(take(d.size));
        else d.fail("EIO");
    }
}

async function receive() {
    const p = await port;
    for (;;) {
        const bytes = await p.read();
        if (bytes.length === 0) throw new Errno("EIO", "the port hung up");
        show("<-", bytes);
        const joined = new Uint8Array(inbox.length + bytes.length);
        joined.set(inbox);
        joined.set(bytes, inbox.length);
        inbox = joined;
        answerWaiting();
        device.notify();
    }
}

receive().catch((e) => {
    failure = e;
    console.log(`serial-tap: ${PORT}: ${e.message}`);
    answerWaiting();
    device.notify();
});

export function read(file, size) {
    if (inbox.length > 0) return take(size);
    if (failure) throw Errno.EIO;
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    waiting.push(d);
    return d;
}

export async function write(file, data) {
    if (failure) throw Errno.EIO;
    const bytes = data.slice(); // data is valid only until the first await
    const p = await port;
    if (file.nonblock && !p.writable()) throw Errno.EAGAIN;
    show("->", bytes);
    return await p.write(bytes);
}

export function poll(file) {
    let mask = 0;
    if (inbox.length > 0 || failure) mask |= POLLIN | POLLRDNORM;
    if (!failure) mask |= POLLOUT | POLLWRNORM;
    return mask;
}
