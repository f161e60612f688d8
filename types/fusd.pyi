# fusd.pyi: what a Python driver script sees when fusd-host runs it.
#
# A driver is a plain module; the host reads its top-level names (Driver
# below) and defines a few globals before the module runs (device, Errno,
# the poll bits, timers, the _IOC helpers). Everything here mirrors the
# host's driver runtime (host/src/main/java/org/fusd/host/driver: PyCode's
# prelude, ScriptDevice, ScriptFile, Deferred, MemArg, LoadedCode.bind)
# and docs/driver-api.md; types/members.txt lists the same members, and
# scripts/check-types keeps the three in step.
#
# The globals are builtins of a driver (types/__builtins__.pyi imports the
# names in __all__). Everything else here (File, Device, Deferred, Mem,
# State, the callback types) is for annotations only and does not exist at
# run time: import it under TYPE_CHECKING, with postponed annotations:
#
#     from __future__ import annotations
#     from typing import TYPE_CHECKING
#     if TYPE_CHECKING:
#         from fusd import File
#
#     def read(file: File, size: int, offset: int) -> bytes: ...

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, ClassVar, Generic, Literal, NoReturn, TypeVar, Union, overload

__all__ = [
    "Errno", "device", "hostio",
    "POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL", "POLLRDNORM", "POLLWRNORM",
    "PROT_READ", "PROT_WRITE", "PROT_EXEC", "SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE",
    "set_timeout", "set_interval", "clear_timeout", "clear_interval",
    "_IOC", "_IO", "_IOW", "_IOR", "_IOWR", "_IOC_SIZE",
]

# Bytes a callback hands back: a str is sent as UTF-8 (read and ioctl).
Bytes = Union[str, bytes, bytearray]

# The errno names the host knows (org.fusd.host.device.Errno).
ErrnoName = Literal[
    "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "EBADF",
    "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "EBUSY", "EEXIST", "ENODEV",
    "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "EFBIG",
    "ENOSPC", "ESPIPE", "EROFS", "EPIPE", "EDOM", "ERANGE", "EDEADLK",
    "ENAMETOOLONG", "ENOSYS", "ENODATA", "ETIME", "EPROTO", "EBADMSG",
    "EOVERFLOW", "EILSEQ", "EMSGSIZE", "EOPNOTSUPP", "ECONNABORTED",
    "ECONNRESET", "ENOBUFS", "ENOTCONN", "ESHUTDOWN", "ETIMEDOUT",
    "ECONNREFUSED", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ECANCELED",
]

# The callbacks by name, as in Deferred.op.
OpName = Literal["open", "read", "write", "ioctl", "poll", "flush", "release", "llseek", "mmap"]


class State(MutableMapping[str, Any]):
    """device.state, file.state and every dict stored in them: a host-owned
    map that survives a hot reload. Items (state["n"], state.get("n")) or
    attributes (state.n). It holds None, bools, numbers, str, bytes (read
    back as bytes, a copy), lists, tuples and dicts of those, and Deferreds;
    storing a function or a class instance raises TypeError. Lists and dicts
    read back are live host objects: state["list"].append(x) appends."""

    def __getitem__(self, key: str) -> Any: ...
    def __setitem__(self, key: str, value: Any) -> None: ...
    def __delitem__(self, key: str) -> None: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def __getattr__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: Any) -> None: ...


class File:
    """The file argument of every callback: one open(2), the same object for
    each call on it."""

    @property
    def state(self) -> State:
        """Per-open state, kept across reloads."""
    @property
    def id(self) -> int:
        """A number unique to this open."""
    @property
    def pid(self) -> int:
        """The process that opened the file."""
    @property
    def uid(self) -> int: ...
    @property
    def gid(self) -> int: ...
    @property
    def flags(self) -> int:
        """The open flags as of this call (fcntl(F_SETFL) can change O_NONBLOCK)."""
    @property
    def nonblock(self) -> bool:
        """O_NONBLOCK is set: answer EAGAIN instead of waiting."""
    @property
    def compat32(self) -> bool:
        """The caller of this call is a 32-bit process; known on the fusd channel, False elsewhere."""
    def defer(self) -> Deferred:
        """Answer the current call later: return the Deferred, then reply() or fail() it."""


class Device:
    """The device global."""

    @property
    def state(self) -> State:
        """Per-device state, shared by all opens, kept across reloads."""
    def notify(self) -> None:
        """Tell pollers the poll mask may have changed (wakes poll/select/epoll)."""
    @property
    def name(self) -> str:
        """This device's name: the exported name, or its entry of `devices`;
        None while the top level runs for the first time."""
    @property
    def mode(self) -> int:
        """The exported mode (default 0o666); None while the top level runs for the first time."""
    @property
    def memory(self) -> Memory | None:
        """The memory of `memory`, shared with every client's mmap of the node
        (fusd channel), read and written in place; None without `memory` and
        while the top level runs for the first time. Kept across reloads."""
    def buffer(self, size: int) -> bytearray:
        """size zero bytes (1 to 256 MiB). JS gets host memory that reads return
        without a copy; GraalPy 25.0 cannot view host memory, so Python gets a
        plain bytearray, copied like any bytes a read returns."""


class Memory:
    """device.memory: a bytearray-like view of the shared pages. Indexing and
    slice assignment write the pages in place; a slice read returns bytes (a
    copy of that slice only). Slices with a step are not supported."""

    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, key: int) -> int: ...
    @overload
    def __getitem__(self, key: slice) -> bytes: ...
    @overload
    def __setitem__(self, key: int, value: int) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: bytes | bytearray) -> None: ...
    def write(self, offset: int, data: bytes | bytearray) -> None:
        """Copies data into the memory at offset."""


# Values Deferred.reply accepts (converted as the callback's return value would be).
ReplyValue = Union[Bytes, int, "list[Any]", "tuple[int, Bytes]", None]


class Deferred:
    """A reply given later: file.defer() makes one for the current call."""

    @property
    def op(self) -> OpName:
        """The callback that deferred."""
    @property
    def file(self) -> File:
        """The file of the call."""
    @property
    def size(self) -> int:
        """read: the most bytes the caller takes; ioctl: bytes expected back; else 0."""
    @property
    def cancelled(self) -> bool:
        """The caller was interrupted by a signal (it got EINTR)."""
    @property
    def done(self) -> bool:
        """Answered, failed or cancelled: later answers are ignored."""
    oncancel: Callable[[], object] | None
    """Called on the device thread when the caller is interrupted."""
    def reply(self, value: ReplyValue = None) -> None:
        """Answer with a value converted like the callback's return value."""
    def fail(self, errno: ErrnoName | int | Errno) -> None:
        """Fail the call with an errno: a name, a number or an Errno."""


class Mem:
    """The 4th argument of ioctl (declare ioctl with 4 parameters to get it):
    the caller's memory behind pointers (docs/driver-api.md)."""

    @property
    def arg(self) -> int:
        """The raw ioctl argument: for a pointer argument, the caller's address."""
    def read(self, addr: int, len: int) -> bytes:
        """The caller's len bytes at addr (a copy). fusd: at once, a bad address raises
        Errno EFAULT (catchable); cuse: raises to have the region mapped: do not catch that."""
    def write(self, addr: int, bytes: Bytes) -> None:
        """Copy bytes to the caller's memory at addr: at once on fusd, else when the call returns."""


class Errno(Exception):
    """An errno to raise: the caller sees exactly that errno."""

    def __init__(self, errno: ErrnoName | int, message: str | None = None) -> None: ...
    EPERM: ClassVar[Errno]
    ENOENT: ClassVar[Errno]
    ESRCH: ClassVar[Errno]
    EINTR: ClassVar[Errno]
    EIO: ClassVar[Errno]
    ENXIO: ClassVar[Errno]
    E2BIG: ClassVar[Errno]
    EBADF: ClassVar[Errno]
    EAGAIN: ClassVar[Errno]
    ENOMEM: ClassVar[Errno]
    EACCES: ClassVar[Errno]
    EFAULT: ClassVar[Errno]
    EBUSY: ClassVar[Errno]
    EEXIST: ClassVar[Errno]
    ENODEV: ClassVar[Errno]
    ENOTDIR: ClassVar[Errno]
    EISDIR: ClassVar[Errno]
    EINVAL: ClassVar[Errno]
    ENFILE: ClassVar[Errno]
    EMFILE: ClassVar[Errno]
    ENOTTY: ClassVar[Errno]
    EFBIG: ClassVar[Errno]
    ENOSPC: ClassVar[Errno]
    ESPIPE: ClassVar[Errno]
    EROFS: ClassVar[Errno]
    EPIPE: ClassVar[Errno]
    EDOM: ClassVar[Errno]
    ERANGE: ClassVar[Errno]
    EDEADLK: ClassVar[Errno]
    ENAMETOOLONG: ClassVar[Errno]
    ENOSYS: ClassVar[Errno]
    ENODATA: ClassVar[Errno]
    ETIME: ClassVar[Errno]
    EPROTO: ClassVar[Errno]
    EBADMSG: ClassVar[Errno]
    EOVERFLOW: ClassVar[Errno]
    EILSEQ: ClassVar[Errno]
    EMSGSIZE: ClassVar[Errno]
    EOPNOTSUPP: ClassVar[Errno]
    ECONNABORTED: ClassVar[Errno]
    ECONNRESET: ClassVar[Errno]
    ENOBUFS: ClassVar[Errno]
    ENOTCONN: ClassVar[Errno]
    ESHUTDOWN: ClassVar[Errno]
    ETIMEDOUT: ClassVar[Errno]
    ECONNREFUSED: ClassVar[Errno]
    EHOSTUNREACH: ClassVar[Errno]
    EALREADY: ClassVar[Errno]
    EINPROGRESS: ClassVar[Errno]
    ECANCELED: ClassVar[Errno]


device: Device
"""This driver's device: its state, name, mode and notify()."""

IoData = Union[bytes, bytearray, str]
Done = Callable[[Any, Any], None]
"""fn(error, value): error None on success (else an Errno), on the device thread between calls."""


class Datagram:
    data: bytes
    host: str
    port: int


class IoFile:
    """A file opened by hostio.open; operations run in order."""

    def read(self, size: int, done: Done) -> None: ...
    def write(self, data: IoData, done: Done) -> None: ...
    def seek(self, position: int, done: Done) -> None: ...
    def close(self) -> None: ...


class Stream:
    """A connection, device or serial port; 64 KiB are read ahead."""

    def read(self, size: int, done: Done) -> None: ...
    def write(self, data: IoData, done: Done) -> None: ...
    def available(self) -> int: ...
    def readable(self) -> bool: ...
    def writable(self) -> bool: ...
    def ended(self) -> bool: ...
    def close(self) -> None: ...
    def ondata(self, fn: Callable[[], None] | None) -> None: ...


class Server:
    def accept(self, done: Done) -> None: ...
    def port(self) -> int: ...
    def close(self) -> None: ...


class Udp:
    def send(self, data: IoData, host: str, port: int, done: Done) -> None: ...
    def recv(self, done: Done) -> None: ...
    def port(self) -> int: ...
    def close(self) -> None: ...


class HostIo:
    """The host I/O API: each call ends with done(error, value), on the device thread."""

    def open(self, path: str, flags: str, done: Done) -> None: ...
    def readFile(self, path: str, done: Done) -> None: ...
    def connect(self, host: str, port: int, done: Done) -> None: ...
    def listen(self, host: str, port: int, done: Done) -> None: ...
    def connectUnix(self, path: str, done: Done) -> None: ...
    def listenUnix(self, path: str, done: Done) -> None: ...
    def udp(self, host: str, port: int, done: Done) -> None: ...
    def openDevice(self, path: str, options: dict[str, Any], done: Done) -> None: ...
    def readLine(self, done: Done) -> None: ...


hostio: HostIo
"""Files, sockets, devices and the terminal, within the host's grants (docs/driver-api.md)."""

POLLIN: int
POLLPRI: int
POLLOUT: int
POLLERR: int
POLLHUP: int
POLLNVAL: int
POLLRDNORM: int
POLLWRNORM: int
PROT_READ: int
PROT_WRITE: int
PROT_EXEC: int
SEEK_SET: int
SEEK_CUR: int
SEEK_END: int
SEEK_DATA: int
SEEK_HOLE: int


def set_timeout(fn: Callable[..., object], ms: float, *args: Any) -> int:
    """Runs fn(*args) once after ms milliseconds, on the device thread; a reload cancels it."""
def set_interval(fn: Callable[..., object], ms: float, *args: Any) -> int:
    """Runs fn(*args) every ms milliseconds, on the device thread; a reload cancels it."""
def clear_timeout(timer_id: int | None) -> None: ...
def clear_interval(timer_id: int | None) -> None: ...


def _IOC(d: int, t: str | int, nr: int, size: int) -> int:
    """An ioctl command from its direction (0 none, 1 write, 2 read, 3 both), type, number, size."""
def _IO(t: str | int, nr: int) -> int:
    """A command without data: the raw argument reaches the driver."""
def _IOW(t: str | int, nr: int, size: int) -> int:
    """The caller passes size bytes to the driver."""
def _IOR(t: str | int, nr: int, size: int) -> int:
    """The driver passes size bytes back to the caller."""
def _IOWR(t: str | int, nr: int, size: int) -> int:
    """size bytes in, size bytes back."""
def _IOC_SIZE(cmd: int) -> int:
    """The size encoded in an ioctl command."""


# What the callbacks return. open, flush, release: None or 0, a negative errno to fail.
StatusResult = Union[None, int, bool, Deferred]
# read: bytes (at most size; more is cut), None or empty for end of file, a negative errno.
ReadResult = Union[Bytes, int, None, Deferred]
# write: the bytes consumed; None = all of them; a negative errno.
WriteResult = Union[int, None, Deferred]
# ioctl: a result, the bytes to copy back (_IOR, _IOWR), or [result, bytes] / (result, bytes).
IoctlResult = Union[int, Bytes, "list[Any]", "tuple[int, Bytes]", None, Deferred]
# poll: the ready events (POLLIN | POLLOUT ...); None = the default mask.
PollResult = Union[int, None, Deferred]
# ioctl's arg: the caller's bytes for _IOW/_IOWR, None for _IOR, the raw argument for _IO.
IoctlArg = Union[bytes, int, None]

Open = Callable[[File, int], StatusResult]
Read = Callable[[File, int, int], ReadResult]
Write = Callable[[File, bytes, int], WriteResult]
Ioctl = Union[Callable[[File, int, IoctlArg], IoctlResult], Callable[[File, int, IoctlArg, Mem], IoctlResult]]
Poll = Callable[[File], PollResult]
Flush = Callable[[File], StatusResult]
Release = Callable[[File], StatusResult]
Llseek = Callable[[File, int, int], Union[int, Deferred]]
Mmap = Callable[[File, int, int, int], StatusResult]
Reload = Callable[[int, Device], object]
Devices = Union[list[str], tuple[str, ...]]


class Driver:
    """The names a driver module defines (not a run-time object): name or
    devices is required; a callback that is missing answers as a kernel
    driver without it would (docs/driver-api.md)."""

    name: str
    """The device name: /dev/NAME, or DIR/NAME on the fuse channel; "drums/bam" is bam in the directory drums."""
    devices: Devices
    """Instead of name: the names of several devices (1 to 64), each running its own copy of the script;
    device.name tells them apart. A reload may add and drop names."""
    mode: int
    """Permission bits of the node, default 0o666."""
    major: int
    """Device number asked for on channels that make real nodes (cuse); 0 = any."""
    minor: int
    callTimeoutMs: int
    """This driver's budget per callback, timer and hook in ms (0: none); default: the host's --call-timeout."""
    grants: dict[str, list[str]]
    """The grants the driver needs (keys read, write, net, device); the host refuses to serve it without them."""
    seekable: bool
    """The file has a position: lseek, pread, pwrite work and read/write get their offset (fusd channel)."""
    recovery: Literal["fail", "reissue"]
    """A call the host had read when it crashed (under fusd-keeper): "fail" (EIO, the default) or "reissue" (run again)."""
    memory: dict[str, int]
    """Memory clients may mmap (fusd channel): {"size": bytes}, rounded up to whole pages; see device.memory."""
    open: Open
    read: Read
    write: Write
    ioctl: Ioctl
    poll: Poll
    flush: Flush
    release: Release
    llseek: Llseek
    mmap: Mmap
    reload: Reload


# --- Test files (fusd-host test, docs/testing-drivers.md) ------------------
# A test is a top-level function whose name starts with `test`; it gets a
# Test. Types for annotations only, like the rest of this file:
#
#     if TYPE_CHECKING:
#         from fusd import Test
#
#     def test_greeting(t: Test) -> None: ...
#
# Mirrors host/src/main/java/org/fusd/host/testing (PyTestScript's prelude).
# Open flags come from the os module (os.O_RDWR, os.O_NONBLOCK).

_T = TypeVar("_T")


class Pending(Generic[_T]):
    """A call started and not waited for: a read that blocks, an open the driver defers."""

    @property
    def done(self) -> bool:
        """The call has returned (an answer may take a moment to arrive from a real client)."""
    def blocked(self, ms: float = 50) -> bool:
        """True if the call is still waiting after ms milliseconds."""
    def interrupt(self) -> None:
        """A signal hits the caller: a call still waiting in the driver ends with EINTR, if the driver lets it go."""
    def wait(self) -> _T:
        """Waits for the call (at most 10 s); raises OSError (errno set) if it failed."""


class TestFile:
    """One open of the device by the test: a file descriptor on a real channel."""

    fd: int
    def read(self, size: int = 65536) -> bytes:
        """read(2) of at most size bytes; end of file is b''."""
    def read_text(self, size: int = 65536) -> str:
        """read(2), the bytes decoded as UTF-8."""
    def start_read(self, size: int = 65536) -> Pending[bytes]: ...
    def write(self, data: str | bytes | bytearray) -> int:
        """write(2) of a str (as UTF-8) or bytes; returns the count written."""
    def start_write(self, data: str | bytes | bytearray) -> Pending[int]: ...
    def ioctl(self, cmd: int, arg: int | bytes | bytearray = 0) -> Any:
        """ioctl(2): bytes in for _IOW/_IOWR, bytes back for _IOR/_IOWR, else a number (Any: it depends on cmd)."""
    def start_ioctl(self, cmd: int, arg: int | bytes | bytearray = 0) -> Pending[Any]: ...
    def poll(self, events: int = ..., timeout_ms: int = 0) -> int:
        """poll(2) for events (default POLLIN | POLLOUT) up to timeout_ms; the ready events, 0 if none."""
    def set_flags(self, flags: int) -> None:
        """fcntl(F_SETFL): O_NONBLOCK and O_APPEND can change."""
    def mmap(self, length: int, prot: int = ..., offset: int = 0) -> TestMapping:
        """mmap(2) of length bytes at offset (a multiple of 4096), MAP_SHARED, with prot (default PROT_READ).

        The device's `memory`: fusd and loopback channels only."""
    def close(self) -> None:
        """close(2). Files a test leaves open are closed after it."""
    def __enter__(self) -> TestFile: ...
    def __exit__(self, *exc: object) -> None: ...


class TestMapping:
    """A mapping from TestFile.mmap. An access a process would get a signal for fails the test."""

    length: int
    prot: int
    def read(self, offset: int = 0, length: int | None = None) -> bytes:
        """A copy of the bytes at offset now, length of them (default: to the end)."""
    def read_text(self, offset: int = 0, length: int | None = None) -> str:
        """The same, decoded as UTF-8."""
    def write(self, offset: int, data: str | bytes | bytearray) -> None:
        """Stores a str (as UTF-8) or bytes at offset; needs PROT_WRITE."""
    def close(self) -> None:
        """munmap(2). Mappings a test leaves are unmapped after it."""
    def __enter__(self) -> TestMapping: ...
    def __exit__(self, *exc: object) -> None: ...


class Raises:
    """t.raises(code) as a context manager: the block must raise OSError with that errno."""

    error: OSError | None
    def __enter__(self) -> Raises: ...
    def __exit__(self, kind: object, value: object, tb: object) -> bool: ...


class Test:
    """The argument of every test."""

    @property
    def name(self) -> str:
        """The device's name."""
    @property
    def path(self) -> str:
        """Where the client opens it: a path on a real channel, the name on loopback."""
    @property
    def channel(self) -> str:
        """"loopback", "fuse" or "fusd"."""
    @property
    def pid(self) -> int:
        """The pid the driver sees in file.pid."""
    def open(
        self, flags: int = ..., uid: int | None = None, gid: int | None = None, device: str | None = None
    ) -> TestFile:
        """open(2) with flags (default os.O_RDWR), as this test's user or as uid/gid, of the driver's
        first device or of the one named device; raises OSError."""
    def start_open(
        self, flags: int = ..., uid: int | None = None, gid: int | None = None, device: str | None = None
    ) -> Pending[TestFile]: ...
    def eq(self, actual: object, expected: object, message: str | None = None) -> None:
        """Fails unless actual == expected (bytes equal a str by its UTF-8)."""
    def ok(self, value: object, message: str | None = None) -> None: ...
    def fail(self, message: str = "failed") -> NoReturn: ...
    @overload
    def raises(self, code: ErrnoName) -> Raises: ...
    @overload
    def raises(self, code: ErrnoName, fn: Callable[..., object], *args: Any) -> OSError: ...
