// pipe: a FIFO. Writes append to a buffer; reads take from it. A read with no
// data waits (a deferred reply) until someone writes, unless the file is
// O_NONBLOCK (then EAGAIN). poll/select see POLLIN when data is buffered.
// Buffer and waiting readers live in device.state, so they survive a reload.
// Try: cat /run/fusd/pipe   (in one shell)   echo hi > /run/fusd/pipe   (in another)
export const name = "pipe";

const CAPACITY = 65536;
const state = device.state;
state.data ??= new Uint8Array(0);      // stored as host bytes
state.readers ??= [];                  // Deferred replies of blocked readers

function take(size) {
    const data = state.data;
    const n = Math.min(size, data.length);
    state.data = data.subarray(n);
    return data.subarray(0, n);
}

export function read(file, size, offset) {
    if (state.data.length > 0) return take(size);
    if (file.nonblock) throw new Errno("EAGAIN");
    const d = file.defer();               // d.size is the size asked for
    const readers = state.readers;
    readers[readers.length] = d;          // append to the host-owned list
    return d;
}

export function write(file, data, offset) {
    const room = CAPACITY - state.data.length;
    if (room <= 0) throw new Errno("EAGAIN");
    const n = Math.min(room, data.length);
    const joined = new Uint8Array(state.data.length + n);
    joined.set(state.data);
    joined.set(data.subarray(0, n), state.data.length);   // copies: data is only valid during the call
    state.data = joined;
    wakeReaders();
    device.notify();
    return n;
}

function wakeReaders() {
    const readers = state.readers;
    let i = 0;
    for (; i < readers.length && state.data.length > 0; i++) {
        const d = readers[i];
        if (!d.done) d.reply(take(d.size));   // done: the reader was interrupted
    }
    const waiting = [];
    for (; i < readers.length; i++) waiting.push(readers[i]);
    state.readers = waiting;
}

export function poll(file) {
    let mask = 0;
    if (state.data.length > 0) mask |= POLLIN | POLLRDNORM;
    if (state.data.length < CAPACITY) mask |= POLLOUT | POLLWRNORM;
    return mask;
}
