// Lab 04's tests: `fusd-host test DRIVER docs/labs/04-blocking-pipe/lab.test.js`
// (docs/testing-drivers.md). They pass against solution.js.

/** @param {fusd.Test} t */
export function test_a_read_waits_for_a_write(t) {
    const r = t.open(O_RDONLY), w = t.open(O_WRONLY);
    const read = r.startRead(100);
    t.ok(read.blocked(), "a read of an empty pipe waits");
    t.eq(w.write("hello\n"), 6);
    t.eq(read.wait(), "hello\n");
}

/** @param {fusd.Test} t */
export function test_data_written_first_is_read_at_once(t) {
    const w = t.open(O_WRONLY), r = t.open(O_RDONLY);
    w.write("abc");
    w.write("def");
    t.eq(r.readText(4), "abcd");
    t.eq(r.readText(100), "ef");
}

/** @param {fusd.Test} t */
export function test_nonblocking_read_of_empty_pipe_is_eagain(t) {
    const r = t.open(O_RDONLY | O_NONBLOCK);
    t.raises("EAGAIN", () => r.read(100));
}

/** @param {fusd.Test} t */
export function test_a_signal_ends_a_waiting_read_and_loses_nothing(t) {
    const r = t.open(O_RDONLY), w = t.open(O_WRONLY);
    const read = r.startRead(100);
    t.ok(read.blocked());
    read.interrupt();
    t.raises("EINTR", () => read.wait());
    w.write("kept");
    t.eq(r.readText(100), "kept", "the interrupted reader's Deferred must not take the data");
}

/** @param {fusd.Test} t */
export function test_poll_reports_data_and_room(t) {
    const r = t.open(O_RDONLY), w = t.open(O_WRONLY);
    t.eq(r.poll(POLLIN | POLLOUT), POLLOUT, "empty: room, no data");
    w.write("x");
    t.eq(r.poll(POLLIN | POLLOUT), POLLIN | POLLOUT, "data and room");
    w.write(new Uint8Array(4095));
    t.eq(r.poll(POLLIN | POLLOUT), POLLIN, "full: data, no room");
    r.read(10);
    t.eq(w.poll(POLLOUT, 1000), POLLOUT, "room again");
}

/** @param {fusd.Test} t */
export function test_a_full_pipe_takes_what_fits_then_eagain(t) {
    const w = t.open(O_WRONLY | O_NONBLOCK);
    t.eq(w.write(new Uint8Array(5000)), 4096, "write(2) may write less than asked");
    t.raises("EAGAIN", () => w.write("y"));
}

/** @param {fusd.Test} t */
export function test_a_write_to_a_full_pipe_waits_for_room(t) {
    const w = t.open(O_WRONLY), r = t.open(O_RDONLY);
    t.eq(w.write(new Uint8Array(4096).fill(97)), 4096);
    const write = w.startWrite("more");
    t.ok(write.blocked(), "a write to a full pipe waits");
    t.eq(r.read(10).length, 10);
    t.eq(write.wait(), 4, "room for 10 bytes: the waiting write goes in");
    const rest = r.readText(5000);
    t.eq(rest.length, 4090);
    t.eq(rest.slice(-4), "more");
}
