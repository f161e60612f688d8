# shellcheck shell=bash
# The crash part of the java-fusd suite (sourced by java-fusd, and by the
# cuse suite with CRASH_CHANNEL=cuse): crash survival on the fusd channel
# (docs/takeover.md, "Crash survival"). A host under
# fusd-keeper serves examples/pipe.js (recovery "fail", the default), the
# same pipe as /dev/rpipe with recovery "reissue", examples/hello.js and
# examples/fb.js (shared memory). While a reader blocks on each pipe, a
# client reads /dev/hello in a loop and another maps /dev/fb, the host JVM
# is taken over (`fusd-host takeover`: the keeper starts the successor and
# supervises it from then on), then the successor is killed with SIGKILL.
# The nodes must stay, the keeper must start a new host that attaches to
# the control fd and the memfd it held, the reader of /dev/pipe must get
# EIO (its read was read by the dead host) and the reader of /dev/rpipe the
# data written after the recovery, both fds must keep working, the mapping
# must show the new host's frames, and SIGTERM to the keeper must stop
# everything and remove the nodes. Two JVM starts more than a plain run:
# under TCG each takes a minute or less.
#
# CRASH_CHANNEL=cuse: the same on the cuse channel, without fb.js (CUSE has
# no mmap). Without FUSE_NOTIFY_RESEND (Linux < 6.9, the VM's 6.1) the new
# host answers EIO, from the dead host's journal, the calls that host had
# read (the reader of /dev/rpipe too), and both fds must work on.

HOSTBIN=$FUSD_REPO/host/bin/fusd-host
CRASH_CHANNEL=${CRASH_CHANNEL:-fusd}
C=/tmp/java-fusd-crash
if [[ $CRASH_CHANNEL == fusd ]]; then
    crash_devices=(pipe rpipe hello fb)
else
    crash_devices=(pipe rpipe hello)
fi
rm -rf "$C"
mkdir -p "$C"
sed 's/^export const name = "pipe";$/export const name = "rpipe";\nexport const recovery = "reissue";/' \
    "$FUSD_REPO/examples/pipe.js" >"$C/rpipe.js"

# crash_wait FILE PATTERN TRIES: waits (0.1 s a try) for a line matching PATTERN in FILE.
crash_wait() {
    for ((i = 0; i < $3; i++)); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# The keeper's own pid is the launcher's ($! below); its host is its one child.
crash_host_of() {
    local c
    c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
    echo "${c%% *}"
}

# The nodes of the devices that exist now.
crash_nodes() {
    local n
    for n in "${crash_devices[@]}"; do [[ -e /dev/$n ]] && printf '/dev/%s ' "$n"; done
    return 0
}

crash_run() {
    # --attach: a restarted JVM must serve within this many seconds (TCG is slow).
    local scripts=(examples/pipe.js "$C/rpipe.js" examples/hello.js) n=${#crash_devices[@]}
    [[ $CRASH_CHANNEL == fusd ]] && scripts+=(examples/fb.js)
    FUSD_KEEPER_OPTS="--attach 1500" "$HOSTBIN" run --keeper --channel "$CRASH_CHANNEL" --no-watch \
        --call-timeout 120000 "${scripts[@]}" >"$C/host.out" 2>"$C/host.err" </dev/null &
    KEEPER=$!
    if ! crash_wait "$C/host.out" "^fusd: serving ${crash_devices[n - 1]} " 15000 ||
            [[ $(grep -c '^fusd: serving ' "$C/host.out") -ne $n ]]; then
        fail crash/start "the host under fusd-keeper did not serve: $(tail -n3 "$C/host.err")"
        return 1
    fi
    pass crash/start

    # A blocked reader on each pipe; after its read, a write and a read on the same fd.
    for dev in pipe rpipe; do
        python3 - "/dev/$dev" >"$C/$dev.out" 2>&1 <<'PY' &
import errno, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
print("ready", flush=True)
for i in range(2):
    try:
        print("got", os.read(fd, 100).decode().strip(), flush=True)
    except OSError as e:
        print("error", errno.errorcode.get(e.errno, e.errno), flush=True)
    if i == 0:
        os.write(fd, b"after\n")
PY
    done
    # Clients reading /dev/hello until told to stop; what they saw after the recovery counts.
    python3 - >"$C/hello.out" 2>&1 <<'PY' &
import errno, os, signal, time
def interrupted(*_):
    raise InterruptedError(errno.EINTR, "interrupted")
signal.signal(signal.SIGUSR1, interrupted)
ok = after = errors = 0
while True:
    try:  # a SIGUSR1 may come anywhere in here
        if os.path.exists("/tmp/java-fusd-crash/stop"):
            break
        fd = os.open("/dev/hello", os.O_RDONLY)
        try:
            good = os.read(fd, 100) == b"Hello from a script!\n"
        finally:
            os.close(fd)
        ok += good
        if good and os.path.exists("/tmp/java-fusd-crash/recovered"):
            after += 1
            if after == 3:
                print("reading after", flush=True)
        if ok == 3:
            print("reading", flush=True)
        time.sleep(0.1)
    except OSError as e:
        errors += 1
        print("error", errno.errorcode.get(e.errno, e.errno), flush=True)
print("done", ok, after, errors, flush=True)
PY
    local hello=$!
    # A client maps fb's pixels: after the recovery it must see the new host's frames in the same pages.
    local mapper=
    if [[ $CRASH_CHANNEL == fusd ]]; then
        python3 - >"$C/fb.out" 2>&1 <<'PY' &
import mmap, os, struct, time
fd = os.open("/dev/fb", os.O_RDONLY)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
frame = lambda: struct.unpack("<I", m[0:4])[0]
print("mapped", flush=True)
while not os.path.exists("/tmp/java-fusd-crash/killed"):
    time.sleep(0.1)
at_kill = frame()
while not os.path.exists("/tmp/java-fusd-crash/recovered"):
    time.sleep(0.1)
seen = set()
for _ in range(50):
    time.sleep(0.1)
    seen.add(frame())
# The dead host is gone: frames that change in this mapping are the new host's, drawn
# into the same pages. (Whether they go on from the dead host's count is up to the
# script: a timer that draws while the new host maps the memory writes one frame
# counted in its own pages first.)
print("frames after recovery", len(seen), "from", at_kill, "seen", min(seen), "to", max(seen), flush=True)
PY
        mapper=$!
    fi
    if ! crash_wait "$C/pipe.out" '^ready' 3000 || ! crash_wait "$C/rpipe.out" '^ready' 3000 ||
            ! crash_wait "$C/hello.out" '^reading' 3000 ||
            { [[ -n $mapper ]] && ! crash_wait "$C/fb.out" '^mapped' 3000; }; then
        fail crash/clients "clients did not start: $(cat "$C"/*.out | tr '\n' ' ')"
        touch "$C/stop" "$C/killed" "$C/recovered" # the clients end
        return 1
    fi
    sleep 2 # the readers' reads reach the host and block there (nothing outside tells when)

    local host
    host=$(crash_host_of "$KEEPER")
    if [[ -z $host ]]; then
        fail crash/kill "no host process under fusd-keeper $KEEPER"
        touch "$C/stop" "$C/killed" "$C/recovered" # the clients end
        return 1
    fi
    # An upgrade first: `fusd-host takeover` has the keeper start the successor, which
    # takes over with both readers blocked; the keeper supervises it from then on, and
    # it is the host killed below.
    local out
    out=$("$HOSTBIN" takeover --pid "$host" 2>&1)
    if [[ $out =~ handed\ over\ to\ ([0-9]+)\ \(under\ the\ same\ fusd-keeper\) ]] &&
            [[ $(crash_host_of "$KEEPER") == "${BASH_REMATCH[1]}" ]] &&
            grep -q "^fusd-keeper: host $host handed over to ${BASH_REMATCH[1]}" "$C/host.err"; then
        pass crash/kept-takeover
        echo "$CRASH_CHANNEL crash: $(grep -h '^fusd: takeover' "$C/host.err")"
    else
        fail crash/kept-takeover "$(tail -n3 <<<"$out"); $(grep -h 'takeover\|keeper' "$C/host.err" | tail -n3)"
    fi
    host=$(crash_host_of "$KEEPER")
    kill -KILL "$host"
    sleep 0.5
    touch "$C/killed"
    if [[ $(crash_nodes) == "$(printf '/dev/%s ' "${crash_devices[@]}")" ]]; then pass crash/nodes-stay
    else fail crash/nodes-stay "a node went with the host (left: $(crash_nodes))"; fi

    if crash_wait "$C/host.err" '^fusd: recovered after a crash \(killed by SIGKILL\)' 15000; then
        touch "$C/recovered"
        echo "$CRASH_CHANNEL crash: $(grep -h '^fusd: recovered' "$C/host.err")"
        if grep -Eq "^fusd: recovered after a crash \(killed by SIGKILL\): pid [0-9]+ serves again [0-9.]+ ms after it \($n devices, [2-9] open files" \
                "$C/host.err"; then
            pass crash/recovered
        else
            fail crash/recovered "$(grep '^fusd: recovered' "$C/host.err")"
        fi
    else
        fail crash/recovered "no new host served: $(tail -n3 "$C/host.err")"
        touch "$C/stop" "$C/killed" "$C/recovered" # the clients end
        return 1
    fi

    if grep -q '^fusd: recovered after a crash.*no FUSE_NOTIFY_RESEND' "$C/host.err"; then
        # No resend (cuse on Linux < 6.9): the new host answers EIO, from the dead host's
        # journal, every call that host had read, whatever the device's policy.
        for dev in pipe rpipe; do
            if crash_wait "$C/$dev.out" '^got after' 3000 && [[ $(sed -n 2p "$C/$dev.out") == "error EIO" ]]; then
                pass "crash/no-resend-$dev-journal-eio-then-fd-works"
            else
                fail "crash/no-resend-$dev-journal-eio-then-fd-works" "$(tr '\n' ' ' <"$C/$dev.out")"
            fi
        done
    else
        # fail: the read the dead host had read gets EIO; the fd works on (write, then read it back).
        if crash_wait "$C/pipe.out" '^got after' 3000 && [[ $(sed -n 2p "$C/pipe.out") == "error EIO" ]]; then
            pass crash/fail-eio-then-fd-works
        else
            fail crash/fail-eio-then-fd-works "$(tr '\n' ' ' <"$C/pipe.out")"
        fi
        # reissue: the read runs again on the new host and gets what is written now.
        # In a subshell: a SIGCHLD (a reader ending) must not interrupt the write (fusd and
        # FUSE return EINTR for a call the daemon had read, even under SA_RESTART).
        (echo reissued >/dev/rpipe)
        if crash_wait "$C/rpipe.out" '^got after' 3000 && [[ $(sed -n 2p "$C/rpipe.out") == "got reissued" ]]; then
            pass crash/reissue-gets-data-then-fd-works
        else
            fail crash/reissue-gets-data-then-fd-works "$(tr '\n' ' ' <"$C/rpipe.out")"
        fi
    fi
    if ! crash_wait "$C/hello.out" '^reading after' 300; then
        kill -USR1 "$hello" # a call in flight at the crash that the journal missed waits for a signal
        crash_wait "$C/hello.out" '^reading after' 600
    fi
    touch "$C/stop"
    wait "$hello"
    # The read or open in flight when the host died may get EIO (policy "fail"), or
    # EINTR (no resend: SIGUSR1); nothing else may fail.
    if [[ $(tail -n1 "$C/hello.out") =~ ^done\ [0-9]+\ ([0-9]+)\ ([012])$ ]] && ((BASH_REMATCH[1] >= 3)); then
        pass crash/readers-go-on
    else
        fail crash/readers-go-on "$(tr '\n' ' ' <"$C/hello.out")"
    fi
    [[ -z $mapper ]] && return 0
    wait "$mapper"
    echo "$CRASH_CHANNEL crash: fb.js $(tail -n1 "$C/fb.out")"
    if grep -Eq "^frames after recovery ([2-9]|[1-9][0-9]+) from " "$C/fb.out"; then
        pass crash/shared-memory-kept
    else
        fail crash/shared-memory-kept "$(tr '\n' ' ' <"$C/fb.out")"
    fi
    return 0
}

crash_run
kill -TERM "$KEEPER" 2>/dev/null
for ((i = 0; i < 300; i++)); do kill -0 "$KEEPER" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$KEEPER" 2>/dev/null
status=0
wait "$KEEPER" 2>/dev/null || status=$?
for ((i = 0; i < 50; i++)); do [[ -n $(crash_nodes) ]] || break; sleep 0.1; done
if [[ $status == 143 && -z $(crash_nodes) ]]; then
    pass crash/sigterm-removes-nodes
else
    fail crash/sigterm-removes-nodes "keeper status $status; nodes left: $(crash_nodes)"
fi
