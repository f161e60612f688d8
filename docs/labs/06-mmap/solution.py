# Lab 06 solution in Python: memory shared with the clients' mappings.
#   page 0 (offset 0)     the board: a NUL-terminated text the driver keeps;
#                         a write(2) replaces it; clients map it read-only
#   page 1 (offset 4096)  the inbox: clients map it writable and store a
#                         NUL-terminated text; read(2) returns it
# mmap(2) maps the pages themselves (fusd channel): nothing is copied, and
# no call reaches the driver when a client reads or stores a byte.
name = "lab06"

PAGE = 4096
memory = {"size": 2 * PAGE}
GREETING = b"hello from lab 06\n"


def pages():
    """The shared pages: there from the first call on (not while the top level first runs)."""
    m = device.memory
    assert m is not None
    return m


def text_at(page):
    """The text at the start of a page, up to its first NUL (a copy)."""
    data = pages()[page * PAGE:(page + 1) * PAGE]
    end = data.find(b"\0")
    return data if end < 0 else data[:end]


def set_board(data):
    """Replaces the board's text: the bytes, then zeros to the end of the page."""
    pages()[0:PAGE] = bytes(data) + bytes(PAGE - len(data))


def open(file, flags):
    # device.memory does not exist yet while the top level first runs: greet at the first open
    if not device.state.get("greeted"):
        set_board(GREETING)
        device.state["greeted"] = True


def write(file, data, offset):
    if len(data) > PAGE - 1:            # the text and its NUL fit in the page
        raise Errno.ENOSPC
    set_board(data)
    return len(data)


def read(file, size, offset):
    if file.state.get("done"):          # once per open: `cat` ends
        return b""
    file.state["done"] = True
    return text_at(1)[:size]


def mmap(file, offset, length, prot):
    if prot & PROT_WRITE and offset < PAGE:     # the board is the driver's to write
        raise Errno.EACCES
