// Lab 02's tests: `fusd-host test DRIVER docs/labs/02-scull/lab.test.js`
// (docs/testing-drivers.md). They pass against solution.js.
const SCULL_SEEK = _IOWR("s", 1, 16), SCULL_SIZE = _IOR("s", 2, 8);
const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

/** lseek through SCULL_SEEK: the new position. @param {fusd.TestFile} f @param {number} offset @param {number} whence */
function seek(f, offset, whence) {
    const req = new DataView(new ArrayBuffer(16));
    req.setBigInt64(0, BigInt(offset), true);
    req.setInt32(8, whence, true);
    const out = f.ioctl(SCULL_SEEK, req);
    return Number(new DataView(out.buffer, out.byteOffset, 16).getBigInt64(0, true));
}

/** @param {fusd.TestFile} f */
function size(f) {
    const out = f.ioctl(SCULL_SIZE);
    return Number(new DataView(out.buffer, out.byteOffset, 8).getBigInt64(0, true));
}

/** echo TEXT > DEV: an open for writing only, one write. @param {fusd.Test} t @param {string} text */
function replace(t, text) {
    const w = t.open(O_WRONLY);
    t.eq(w.write(text), text.length);
    w.close();
}

/** @param {fusd.Test} t */
export function test_keeps_what_is_written(t) {
    replace(t, "hello world\n");
    t.eq(t.open(O_RDONLY).readText(100), "hello world\n");
}

/** @param {fusd.Test} t */
export function test_write_only_open_replaces_and_append_appends(t) {
    replace(t, "hello world\n");
    replace(t, "bye\n");
    t.eq(t.open(O_RDONLY).readText(100), "bye\n", "an open for writing only empties the device");
    const a = t.open(O_WRONLY | O_APPEND);
    a.write("again\n");
    t.eq(t.open(O_RDONLY).readText(100), "bye\nagain\n", "O_APPEND writes at the end");
}

/** @param {fusd.Test} t */
export function test_reads_in_pieces_with_a_position_per_open(t) {
    replace(t, "0123456789");
    const a = t.open(O_RDONLY), b = t.open(O_RDONLY);
    t.eq(a.readText(4), "0123");
    t.eq(b.readText(2), "01");
    t.eq(a.readText(100), "456789");
    t.eq(a.readText(100), "", "end of file");
}

/** @param {fusd.Test} t */
export function test_size_and_seek(t) {
    replace(t, "hello world\nagain\n");
    const f = t.open(O_RDWR);
    t.eq(size(f), 18);
    t.eq(seek(f, 6, SEEK_SET), 6);
    t.eq(f.write("WORLD"), 5);
    t.eq(seek(f, -6, SEEK_END), 12);
    t.eq(f.readText(100), "again\n");
    t.eq(seek(f, 0, SEEK_SET), 0);
    t.eq(f.readText(100), "hello WORLD\nagain\n");
    t.eq(seek(f, -4, SEEK_CUR), 14);
}

/** @param {fusd.Test} t */
export function test_bad_seeks_are_einval(t) {
    const f = t.open(O_RDWR);
    t.raises("EINVAL", () => seek(f, -1, SEEK_SET));
    t.raises("EINVAL", () => seek(f, 0, 7));
}

/** @param {fusd.Test} t */
export function test_seek_past_the_end_leaves_zeros(t) {
    const f = t.open(O_RDWR);
    f.write("ab");
    t.eq(seek(f, 4, SEEK_SET), 4);
    f.write("c");
    t.eq(seek(f, 0, SEEK_SET), 0);
    t.eq(f.read(100), new Uint8Array([97, 98, 0, 0, 99]));
}

/** @param {fusd.Test} t */
export function test_unknown_ioctl_is_enotty(t) {
    t.raises("ENOTTY", () => t.open(O_RDONLY).ioctl(_IO("s", 9)));
}
