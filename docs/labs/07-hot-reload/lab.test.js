// Lab 07's tests: `fusd-host test DRIVER docs/labs/07-hot-reload/lab.test.js`
// (docs/testing-drivers.md). They check version 2's behaviour, and pass
// against solution.js; the reload itself, with a reader waiting through it,
// is checked by hand as README.md shows (a test cannot edit its driver).

/** @param {fusd.Test} t */
export function test_a_waiting_reader_gets_the_next_notice_numbered(t) {
    const r = t.open(O_RDONLY), w = t.open(O_WRONLY);
    const read = r.startRead(100);
    t.ok(read.blocked(), "a read waits for the next notice");
    t.eq(w.write("one\n"), 4);
    t.eq(read.wait(), "#1: one\n");
}

/** @param {fusd.Test} t */
export function test_every_waiting_reader_gets_it(t) {
    const a = t.open(O_RDONLY), b = t.open(O_RDONLY), w = t.open(O_WRONLY);
    const ra = a.startRead(100), rb = b.startRead(100);
    t.ok(ra.blocked() && rb.blocked());
    w.write("all\n");
    t.eq([ra.wait(), rb.wait()], ["#1: all\n", "#1: all\n"]);
}

/** @param {fusd.Test} t */
export function test_notices_are_counted(t) {
    const r = t.open(O_RDONLY), w = t.open(O_WRONLY);
    w.write("nobody reads this\n");
    const read = r.startRead(100);
    t.ok(read.blocked(), "a notice posted before the read is not kept");
    w.write("two\n");
    t.eq(read.wait(), "#2: two\n");
}

/** @param {fusd.Test} t */
export function test_nonblocking_read_is_eagain(t) {
    t.raises("EAGAIN", () => t.open(O_RDONLY | O_NONBLOCK).read(100));
}
