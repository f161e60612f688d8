# shellcheck shell=bash
# The v2 part of the java-fusd suite (sourced by java-fusd): what ABI version 2
# brings to a Java-served device. Pointer ioctls with synchronous mem
# (examples/blockreq.js unchanged, examples/sglist.js with a 200 KB buffer and
# a caught EFAULT), shared memory mapped by clients (examples/fb.js and
# fb.py with examples/fb_client.c), llseek/pread/pwrite, flush on every
# close, a node in a subdirectory of /dev, and the host's kill leaving
# mappings alone. Clients are built on the host by java-fusd.host.

BIN=$FUSD_REPO/.cache/fusd-bin
HOSTBIN=$FUSD_REPO/host/bin/fusd-host
W=/tmp/java-fusd-v2
mkdir -p "$W"

# v2_start LOG SCRIPT...: fusd-host in the background; waits for one ready
# line per script. Sets HOST_PID. Returns 1 on timeout or exit.
v2_start() {
    local log=$1 n=0 want=0 a
    shift
    for a in "$@"; do [[ $a == *.js || $a == *.py ]] && want=$((want + 1)); done
    # A top level (GraalPy's first import) can take over 10 s under TCG on a busy host.
    "$HOSTBIN" run "$@" --channel fusd --call-timeout 120000 >"$log" 2>"$log.err" </dev/null &
    HOST_PID=$!
    for ((i = 0; i < 15000; i++)); do
        n=$(grep -c '^fusd: serving ' "$log" 2>/dev/null || true)
        [[ $n -ge $want ]] && return 0
        kill -0 "$HOST_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

v2_stop() {
    kill -"${1:-TERM}" "$HOST_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$HOST_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$HOST_PID" 2>/dev/null
    wait "$HOST_PID" 2>/dev/null
    return 0
}

if ! v2_start "$W/host.log" examples/blockreq.js examples/sglist.js examples/fb.js examples/fb.py \
        scripts/e2e/drivers/seekflush.js; then
    fail v2/start "host did not start: $(tail -n3 "$W/host.log.err")"
    v2_stop
    return 0
fi

for len in 1 5000 65536; do
    check "v2/blockreq-$len" "$BIN/blockreq_client" /dev/blockreq "$len"
done
out=$("$BIN/blockreq_client" /dev/blockreq 70000 2>&1)
if [[ $out == "store: errno 22 "* ]]; then pass v2/blockreq-too-long-einval; else fail v2/blockreq-too-long-einval "$out"; fi
check v2/sglist-gather-scatter "$BIN/sglist_client" /dev/sglist
check v2/sglist-many-buffers "$BIN/sglist_client" /dev/sglist 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \
    300000 1048576
check v2/fb-js-mmap-poll "$BIN/fb_client" /dev/fb 5
check v2/fb-py-mmap-poll "$BIN/fb_client" /dev/fb-py 3

# llseek, pread/pwrite, flush per close, a subdirectory node
if python3 - <<'PY'
import fcntl, os, sys
p = "/dev/fusd-v2/seek"
ioc = lambda nr: (ord("V") << 8) | nr
fd = os.open(p, os.O_RDWR)
def need(c, why):
    if not c:
        print("FAIL v2/seek-flush:", why); sys.exit(1)
need(os.pwrite(fd, b"hello", 100) == 5, "pwrite")
need(os.pread(fd, 5, 100) == b"hello", "pread")
need(os.lseek(fd, -24, os.SEEK_END) == 1000, "SEEK_END through llseek")
need(os.lseek(fd, 10, os.SEEK_CUR) == 1010, "SEEK_CUR")
need(os.read(fd, 100) == b"\0" * 14, "read at the position")
need(os.lseek(fd, 0, os.SEEK_CUR) == 1024, "position after read")
try:
    os.lseek(fd, 0, os.SEEK_DATA); need(False, "SEEK_DATA accepted")
except OSError as e:
    need(e.errno == 22, "SEEK_DATA: %s" % e)
before = fcntl.ioctl(fd, ioc(1))
os.close(os.dup(fd))
need(fcntl.ioctl(fd, ioc(1)) == before + 1, "no flush on close of a dup")
need(fcntl.ioctl(fd, ioc(2)) == 0, "a 64-bit caller marked compat32")
os.close(fd)
PY
then pass v2/seek-flush-subdir; fi

# The host killed while a client maps fb: the mapping keeps its pages,
# the node goes, a new mmap fails.
python3 - >"$W/map.out" 2>&1 <<'PY' &
import mmap, os, struct, sys, time
fd = os.open("/dev/fb", os.O_RDONLY)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
print("mapped", struct.unpack("<I", m[0:4])[0], flush=True)
while not os.path.exists("/tmp/java-fusd-v2/killed"):
    time.sleep(0.1)
f = struct.unpack("<I", m[0:4])[0]
try:
    mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
    print("FAIL: mmap after the host died worked")
except OSError as e:
    print("after", f, "errno", e.errno, flush=True)
PY
mapper=$!
for ((i = 0; i < 300; i++)); do grep -q mapped "$W/map.out" 2>/dev/null && break; sleep 0.1; done
v2_stop KILL
touch "$W/killed"
wait "$mapper"
if grep -q "^after [1-9][0-9]* errno 19$" "$W/map.out" && [[ ! -e /dev/fb ]]; then
    pass v2/host-killed-mapping-stays
else
    fail v2/host-killed-mapping-stays "$(tr '\n' ' ' <"$W/map.out"); /dev/fb $([[ -e /dev/fb ]] && echo exists)"
fi
rm -f "$W/killed"

# Takeover on fusd (docs/takeover.md): `fusd-host takeover` while a reader
# blocks on /dev/pipe (its Deferred in device.state), a second file of it
# stays open and a client maps /dev/fb. The successor takes the control fd
# and fb's memfd: the reader gets what is written after the takeover, and
# the client's mapping shows the frames the successor draws. Then the
# successor is taken over in turn, with another blocked reader.
if v2_start "$W/tk.log" examples/pipe.js examples/fb.js --no-handover; then
    python3 -c 'import os
fd = os.open("/dev/pipe", os.O_RDONLY)
print("open", flush=True)
print(os.read(fd, 100).decode().strip(), flush=True)' >"$W/tk-reader.out" 2>&1 &
    reader=$!
    exec 7>/dev/pipe
    python3 - >"$W/tk-map.out" 2>&1 <<'PY' &
import mmap, os, struct, time
fd = os.open("/dev/fb", os.O_RDONLY)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
print("mapped", flush=True)
while not os.path.exists("/tmp/java-fusd-v2/taken"):
    time.sleep(0.1)
seen = {struct.unpack("<I", m[0:4])[0]}
for _ in range(100):
    time.sleep(0.1)
    seen.add(struct.unpack("<I", m[0:4])[0])
print("frames after takeover", len(seen), flush=True)
PY
    mapper=$!
    for ((i = 0; i < 300; i++)); do
        grep -q open "$W/tk-reader.out" && grep -q mapped "$W/tk-map.out" && break
        sleep 0.1
    done
    out=$("$HOSTBIN" takeover --pid "$HOST_PID" 2>&1)
    if [[ $out =~ handed\ over\ to\ ([0-9]+) ]]; then
        new=${BASH_REMATCH[1]}
        if grep -q "^fusd: takeover: pid $HOST_PID -> $new, gap .* (2 devices, 3 open files, 1 pending calls)" \
                "$W/tk.log.err"; then
            pass v2/takeover
        else
            fail v2/takeover "no takeover line: $(tail -n2 "$W/tk.log.err")"
        fi
        HOST_PID=$new
    else
        fail v2/takeover "$(tail -n3 <<<"$out")"
    fi
    touch "$W/taken"
    (echo crossed >&7) # in a subshell: a reader ending (SIGCHLD) must not interrupt the write
    exec 7>&-
    for ((i = 0; i < 300; i++)); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
    if [[ $(tail -n1 "$W/tk-reader.out") == crossed ]]; then pass v2/takeover-blocked-reader
    else fail v2/takeover-blocked-reader "$(tail -n2 "$W/tk-reader.out")"; fi
    kill "$reader" 2>/dev/null
    wait "$mapper"
    if grep -Eq "^frames after takeover ([2-9]|[1-9][0-9]+)$" "$W/tk-map.out"; then pass v2/takeover-mapping-live
    else fail v2/takeover-mapping-live "$(tr '\n' ' ' <"$W/tk-map.out")"; fi
    check v2/takeover-fb-client "$BIN/fb_client" /dev/fb 3
    check v2/takeover-status "$HOSTBIN" status --pid "$HOST_PID"
    # A second takeover, of the successor, again with a reader blocked on /dev/pipe.
    python3 -c 'import os
fd = os.open("/dev/pipe", os.O_RDONLY)
print("open", flush=True)
print(os.read(fd, 100).decode().strip(), flush=True)' >"$W/tk-reader2.out" 2>&1 &
    reader=$!
    for ((i = 0; i < 300; i++)); do grep -q open "$W/tk-reader2.out" && break; sleep 0.1; done
    sleep 2 # its read reaches the host and waits there (nothing outside tells when)
    out=$("$HOSTBIN" takeover --pid "$HOST_PID" 2>&1)
    if [[ $out =~ handed\ over\ to\ ([0-9]+) ]] &&
            grep -q "^fusd: takeover: pid $HOST_PID -> ${BASH_REMATCH[1]}, gap .* (2 devices, [0-9][0-9]* open files, 1 pending calls)" \
                "$W/tk.log.err"; then
        HOST_PID=${BASH_REMATCH[1]}
        pass v2/takeover-again
    else
        fail v2/takeover-again "$(tail -n3 <<<"$out"; tail -n2 "$W/tk.log.err")"
    fi
    (echo again >/dev/pipe) # in a subshell, as above
    for ((i = 0; i < 300; i++)); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
    if [[ $(tail -n1 "$W/tk-reader2.out") == again ]]; then pass v2/takeover-again-blocked-reader
    else fail v2/takeover-again-blocked-reader "$(tail -n2 "$W/tk-reader2.out")"; fi
    kill "$reader" 2>/dev/null
    check v2/takeover-again-fb-client "$BIN/fb_client" /dev/fb 3
    v2_stop
    for ((i = 0; i < 50; i++)); do [[ -e /dev/pipe ]] || break; sleep 0.1; done
    if [[ ! -e /dev/pipe && ! -e /dev/fb ]]; then pass v2/takeover-nodes-removed-on-exit
    else fail v2/takeover-nodes-removed-on-exit "/dev/pipe or /dev/fb still there"; fi
else
    fail v2/takeover-start "host did not start: $(tail -n3 "$W/tk.log.err")"
    v2_stop
fi
rm -f "$W/taken"
