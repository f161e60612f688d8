// Lab 06's tests: `fusd-host test DRIVER docs/labs/06-mmap/lab.test.js`
// (docs/testing-drivers.md), on loopback or with --channel fusd (mmap
// exists only there). They pass against solution.js and solution.py.
const PAGE = 4096;

/** The text at the start of a mapping, up to its first NUL. @param {fusd.TestMapping} m */
function textOf(m) {
    const end = m.read(0, 200).indexOf(0);
    return m.readText(0, end < 0 ? 200 : end);
}

/** echo TEXT > DEV. @param {fusd.Test} t @param {string} text */
function post(t, text) {
    const w = t.open(O_WRONLY);
    t.eq(w.write(text), text.length);
    w.close();
}

/** @param {fusd.Test} t */
export function test_the_board_shows_the_greeting(t) {
    const m = t.open(O_RDONLY).mmap(PAGE);
    t.eq(textOf(m), "hello from lab 06\n");
}

/** @param {fusd.Test} t */
export function test_a_write_shows_in_every_mapping_at_once(t) {
    const a = t.open(O_RDONLY).mmap(PAGE), b = t.open(O_RDONLY).mmap(2 * PAGE);
    post(t, "a longer message\n");
    t.eq(textOf(a), "a longer message\n");
    post(t, "short\n");
    t.eq(textOf(a), "short\n", "the rest of the old text is gone");
    t.eq(textOf(b), "short\n", "every mapping sees the same pages");
}

/** @param {fusd.Test} t */
export function test_a_text_too_long_for_the_board_is_enospc(t) {
    post(t, "kept\n");
    const w = t.open(O_WRONLY);
    t.raises("ENOSPC", () => w.write("x".repeat(PAGE)));
    t.eq(w.write("x".repeat(PAGE - 1)), PAGE - 1, "4095 bytes and the NUL fit");
}

/** @param {fusd.Test} t */
export function test_the_driver_reads_what_a_client_stores(t) {
    const inbox = t.open(O_RDWR).mmap(PAGE, PROT_READ | PROT_WRITE, PAGE);
    inbox.write(0, "from a client\n\0");
    t.eq(t.open(O_RDONLY).readText(100), "from a client\n");
    inbox.write(0, "again\n\0");
    const f = t.open(O_RDONLY);
    t.eq(f.readText(100), "again\n", "read(2) sees the page as it is now");
    t.eq(f.readText(100), "", "then end of file");
}

/** @param {fusd.Test} t */
export function test_writable_mappings_of_the_board_are_eacces(t) {
    const f = t.open(O_RDWR);
    t.raises("EACCES", () => f.mmap(PAGE, PROT_READ | PROT_WRITE, 0));
    t.raises("EACCES", () => f.mmap(2 * PAGE, PROT_READ | PROT_WRITE, 0));
    t.eq(f.mmap(2 * PAGE, PROT_READ, 0).length, 2 * PAGE, "read-only is fine");
}

/** @param {fusd.Test} t */
export function test_the_memory_is_two_pages(t) {
    const f = t.open(O_RDONLY);
    t.eq(f.mmap(2 * PAGE).read(PAGE, 4), new Uint8Array(4), "the inbox starts empty");
    t.raises("ENXIO", () => f.mmap(PAGE, PROT_READ, 2 * PAGE));
    t.raises("ENXIO", () => f.mmap(3 * PAGE));
}
