// The device behind the poll stress test (scripts/e2e/poll_stress.py): reads
// answer 4 KiB of "x", writes take everything, and STATS (_IOR('s', 1, 16))
// copies out two u64 counters: the calls made (open, read, write, ioctl) and
// the poll callbacks run. stress_poll.js and stress_nopoll.js serve it with
// and without a poll callback.
export const STATS = _IOR("s", 1, 16);
const CHUNK = new Uint8Array(4096).fill(0x78);
const counts = device.state;
counts.calls ??= 0;
counts.polls ??= 0;

export function open(file) {
    counts.calls++;
}

export function read(file, size) {
    counts.calls++;
    return CHUNK.subarray(0, Math.min(size, CHUNK.length));
}

export function write(file, data) {
    counts.calls++;
    return data.length;
}

export function ioctl(file, cmd) {
    counts.calls++;
    if (cmd !== STATS) throw new Errno("ENOTTY");
    const out = new DataView(new ArrayBuffer(16));
    out.setBigUint64(0, BigInt(counts.calls), true);
    out.setBigUint64(8, BigInt(counts.polls), true);
    return out.buffer;
}

export function countPoll() {
    counts.polls++;
}
