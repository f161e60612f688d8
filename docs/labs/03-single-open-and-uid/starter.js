// Lab 03 starter: any number of processes may open the device at once.
// Make it refuse a second open (EBUSY), then let the owner's uid open it
// again. See README.md, "Your task".
export const name = "lab03";

const state = device.state;
state.opens ??= 0;                  // opens now, kept across reloads

/** @type {fusd.Open} */
export function open(file, flags) {
    // TODO: refuse with Errno.EBUSY while the device is open (step 1),
    //       unless the opener has the uid of the one holding it (step 2)
    state.opens += 1;
}

/** @type {fusd.Release} */
export function release(file) {
    state.opens -= 1;
}

/** @type {fusd.Read} */
export function read(file, size, offset) {
    if (file.state.done) return "";
    file.state.done = true;
    return `pid ${file.pid} uid ${file.uid}: ${state.opens} open\n`;
}
