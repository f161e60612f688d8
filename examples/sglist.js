// sglist: a scatter-gather ioctl, as DMA engines take: the argument points at
// a list of (address, length) entries, each naming one of the caller's
// buffers, and the driver walks the list.
//
//     struct sg_entry { uint64_t addr; uint32_t len; uint32_t pad; };
//     struct sg_req { uint64_t list; uint32_t count; uint32_t op;
//                     uint32_t total; uint32_t faulted; };   // _IOWR, 24 bytes
//     op 1 GATHER: the buffers, in order, become the stored data
//     op 2 SCATTER: the stored data is spread over the buffers, in order
//
// The reply fills total (bytes moved) and faulted (entries whose memory the
// caller could not give: a bad address is an Errno EFAULT the driver catches
// and skips). On --channel fusd mem.read and mem.write reach the caller's
// memory at once, any size and any number of entries; on cuse they are
// mapped by re-running the call (128 KiB and 256 regions at most); on fuse
// the caller gets ENOTTY. Client: examples/sglist_client.c.
export const name = "sglist";

export const SG_REQ = _IOWR("S", 1, 24);
const OP_GATHER = 1, OP_SCATTER = 2, ENTRY = 16, MAX_ENTRIES = 4096;

const state = device.state;
state.data ??= new Uint8Array(0);

export function ioctl(file, cmd, arg, mem) {
    if (cmd !== SG_REQ) throw Errno.ENOTTY;
    const req = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    const list = Number(req.getBigUint64(0, true));
    const count = req.getUint32(8, true);
    const op = req.getUint32(12, true);
    if (count > MAX_ENTRIES || (op !== OP_GATHER && op !== OP_SCATTER)) throw Errno.EINVAL;
    const entries = new DataView(mem.read(list, count * ENTRY).buffer);
    const parts = [];
    const stored = state.data;              // read once: each read of state is a copy
    let total = 0, faulted = 0, at = 0;
    for (let i = 0; i < count; i++) {
        const addr = Number(entries.getBigUint64(i * ENTRY, true));
        const len = entries.getUint32(i * ENTRY + 8, true);
        try {
            if (op === OP_GATHER) {
                parts.push(mem.read(addr, len));
                total += len;
            } else {
                const n = Math.min(len, stored.length - at);
                if (n > 0) mem.write(addr, stored.subarray(at, at + n));
                at += Math.max(n, 0);
                total += Math.max(n, 0);
            }
        } catch (e) {
            if (!(e instanceof Errno)) throw e;   // e.g. cuse's "not mapped yet": let it through
            faulted++;
        }
    }
    if (op === OP_GATHER) {
        const data = new Uint8Array(total);
        let o = 0;
        for (const p of parts) { data.set(p, o); o += p.length; }
        state.data = data;
    }
    const out = new DataView(new ArrayBuffer(24));
    out.setBigUint64(0, BigInt(list), true);
    out.setUint32(8, count, true);
    out.setUint32(12, op, true);
    out.setUint32(16, total, true);
    out.setUint32(20, faulted, true);
    return out.buffer;
}
