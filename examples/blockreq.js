// blockreq: a 64 KiB RAM disk driven by one ioctl whose argument points at a
// request that points at the data, as block and DMA drivers do:
//
//     struct blockreq { uint64_t buf; uint32_t len; uint32_t op; };
//     ioctl(fd, BLOCKREQ, &req);   // op 1: store buf[0..len), op 2: fill buf
//
// The kernel only knows the size of the request itself (_IOW encodes 16
// bytes), so the buffer behind req.buf is reached through `mem`:
// mem.read(addr, len) and mem.write(addr, bytes). Needs --channel fusd
// (direct, synchronous) or cuse (by re-running the call); on the fuse channel
// the caller gets ENOTTY. See docs/driver-api.md, "Pointers in ioctl
// arguments". Client: examples/blockreq_client.c.
export const name = "blockreq";

export const BLOCKREQ = _IOW("B", 1, 16);   // struct blockreq, copied in by the kernel
export const BLOCKSIZE = _IOR("B", 2, 4);   // u32: bytes stored (a plain ioctl)
const OP_STORE = 1, OP_FETCH = 2;
const CAPACITY = 65536;

const state = device.state;
state.data ??= new Uint8Array(0);

export function ioctl(file, cmd, arg, mem) {
    if (cmd === BLOCKSIZE) {
        const out = new DataView(new ArrayBuffer(4));
        out.setUint32(0, state.data.length, true);
        return out.buffer;
    }
    if (cmd !== BLOCKREQ) throw Errno.ENOTTY;
    const req = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    const buf = Number(req.getBigUint64(0, true));
    const len = req.getUint32(8, true);
    const op = req.getUint32(12, true);
    if (len > CAPACITY) throw Errno.EINVAL;
    if (op === OP_STORE) {
        const bytes = mem.read(buf, len);   // the caller's buffer (cuse, first run: mapped, then run again)
        state.data = bytes;                 // no side effect before the last memory access
        return len;
    }
    if (op === OP_FETCH) {
        const n = Math.min(len, state.data.length);
        mem.write(buf, state.data.subarray(0, n));
        return n;
    }
    throw Errno.EINVAL;
}

export function read(file, size, offset) {
    if (file.state.done) return "";
    file.state.done = true;
    return state.data.subarray(0, Math.min(size, state.data.length));
}
