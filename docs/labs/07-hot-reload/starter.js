// Lab 07 starter (version 1): a notice board. Each write is a notice that
// every reader waiting at that moment gets; a read waits for the next
// notice. Change it while a reader waits, without losing the reader: see
// README.md, "Your task".
export const name = "board";

const state = device.state;
state.posts ??= 0;                  // notices posted so far
state.waiting ??= [];               // Deferred reads waiting for the next notice

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    state.waiting.push(d);          // in device.state: the next version finds it
    return d;
}

/** @type {fusd.Write} */
export function write(file, data, offset) {
    state.posts += 1;
    const waiting = state.waiting;
    state.waiting = [];
    for (const d of waiting) {
        if (!d.done) d.reply(data.subarray(0, d.size));
    }
    return data.length;
}
