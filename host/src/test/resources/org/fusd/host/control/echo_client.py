"""One client of the echo device: round trips until the stop file appears.

Each round writes a random payload and reads it back byte for byte; every 40
rounds the file is closed and opened again. Prints `ready` after the first
round and `done ops=N errors=E maxms=M` at the end (M: the slowest round).
"""
import os
import random
import sys
import time

dev, stop = sys.argv[1], sys.argv[2]
rng = random.Random(int(sys.argv[3]))
ops = errors = 0
slowest = 0.0
fd = os.open(dev, os.O_RDWR)
while not os.path.exists(stop):
    payload = rng.randbytes(rng.randint(1, 4096))
    t0 = time.monotonic()
    try:
        os.write(fd, payload)
        got = b""
        while len(got) < len(payload):
            chunk = os.read(fd, len(payload) - len(got))
            if not chunk:
                break
            got += chunk
        if got != payload:
            errors += 1
            print("mismatch: sent %d bytes, got %d" % (len(payload), len(got)), flush=True)
    except OSError as e:
        errors += 1
        print("error: %s" % e, flush=True)
    slowest = max(slowest, time.monotonic() - t0)
    ops += 1
    if ops == 1:
        print("ready", flush=True)
    if ops % 40 == 0:
        os.close(fd)
        fd = os.open(dev, os.O_RDWR)
os.close(fd)
print("done ops=%d errors=%d maxms=%.1f" % (ops, errors, slowest * 1000), flush=True)
