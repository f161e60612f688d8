// Lab 04 solution: a pipe like LDD3's scullpipe. Writes fill a 4 KiB
// buffer, reads drain it. A read of an empty pipe waits (a Deferred kept in
// device.state) until a write; a write to a full pipe waits until a read
// makes room; with O_NONBLOCK both fail with EAGAIN instead. poll reports
// POLLIN when there is data and POLLOUT when there is room; device.notify()
// wakes pollers whenever that changes.
export const name = "lab04";

const CAPACITY = 4096;
const state = device.state;
state.buf ??= new Uint8Array(0);    // the bytes in the pipe
state.readers ??= [];               // Deferred reads waiting for data
state.writers ??= [];               // { d: Deferred write, data: its bytes } waiting for room

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (state.buf.length > 0) {
        const out = take(size);
        serveWriters();
        return out;
    }
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    state.readers.push(d);
    return d;
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    if (state.buf.length < CAPACITY) {
        const n = put(data);
        serveReaders();
        return n;
    }
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    state.writers.push({ d, data });    // stored as a copy: `data` is only valid during the call
    return d;
}

/** @type {fusd.Poll} */
export function poll(file) {
    let mask = 0;
    if (state.buf.length > 0) mask |= POLLIN | POLLRDNORM;
    if (state.buf.length < CAPACITY) mask |= POLLOUT | POLLWRNORM;
    return mask;
}

/** Takes at most size bytes from the front of the pipe. @param {number} size */
function take(size) {
    const buf = state.buf;
    const n = Math.min(size, buf.length);
    state.buf = buf.subarray(n);
    device.notify();
    return buf.subarray(0, n);
}

/** Appends as much of data as fits; returns how much. @param {Uint8Array} data */
function put(data) {
    const buf = state.buf;
    const n = Math.min(data.length, CAPACITY - buf.length);
    const joined = new Uint8Array(buf.length + n);
    joined.set(buf);
    joined.set(data.subarray(0, n), buf.length);
    state.buf = joined;
    device.notify();
    return n;
}

/** Answers waiting readers while there is data; a reader interrupted by a signal is done already. */
function serveReaders() {
    const waiting = state.readers;
    const left = [];
    for (const d of waiting) {
        if (d.done) continue;
        if (state.buf.length > 0) d.reply(take(d.size));
        else left.push(d);
    }
    state.readers = left;
}

/** Lets waiting writers put their bytes in while there is room, then serves readers. */
function serveWriters() {
    const waiting = state.writers;
    const left = [];
    for (const w of waiting) {
        if (w.d.done) continue;
        if (state.buf.length < CAPACITY) w.d.reply(put(w.data));
        else left.push(w);
    }
    state.writers = left;
    serveReaders();
}
