// fusd-test.d.ts: what a JavaScript test file sees when `fusd-host test`
// runs it (docs/testing-drivers.md). Next to fusd.d.ts, whose poll bits and
// _IOC helpers a test file has too.
//
// A test file is an ES module; every exported function whose name starts
// with `test` is a test, run in the order of the file with a fresh `t`:
//
//     /** @param {fusd.Test} t */
//     export function test_greeting(t) {
//         const f = t.open(O_RDONLY);
//         t.eq(f.readText(100), "Hello!\n");
//     }
//
// Mirrors the host's test runtime (host/src/main/java/org/fusd/host/testing:
// JsTestScript's prelude, TestApi).

declare namespace fusd {
    /**
     * What `t.open` takes besides the flags: open as another user (the fuse channel needs root for
     * it), or another device of a driver with several (`devices`; by default the first).
     */
    interface OpenOptions {
        uid?: number;
        gid?: number;
        device?: string;
    }

    /** A call started and not waited for: a read that blocks, an open the driver defers. */
    interface Pending<T> {
        /** The call has returned (an answer may take a moment to arrive from a real client). */
        readonly done: boolean;
        /** True if the call is still waiting after ms milliseconds (default 50). */
        blocked(ms?: number): boolean;
        /** A signal hits the caller: a call still waiting in the driver ends with EINTR, if the driver lets it go. */
        interrupt(): void;
        /** Waits for the call (at most 10 s) and returns its result; throws an Errno if it failed. */
        wait(): T;
    }

    /** One open of the device by the test: a file descriptor on a real channel. */
    interface TestFile {
        readonly fd: number;
        /** read(2) of at most size bytes (default 65536); end of file is an empty array. */
        read(size?: number): Uint8Array;
        /** read(2), the bytes decoded as UTF-8. */
        readText(size?: number): string;
        startRead(size?: number): Pending<Uint8Array>;
        /** write(2) of a string (as UTF-8) or bytes; returns the count written. */
        write(data: string | ArrayBuffer | ArrayBufferView): number;
        startWrite(data: string | ArrayBuffer | ArrayBufferView): Pending<number>;
        /**
         * ioctl(2). _IOW/_IOWR commands take the struct's bytes (shorter is
         * padded with zeros); _IOR/_IOWR commands return the struct's bytes,
         * the others the result (a number); _IO and unencoded commands take a number.
         * Typed `any` since which one depends on cmd's value.
         */
        ioctl(cmd: number, arg?: number | ArrayBuffer | ArrayBufferView): any;
        startIoctl(cmd: number, arg?: number | ArrayBuffer | ArrayBufferView): Pending<any>;
        /** poll(2) for events (default POLLIN | POLLOUT) up to timeoutMs (default 0); the ready events, 0 if none. */
        poll(events?: number, timeoutMs?: number): number;
        /** fcntl(F_SETFL): O_NONBLOCK and O_APPEND can change. */
        setFlags(flags: number): void;
        /**
         * mmap(2) of length bytes at offset (a multiple of 4096, default 0),
         * MAP_SHARED, with prot (default PROT_READ; PROT_READ | PROT_WRITE to
         * write). The device's `memory`: fusd and loopback channels only.
         */
        mmap(length: number, prot?: number, offset?: number): TestMapping;
        /** close(2). Files a test leaves open are closed after it. */
        close(): void;
    }

    /** A mapping from TestFile.mmap. An access a process would get a signal for fails the test. */
    interface TestMapping {
        readonly length: number;
        readonly prot: number;
        /** A copy of the bytes at offset (default 0) now, length of them (default: to the end). */
        read(offset?: number, length?: number): Uint8Array;
        /** The same, decoded as UTF-8. */
        readText(offset?: number, length?: number): string;
        /** Stores a string (as UTF-8) or bytes at offset; needs PROT_WRITE. */
        write(offset: number, data: string | ArrayBuffer | ArrayBufferView): void;
        /** munmap(2). Mappings a test leaves are unmapped after it. */
        close(): void;
    }

    /** The argument of every test. */
    interface Test {
        /** The device's name. */
        readonly name: string;
        /** Where the client opens it: a path on a real channel, the name on loopback. */
        readonly path: string;
        /** "loopback", "fuse" or "fusd". */
        readonly channel: string;
        /** The pid the driver sees in file.pid. */
        readonly pid: number;
        /** open(2) with flags (default O_RDWR), as this test's user or opts.uid/opts.gid. */
        open(flags?: number, opts?: OpenOptions): TestFile;
        startOpen(flags?: number, opts?: OpenOptions): Pending<TestFile>;
        /** Fails unless actual equals expected: bytes equal a string by its UTF-8; arrays element by element. */
        eq(actual: unknown, expected: unknown, message?: string): void;
        /** Fails unless value is true(ish). */
        ok(value: unknown, message?: string): void;
        fail(message?: string): never;
        /** Fails unless fn throws the Errno named code; returns it. */
        raises(code: ErrnoName, fn: () => unknown): Errno;
    }

    /** A test: an exported function whose name starts with `test`. */
    type TestFunction = (t: Test) => void;

    /** The exports of a test file. */
    type TestModule = { [name: `test${string}`]: TestFunction };
}

/** In a test, a failed call throws an Errno with the errno's name and number. */
interface Errno {
    /** The errno's name, "EBUSY". */
    readonly code: fusd.ErrnoName;
    /** The errno's number, 16. */
    readonly errno: number;
}

/** What t.eq, t.ok, t.raises and t.fail throw. */
declare class AssertionError extends Error {}

declare const O_RDONLY: number;
declare const O_WRONLY: number;
declare const O_RDWR: number;
declare const O_TRUNC: number;
declare const O_APPEND: number;
declare const O_NONBLOCK: number;
