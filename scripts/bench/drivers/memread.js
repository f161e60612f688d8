// The VM bench's `mem` driver (scripts/vmtest.d/bench): MEMREAD,
// _IOW('B', 3, 16) with struct {u64 buf; u32 len; u32 pad}, reads len bytes
// of the caller's memory with mem.read and returns len. On --channel fusd
// mem.read is one FUSD_MEM_READ; on cuse the call runs twice (the first run
// asks for the region, FUSE_IOCTL_RETRY).
export const name = "jmem";
const MEMREAD = _IOW("B", 3, 16);

export function ioctl(file, cmd, arg, mem) {
    if (cmd !== MEMREAD) throw Errno.ENOTTY;
    const q = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    const len = q.getUint32(8, true);
    return mem.read(Number(q.getBigUint64(0, true)), len).length;
}
