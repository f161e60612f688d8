// fusd.d.ts: what a JavaScript driver script sees when fusd-host runs it.
//
// A driver is an ES module; the host reads its exports (fusd.Driver below)
// and defines a few globals before the module runs (device, Errno, the poll
// bits, timers, the _IOC helpers). Everything here mirrors the host's
// driver runtime (host/src/main/java/org/fusd/host/driver: JsCode's prelude,
// ScriptDevice, ScriptFile, Deferred, MemArg, LoadedCode.bind) and
// docs/driver-api.md; types/members.txt lists the same members, and
// scripts/check-types keeps the three in step.
//
// Use: put a jsconfig.json next to your driver (template: types/jsconfig.json)
// and give each callback its type, which types its parameters:
//
//     /** @type {fusd.Read} */
//     export function read(file, size, offset) { ... }
//
// The names under `fusd.` are types only: nothing called `fusd` exists at
// run time.

declare namespace fusd {
    /** Bytes a callback hands back: a string is sent as UTF-8. */
    type Bytes = string | ArrayBuffer | ArrayBufferView;

    /** The errno names the host knows (org.fusd.host.device.Errno). */
    type ErrnoName =
        | "EPERM" | "ENOENT" | "ESRCH" | "EINTR" | "EIO" | "ENXIO" | "E2BIG" | "EBADF"
        | "EAGAIN" | "ENOMEM" | "EACCES" | "EFAULT" | "EBUSY" | "EEXIST" | "ENODEV"
        | "ENOTDIR" | "EISDIR" | "EINVAL" | "ENFILE" | "EMFILE" | "ENOTTY" | "EFBIG"
        | "ENOSPC" | "ESPIPE" | "EROFS" | "EPIPE" | "EDOM" | "ERANGE" | "EDEADLK"
        | "ENAMETOOLONG" | "ENOSYS" | "ENODATA" | "ETIME" | "EPROTO" | "EBADMSG"
        | "EOVERFLOW" | "EILSEQ" | "EMSGSIZE" | "EOPNOTSUPP" | "ECONNABORTED"
        | "ECONNRESET" | "ENOBUFS" | "ENOTCONN" | "ESHUTDOWN" | "ETIMEDOUT"
        | "ECONNREFUSED" | "EHOSTUNREACH" | "EALREADY" | "EINPROGRESS" | "ECANCELED";

    /** The callbacks by name, as in Deferred.op and interrupted(file, op). */
    type OpName = "open" | "read" | "write" | "ioctl" | "poll" | "flush" | "release" | "llseek" | "mmap";

    /**
     * device.state, file.state and every map stored in them: a host-owned map
     * that survives a hot reload. It holds null, booleans, numbers, strings,
     * bytes (read back as a Uint8Array copy), arrays, plain objects and Maps
     * of those, and Deferreds; storing a function or a class instance throws
     * a TypeError. Arrays and objects read back are live host objects.
     */
    interface State {
        [key: string]: any;
    }

    /** The `file` argument of every callback: one open(2), the same object for each call on it. */
    interface File {
        /** Per-open state, kept across reloads. */
        readonly state: State;
        /** A number unique to this open. */
        readonly id: number;
        /** The process that opened the file. */
        readonly pid: number;
        readonly uid: number;
        readonly gid: number;
        /** The open flags as of this call (fcntl(F_SETFL) can change O_NONBLOCK). */
        readonly flags: number;
        /** O_NONBLOCK is set: answer EAGAIN instead of waiting. */
        readonly nonblock: boolean;
        /** The caller of this call is a 32-bit process (its pointers and longs are 4 bytes); known on the fusd channel, false elsewhere. */
        readonly compat32: boolean;
        /** Answer the current call later: return the Deferred, then reply() or fail() it. */
        defer(): Deferred;
    }

    /** The `device` global. */
    interface Device {
        /** Per-device state, shared by all opens, kept across reloads. */
        readonly state: State;
        /** Tell pollers the poll mask may have changed (wakes poll/select/epoll). */
        notify(): void;
        /** This device's name: the exported name, or its entry of `devices`; null while the script's top level runs for the first time. */
        readonly name: string;
        /** The exported mode (default 0o666); null while the top level runs for the first time. */
        readonly mode: number;
        /**
         * The memory of export `memory`, shared with every client's mmap of the node
         * (fusd channel): an ArrayBuffer over the very pages, no copy. null without
         * `memory`, and while the top level runs for the first time. Kept across reloads.
         */
        readonly memory: ArrayBuffer | null;
        /**
         * size bytes (1 to 256 MiB) of zeroed memory the host lends: a read that returns
         * it, or a Uint8Array view of it, is sent without a copy. For data a driver keeps
         * and reads often; filling it from JS costs more than filling a plain ArrayBuffer.
         */
        buffer(size: number): ArrayBuffer;
    }

    /** A reply given later: file.defer() makes one for the current call. */
    interface Deferred {
        /** The callback that deferred. */
        readonly op: OpName;
        /** The file of the call. */
        readonly file: File;
        /** read: the most bytes the caller takes; ioctl: bytes expected back; else 0. */
        readonly size: number;
        /** The caller was interrupted by a signal (it got EINTR). */
        readonly cancelled: boolean;
        /** Answered, failed or cancelled: later answers are ignored. */
        readonly done: boolean;
        /** Called on the device thread when the caller is interrupted. */
        oncancel: (() => void) | null;
        /** Answer with a value converted like the callback's return value; nothing = no data / all consumed. */
        reply(value?: ReplyValue): void;
        /** Fail the call with an errno: a name, a number or an Errno. */
        fail(errno: ErrnoName | number | Errno): void;
    }

    /** The 4th argument of ioctl: the caller's memory behind pointers (docs/driver-api.md). */
    interface Mem {
        /** The raw ioctl argument: for a pointer argument, the caller's address. */
        readonly arg: number;
        /**
         * The caller's len bytes at addr (a copy). fusd channel: read at once; a bad
         * address throws Errno EFAULT, which may be caught. cuse: throws to have the
         * region mapped (the call runs again): do not catch that.
         */
        read(addr: number | bigint, len: number): Uint8Array;
        /** Copy bytes to the caller's memory at addr: at once on fusd (Errno EFAULT if it cannot), else when the call returns. */
        write(addr: number | bigint, bytes: Bytes): void;
    }

    /** What any callback may answer instead of a value: later, through a Deferred or a Promise. */
    type Later<T> = Deferred | Promise<T>;

    /** Values Deferred.reply accepts (converted as the callback's return value would be). */
    type ReplyValue = Bytes | number | [number, Bytes | null] | null | undefined;

    /** open, flush, release: nothing or 0 for success, a negative errno to fail. */
    type StatusResult = void | undefined | null | number | boolean;
    /** read: bytes (at most size; more is cut), nothing or empty for end of file, a negative errno. */
    type ReadResult = Bytes | number | null | undefined | void;
    /** write: the bytes consumed; nothing = all of them; a negative errno. */
    type WriteResult = number | null | undefined | void;
    /** ioctl: a result, the bytes to copy back (_IOR, _IOWR), or [result, bytes]; a negative errno fails. */
    type IoctlResult = number | Bytes | [number, Bytes | null] | null | undefined | void;
    /** poll: the ready events (POLLIN | POLLOUT ...); nothing = the default mask. */
    type PollResult = number | null | undefined | void;

    /**
     * ioctl's arg: the bytes the caller passed for _IOW/_IOWR commands (valid
     * during the call only), null for _IOR, the raw argument for _IO and
     * unencoded commands.
     */
    type IoctlArg = Uint8Array | number | null;

    /** open(2). flags are the open flags (flags & 3: O_RDONLY 0, O_WRONLY 1, O_RDWR 2). Throw to refuse. */
    type Open = (file: File, flags: number) => StatusResult | Later<StatusResult>;
    /** read(2). offset: the file position on fusd with `seekable` or `llseek`, else 0 (fuse, cuse; see docs/labs/02-scull). */
    type Read = (file: File, size: number, offset: number) => ReadResult | Later<ReadResult>;
    /** write(2). data is a view of the host's buffer, valid during the call only: copy what you keep. */
    type Write = (file: File, data: Uint8Array, offset: number) => WriteResult | Later<WriteResult>;
    /** ioctl(2). cmd is non-negative; throw Errno.ENOTTY for unknown commands. */
    type Ioctl = (file: File, cmd: number, arg: IoctlArg, mem: Mem) => IoctlResult | Later<IoctlResult>;
    /** poll/select/epoll: the events ready now. */
    type Poll = (file: File) => PollResult | Later<PollResult>;
    /** Each close(2) of a descriptor. */
    type Flush = (file: File) => StatusResult | Later<StatusResult>;
    /** The last close of an open. */
    type Release = (file: File) => StatusResult | Later<StatusResult>;
    /** lseek(2), pread/pwrite positions (fusd channel): the new position for offset and whence (SEEK_SET, SEEK_END, SEEK_DATA, SEEK_HOLE; SEEK_CUR is resolved before). */
    type Llseek = (file: File, offset: number, whence: number) => number | Later<number>;
    /** A client maps length bytes of `memory` at offset with prot (PROT_READ | PROT_WRITE | PROT_EXEC): throw an Errno to refuse. */
    type Mmap = (file: File, offset: number, length: number, prot: number) => StatusResult | Later<StatusResult>;
    /** The caller of a pending Promise was interrupted by a signal. */
    type Interrupted = (file: File, op: OpName) => void;
    /** Runs once after a hot reload, before any call reaches the new code. */
    type Reload = (previousVersion: number, device: Device) => void;

    /** Bytes the I/O API accepts: bytes, or a string (sent as UTF-8). */
    type IoData = Uint8Array | ArrayBuffer | string;
    /** A datagram received. */
    interface Datagram {
        data: Uint8Array;
        host: string;
        port: number;
    }
    /** Options of hostio.openDevice. */
    interface DeviceOptions {
        /** Serial speed in baud (115200). */
        speed?: number;
        /** Raw mode: no echo, no line editing, 8 bits. */
        raw?: boolean;
    }

    /** The host I/O API: each call returns a Promise settled on the device thread, between calls. */
    interface HostIo {
        /** flags as fopen's: "r" (default), "w", "a", "r+", "w+", "a+". Relative paths: the script's directory. */
        open(path: string, flags?: string): Promise<IoFile>;
        readFile(path: string): Promise<Uint8Array>;
        connect(host: string, port: number): Promise<Stream>;
        /** Port 0 picks a free port (server.port()). */
        listen(host: string, port: number): Promise<Server>;
        connectUnix(path: string): Promise<Stream>;
        listenUnix(path: string): Promise<Server>;
        udp(host?: string, port?: number): Promise<Udp>;
        openDevice(path: string, options?: DeviceOptions): Promise<Stream>;
        /** The next line typed on the host's terminal, without its newline; null at the end of input. */
        readLine(): Promise<string | null>;
        /** The same, answered to done(error, line) instead of a Promise (so is every call here). */
        readLine(done: (error: Errno | null, line: string | null) => void): void;
    }
    /** A file opened by hostio.open; operations run in order. */
    interface IoFile {
        /** Up to size bytes from the position; empty at the end. */
        read(size?: number): Promise<Uint8Array>;
        write(data: IoData): Promise<number>;
        /** -1: the end. Resolves with the new position. */
        seek(position: number): Promise<number>;
        close(): void;
    }
    /** A connection, device or serial port. */
    interface Stream {
        /** What has arrived, up to size (default 65536), once something has; empty at the end. */
        read(size?: number): Promise<Uint8Array>;
        /** Resolves once all bytes are out; rejects with EIO if the other end is gone. */
        write(data: IoData): Promise<number>;
        /** Bytes read ahead, not yet taken. */
        available(): number;
        /** A read would answer at once (bytes, the end, or an error). */
        readable(): boolean;
        /** Fewer than 64 KiB wait to be written. */
        writable(): boolean;
        /** The other end finished and every byte was read. */
        ended(): boolean;
        close(): void;
        /** fn() runs on the device thread when bytes arrive and at the end; null stops it. */
        ondata(fn: (() => void) | null): void;
    }
    interface Server {
        accept(): Promise<Stream>;
        /** The port listened on; -1 for a unix socket. */
        port(): number;
        close(): void;
    }
    interface Udp {
        /** Each address needs --allow-net. */
        send(data: IoData, host: string, port: number): Promise<number>;
        recv(): Promise<Datagram>;
        port(): number;
        close(): void;
    }

    /** The exports of a driver module; it needs `name` or `devices` (see DriverModule). */
    interface Driver {
        /** The device name: /dev/NAME, or DIR/NAME on the fuse channel; "drums/bam" is bam in the directory drums. */
        name?: string;
        /**
         * Instead of `name`: the names of several devices (1 to 64), each running its own
         * copy of the script; device.name tells them apart. A reload may add and drop names.
         */
        devices?: readonly string[];
        /** Permission bits of the node, default 0o666. */
        mode?: number;
        /** Device number asked for on channels that make real nodes (cuse); 0 = any. */
        major?: number;
        minor?: number;
        /** This driver's budget per callback, timer and hook in ms (0: none); default: the host's --call-timeout. */
        callTimeoutMs?: number;
        /** The grants the driver needs; the host refuses to serve it unless its command line gives them. */
        grants?: { read?: string[]; write?: string[]; net?: string[]; device?: string[] };
        /** The file has a position: lseek, pread, pwrite work and read/write get their offset (fusd channel). */
        seekable?: boolean;
        /** A call the host had read when it crashed (under fusd-keeper): "fail" (EIO, the default) or "reissue" (run again). */
        recovery?: "fail" | "reissue";
        /** Memory clients may mmap (fusd channel): {size: bytes}, rounded up to whole pages; see device.memory. */
        memory?: {size: number};
        open?: Open;
        read?: Read;
        write?: Write;
        ioctl?: Ioctl;
        poll?: Poll;
        flush?: Flush;
        release?: Release;
        llseek?: Llseek;
        mmap?: Mmap;
        interrupted?: Interrupted;
        reload?: Reload;
    }

    /** The exports contract: a Driver with either `name` (one device) or `devices` (several). */
    type DriverModule = Driver & ({ name: string; devices?: undefined } | { devices: readonly string[]; name?: undefined });
}

/** An errno to throw (or to reject a Promise with): the caller sees exactly that errno. */
declare class Errno extends Error {
    /** errno: a name ("EAGAIN") or a number (11). */
    constructor(errno: fusd.ErrnoName | number, message?: string);
    readonly name: "Errno";
    static readonly EPERM: Errno;
    static readonly ENOENT: Errno;
    static readonly ESRCH: Errno;
    static readonly EINTR: Errno;
    static readonly EIO: Errno;
    static readonly ENXIO: Errno;
    static readonly E2BIG: Errno;
    static readonly EBADF: Errno;
    static readonly EAGAIN: Errno;
    static readonly ENOMEM: Errno;
    static readonly EACCES: Errno;
    static readonly EFAULT: Errno;
    static readonly EBUSY: Errno;
    static readonly EEXIST: Errno;
    static readonly ENODEV: Errno;
    static readonly ENOTDIR: Errno;
    static readonly EISDIR: Errno;
    static readonly EINVAL: Errno;
    static readonly ENFILE: Errno;
    static readonly EMFILE: Errno;
    static readonly ENOTTY: Errno;
    static readonly EFBIG: Errno;
    static readonly ENOSPC: Errno;
    static readonly ESPIPE: Errno;
    static readonly EROFS: Errno;
    static readonly EPIPE: Errno;
    static readonly EDOM: Errno;
    static readonly ERANGE: Errno;
    static readonly EDEADLK: Errno;
    static readonly ENAMETOOLONG: Errno;
    static readonly ENOSYS: Errno;
    static readonly ENODATA: Errno;
    static readonly ETIME: Errno;
    static readonly EPROTO: Errno;
    static readonly EBADMSG: Errno;
    static readonly EOVERFLOW: Errno;
    static readonly EILSEQ: Errno;
    static readonly EMSGSIZE: Errno;
    static readonly EOPNOTSUPP: Errno;
    static readonly ECONNABORTED: Errno;
    static readonly ECONNRESET: Errno;
    static readonly ENOBUFS: Errno;
    static readonly ENOTCONN: Errno;
    static readonly ESHUTDOWN: Errno;
    static readonly ETIMEDOUT: Errno;
    static readonly ECONNREFUSED: Errno;
    static readonly EHOSTUNREACH: Errno;
    static readonly EALREADY: Errno;
    static readonly EINPROGRESS: Errno;
    static readonly ECANCELED: Errno;
}

/** This driver's device: its state, name, mode, notify() and buffer(). */
declare const device: fusd.Device;

/** Files, sockets, devices and the terminal, within the host's grants (docs/driver-api.md). */
declare const hostio: fusd.HostIo;

declare const POLLIN: number;
declare const POLLPRI: number;
declare const POLLOUT: number;
declare const POLLERR: number;
declare const POLLHUP: number;
declare const POLLNVAL: number;
declare const POLLRDNORM: number;
declare const POLLWRNORM: number;
/** mmap's prot bits, as the mmap callback gets them. */
declare const PROT_READ: number;
declare const PROT_WRITE: number;
declare const PROT_EXEC: number;
/** llseek's whence. */
declare const SEEK_SET: number;
declare const SEEK_CUR: number;
declare const SEEK_END: number;
declare const SEEK_DATA: number;
declare const SEEK_HOLE: number;

/** Runs fn(...args) once after ms milliseconds, on the device thread; a reload cancels it. */
declare function setTimeout(fn: (...args: any[]) => void, ms?: number, ...args: any[]): number;
/** Runs fn(...args) every ms milliseconds, on the device thread; a reload cancels it. */
declare function setInterval(fn: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function clearTimeout(id?: number | null): void;
declare function clearInterval(id?: number | null): void;

/** An ioctl command without data: the raw argument reaches the driver. t: a one-character string or a number. */
declare function _IO(t: string | number, nr: number): number;
/** The caller passes size bytes to the driver. */
declare function _IOW(t: string | number, nr: number, size: number): number;
/** The driver passes size bytes back to the caller. */
declare function _IOR(t: string | number, nr: number, size: number): number;
/** size bytes in, size bytes back. */
declare function _IOWR(t: string | number, nr: number, size: number): number;
/** The size encoded in an ioctl command. */
declare function _IOC_SIZE(cmd: number): number;

/** GraalJS's console; everything it prints goes to the host's stderr. */
declare const console: {
    log(...data: any[]): void;
    info(...data: any[]): void;
    debug(...data: any[]): void;
    dir(item?: any): void;
    error(...data: any[]): void;
    warn(...data: any[]): void;
    assert(condition?: boolean, ...data: any[]): void;
    clear(): void;
    count(label?: string): void;
    countReset(label?: string): void;
    group(...data: any[]): void;
    groupCollapsed(...data: any[]): void;
    groupEnd(): void;
    time(label?: string): void;
    timeEnd(label?: string): void;
    timeLog(label?: string, ...data: any[]): void;
};
