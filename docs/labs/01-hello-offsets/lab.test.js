// Lab 01's tests: `fusd-host test DRIVER docs/labs/01-hello-offsets/lab.test.js`
// (docs/testing-drivers.md). They pass against solution.js and solution.py.
const GREETING = "Hello from lab 01: read me in pieces of any size.\n";

/**
 * Reads f to end of file in reads of size bytes; checks that none is longer.
 * @param {fusd.Test} t @param {fusd.TestFile} f @param {number} size
 */
function readAll(t, f, size) {
    let text = "";
    for (let i = 0; i < 1000; i++) {
        const piece = f.readText(size);
        if (piece === "") return text;
        t.ok(piece.length <= size, `a read of ${size} bytes answered ${piece.length}`);
        text += piece;
    }
    t.fail("no end of file after 1000 reads");
}

/** @param {fusd.Test} t */
export function test_one_big_read_then_end_of_file(t) {
    const f = t.open(O_RDONLY);
    t.eq(f.readText(4096), GREETING);
    t.eq(f.readText(4096), "", "the second read is end of file");
}

/** @param {fusd.Test} t */
export function test_reads_of_4_bytes_get_everything(t) {
    t.eq(readAll(t, t.open(O_RDONLY), 4), GREETING);
}

/** @param {fusd.Test} t */
export function test_reads_of_1_byte_get_everything(t) {
    t.eq(readAll(t, t.open(O_RDONLY), 1), GREETING);
}

/** @param {fusd.Test} t */
export function test_three_reads_of_7(t) {
    const f = t.open(O_RDONLY);
    t.eq([f.readText(7), f.readText(7), f.readText(7)], ["Hello f", "rom lab", " 01: re"]);
}

/** @param {fusd.Test} t */
export function test_each_open_has_its_own_position(t) {
    const a = t.open(O_RDONLY), b = t.open(O_RDONLY);
    t.eq(a.readText(6), "Hello ");
    t.eq(b.readText(5), "Hello", "a second open starts at the beginning");
    t.eq(a.readText(4), "from", "the first open goes on where it was");
    t.eq(readAll(t, b, 100), " from lab 01: read me in pieces of any size.\n");
}
