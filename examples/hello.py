# hello: each open reads one greeting, then end of file.
# Try: cat /run/fusd/hello-py
name = "hello-py"


def read(file, size, offset):
    if file.state.get("done"):
        return b""                           # end of file for this open
    file.state["done"] = True
    return "Hello from a Python script!\n"
