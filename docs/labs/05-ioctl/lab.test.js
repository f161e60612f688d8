// Lab 05's tests: `fusd-host test DRIVER docs/labs/05-ioctl/lab.test.js`
// (docs/testing-drivers.md). They pass against solution.js and solution.py.
const LEVEL_GET = _IOR("L", 1, 4), LEVEL_SET = _IOW("L", 2, 4), LEVEL_RESET = _IO("L", 3);

/** @param {fusd.TestFile} f */
function level(f) {
    const out = f.ioctl(LEVEL_GET);
    return new DataView(out.buffer, out.byteOffset, 4).getUint32(0, true);
}

/** @param {number} n */
function u32(n) {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint32(0, n, true);
    return b;
}

/** @param {fusd.Test} t */
export function test_the_numbers_are_those_of_c(t) {
    t.eq([LEVEL_GET, LEVEL_SET, LEVEL_RESET], [0x80044c01, 0x40044c02, 0x4c03]);
}

/** @param {fusd.Test} t */
export function test_get_starts_at_50(t) {
    t.eq(level(t.open(O_RDONLY)), 50);
    t.eq(t.open(O_RDONLY).readText(100), "level 50\n");
}

/** @param {fusd.Test} t */
export function test_set_then_get(t) {
    const f = t.open(O_RDONLY);
    t.eq(f.ioctl(LEVEL_SET, u32(80)), 0);
    t.eq(level(f), 80);
    t.eq(level(t.open(O_RDONLY)), 80, "every open sees the device's level");
    t.eq(t.open(O_RDONLY).readText(100), "level 80\n");
}

/** @param {fusd.Test} t */
export function test_set_above_100_is_einval_and_changes_nothing(t) {
    const f = t.open(O_RDONLY);
    f.ioctl(LEVEL_SET, u32(100));
    t.raises("EINVAL", () => f.ioctl(LEVEL_SET, u32(101)));
    t.eq(level(f), 100);
}

/** @param {fusd.Test} t */
export function test_reset_goes_back_to_50(t) {
    const f = t.open(O_RDONLY);
    f.ioctl(LEVEL_SET, u32(7));
    t.eq(f.ioctl(LEVEL_RESET), 0);
    t.eq(level(f), 50);
}

/** @param {fusd.Test} t */
export function test_other_commands_are_enotty(t) {
    const f = t.open(O_RDONLY);
    t.raises("ENOTTY", () => f.ioctl(_IO("L", 9)));
    t.raises("ENOTTY", () => f.ioctl(_IOR("X", 1, 4)));
}
