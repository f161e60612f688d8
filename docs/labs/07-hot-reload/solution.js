// Lab 07 solution (version 2 of the notice board): notices are numbered.
// Saved over version 1 while readers wait, it answers them: their Deferreds
// are in device.state, and so is the count of notices version 1 posted.
export const name = "board";

const state = device.state;
state.posts ??= 0;                  // notices posted so far (version 1 counted them too)
state.waiting ??= [];               // Deferred reads waiting for the next notice

/**
 * Runs once after the swap, before any call reaches this code.
 * @type {fusd.Reload}
 */
export function reload(previousVersion, dev) {
    console.log(`board: version ${previousVersion} left ${dev.state.posts} notices and `
        + `${dev.state.waiting.length} waiting readers`);
}

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
    const prefix = `#${state.posts}: `;                 // ASCII: one byte per character
    const notice = new Uint8Array(prefix.length + data.length);
    for (let i = 0; i < prefix.length; i++) notice[i] = prefix.charCodeAt(i);
    notice.set(data, prefix.length);
    const waiting = state.waiting;
    state.waiting = [];
    for (const d of waiting) {
        if (!d.done) d.reply(notice.subarray(0, d.size));
    }
    return data.length;
}
