// ticker: a timer makes a line every 100 ms; each open streams the lines made
// since it opened. A read with nothing new waits for the next tick (or EAGAIN
// if O_NONBLOCK); poll reports POLLIN when a line is waiting.
// Try: cat /run/fusd/ticker
export const name = "ticker";
export const mode = 0o444;

const state = device.state;
state.tick ??= 0;
state.waiting ??= [];                  // Deferred reads waiting for the next tick

function line(n) {
    return `tick ${n}\n`;
}

setInterval(() => {
    state.tick = state.tick + 1;
    const waiting = state.waiting;
    state.waiting = [];
    for (let i = 0; i < waiting.length; i++) {
        const d = waiting[i];
        if (!d.done) {
            d.file.state.next = state.tick + 1;
            d.reply(line(state.tick));
        }
    }
    device.notify();
}, 100);

export function open(file, flags) {
    file.state.next = state.tick + 1;   // the first line a reader sees
}

export function read(file, size, offset) {
    const next = file.state.next;
    if (next <= state.tick) {
        file.state.next = next + 1;
        return line(next);
    }
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    const waiting = state.waiting;
    waiting[waiting.length] = d;
    return d;
}

export function poll(file) {
    return file.state.next <= state.tick ? POLLIN | POLLRDNORM : 0;
}
