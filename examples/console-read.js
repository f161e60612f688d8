// console-read: a read of /dev/console-read is answered by the next line
// typed on the host's terminal (its stdin). Readers are answered in the
// order they asked; a line typed for a reader that gave up (Ctrl-C) goes to
// the next one. At the end of the host's input, reads give end of file.
// Try: fusd-host run --allow-device /dev/stdin examples/console-read.js
export const name = "console-read";
export const mode = 0o444;
export const grants = { device: ["/dev/stdin"] };

const unread = []; // lines whose reader gave up

export function read(file, size) {
    if (unread.length > 0) return unread.shift();
    if (file.nonblock) throw Errno.EAGAIN;
    const d = file.defer();
    console.log("console-read: a reader waits; type a line");
    hostio.readLine((err, line) => {
        const text = err ? null : line === null ? "" : line + "\n";
        if (d.done) {
            if (text) unread.push(text);
        } else if (err) {
            d.fail("EIO");
        } else {
            d.reply(text);
        }
    });
    return d;
}
