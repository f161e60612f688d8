// Lab 04 starter: a pipe that never waits. A read of an empty pipe answers
// end of file at once, a write to a full one fails. Make reads and writes
// wait, honour O_NONBLOCK, and answer poll. See README.md, "Your task".
export const name = "lab04";

const CAPACITY = 4096;
const state = device.state;
state.buf ??= new Uint8Array(0);    // the bytes in the pipe

/** @type {fusd.Read} */
export function read(file, size, offset) {
    // TODO: an empty pipe: EAGAIN if file.nonblock, else wait (file.defer()) for a write
    const buf = state.buf;
    const n = Math.min(size, buf.length);
    state.buf = buf.subarray(n);
    return buf.subarray(0, n);
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    // TODO: a full pipe: EAGAIN if file.nonblock, else wait for a read to make room
    const buf = state.buf;
    const n = Math.min(data.length, CAPACITY - buf.length);
    if (n === 0) throw Errno.ENOSPC;
    const joined = new Uint8Array(buf.length + n);
    joined.set(buf);
    joined.set(data.subarray(0, n), buf.length);
    state.buf = joined;
    // TODO: answer the readers waiting for data; tell pollers (device.notify())
    return n;
}

// TODO: export a poll(file) that reports POLLIN | POLLRDNORM when there is
// data and POLLOUT | POLLWRNORM when there is room
