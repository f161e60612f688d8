// logring: a log that any number of readers tail (the idea of FUSD's logring
// example). Each write(2) is one message (a newline is added if it has none;
// at most 4096 bytes, the rest is a short write); the device keeps the last
// 64 messages in a ring. Each open has its own position: it starts at the
// oldest message kept and then waits for new ones (O_NONBLOCK: EAGAIN), so
// `cat` shows the recent log and follows it. poll says POLLIN while a reader
// has something to read; writes never wait (the ring overwrites).
// A reader that falls a full lap behind (more than 64 messages came since it
// last read) is told so in its stream, by one line in place of what it missed:
//     logring: 12 messages lost
// and goes on from the oldest message kept.
// Try: cat /run/fusd/logring &   echo hello > /run/fusd/logring
export const name = "logring";

const SLOTS = 64;
const MESSAGE_MAX = 4096;
const state = device.state;
state.ring ??= [];            // message n is ring[n % SLOTS]
state.next ??= 0;             // the number of the next message
state.waiting ??= [];         // Deferred reads waiting for a message

/** The number of the oldest message kept. */
function oldest() {
    return Math.max(0, state.next - SLOTS);
}

/** @param {string} s ASCII text @returns {Uint8Array} */
function ascii(s) {
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function open(file, flags) {
    file.state.seq = oldest();   // the next message this open reads
    file.state.rest = null;      // what a short read left of a message
}

/**
 * The next bytes for the reader of file, at most size; null if there is
 * nothing new yet.
 * @param {fusd.File} file @param {number} size @returns {Uint8Array | null}
 */
function take(file, size) {
    const f = file.state;
    let chunk = f.rest;
    if (chunk == null) {
        if (f.seq < oldest()) {
            const lost = oldest() - f.seq;
            f.seq = oldest();
            chunk = ascii(`logring: ${lost} message${lost === 1 ? "" : "s"} lost\n`);
        } else if (f.seq < state.next) {
            chunk = state.ring[f.seq % SLOTS];
            f.seq += 1;
        } else {
            return null;
        }
    }
    f.rest = chunk.length > size ? chunk.subarray(size) : null;
    return chunk.subarray(0, size);
}

export function read(file, size, offset) {
    const chunk = take(file, size);
    if (chunk !== null) return chunk;
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    state.waiting.push(d);
    return d;
}

export function write(file, data, offset) {
    const n = Math.min(data.length, MESSAGE_MAX);
    if (n === 0) return 0;
    let message = data.subarray(0, n);
    if (message[n - 1] !== 10) {
        const withNewline = new Uint8Array(n + 1);
        withNewline.set(message);
        withNewline[n] = 10;
        message = withNewline;
    }
    const ring = state.ring;
    if (ring.length < SLOTS) ring.push(message);   // stored as a copy: data is valid only during the call
    else ring[state.next % SLOTS] = message;
    state.next += 1;
    wakeReaders();
    device.notify();
    return n;
}

function wakeReaders() {
    const waiting = state.waiting;
    state.waiting = [];
    for (let i = 0; i < waiting.length; i++) {
        const d = waiting[i];
        if (d.done) continue;                      // its caller was interrupted
        const chunk = take(d.file, d.size);
        if (chunk !== null) d.reply(chunk);
        else state.waiting.push(d);                // another read of the same open took it
    }
}

export function poll(file) {
    const f = file.state;
    const ready = f.rest != null || f.seq < state.next;
    return (ready ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}
