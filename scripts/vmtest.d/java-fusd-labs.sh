# shellcheck shell=bash
# The labs part of the java-fusd suite (sourced by java-fusd): the labs that
# need fusd.ko, through /dev. Lab 06 (mmap): `fusd-host test --channel fusd`
# passes against the reference solution and fails against the starter, and
# the shell commands of docs/labs/06-mmap/README.md ("Check your driver")
# print what the README shows, against solution.js.

LAB=docs/labs/06-mmap
LABW=$FUSD_RESULTS/java-fusd-labs   # each run's whole output, kept on the host
HOSTBIN=$FUSD_REPO/host/bin/fusd-host
mkdir -p "$LABW"
# Under TCG a first callback or a first call through a fresh JVM can take
# seconds: wait a minute where the defaults wait 10 s.
LAB_JAVA_OPTS="$FUSD_JAVA_OPTS -Dfusd.test.timeoutMs=60000 -Dfusd.callTimeoutMs=60000"

# lab_tests NAME DRIVER WANT: fusd-host test DRIVER on fusd; WANT is pass (0
# failed) or fail (some failed, the rest ran).
lab_tests() {
    local name=$1 driver=$2 want=$3 out last
    out=$(FUSD_JAVA_OPTS=$LAB_JAVA_OPTS "$HOSTBIN" test "$driver" "$LAB/lab.test.js" --channel fusd 2>&1)
    last=$(tail -n1 <<<"$out")
    echo "$out" >"$LABW/$name.out"
    if [[ $want == pass && $last =~ ^[0-9]+\ passed,\ 0\ failed$ ]] ||
        [[ $want == fail && $last =~ ^[0-9]+\ passed,\ [1-9][0-9]*\ failed$ ]]; then
        pass "labs/$name ($last)"
    else
        fail "labs/$name" "wanted the tests to $want ($LABW/$name.out): $(grep -A2 FAIL <<<"$out" | tr '\n' ' ' |
            head -c 600) $last"
    fi
}

# solution.py passes the same tests on loopback (LabsTest); through fusd.ko
# under TCG GraalPy's contexts take minutes: FUSD_LABS_PY=1 adds it here.
lab_tests 06-solution-js "$LAB/solution.js" pass
[[ ${FUSD_LABS_PY:-0} == 1 ]] && lab_tests 06-solution-py "$LAB/solution.py" pass
lab_tests 06-starter-js "$LAB/starter.js" fail

# expect NAME WANT CMD: CMD's output (stdout and stderr) must be WANT.
expect() {
    local name=$1 want=$2 got
    got=$(bash -c "$3" 2>&1)
    if [[ $got == "$want" ]]; then pass "labs/06-shell-$name"; else fail "labs/06-shell-$name" "got: $got"; fi
}

FUSD_JAVA_OPTS=$LAB_JAVA_OPTS "$HOSTBIN" run "$LAB/solution.js" --channel fusd --call-timeout 120000 >"$LABW/host.log" 2>"$LABW/host.err" </dev/null &
lab_host=$!
for ((i = 0; i < 6000; i++)); do
    grep -q '^fusd: serving lab06' "$LABW/host.log" 2>/dev/null && break
    kill -0 "$lab_host" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q '^fusd: serving lab06' "$LABW/host.log"; then
    fail labs/06-shell "the host did not start: $(tail -n3 "$LABW/host.err")"
else
    # The README's commands, word for word.
    board='python3 -c '\''import mmap, os; m = mmap.mmap(os.open("/dev/lab06", os.O_RDONLY), 4096, prot=mmap.PROT_READ); print(m[:m.find(b"\0")].decode(), end="")'\'
    expect greeting "hello from lab 06" "$board"
    expect echo-then-map "news at noon" 'echo "news at noon" > /dev/lab06; '"$board"
    expect same-mapping "b'news at noon\n'
b'later\n'" "python3 -c '
import mmap, os
m = mmap.mmap(os.open(\"/dev/lab06\", os.O_RDONLY), 4096, prot=mmap.PROT_READ)
print(m[:m.find(b\"\\0\")])
w = os.open(\"/dev/lab06\", os.O_WRONLY)
os.write(w, b\"later\\n\")
print(m[:m.find(b\"\\0\")])'"
    expect inbox-then-cat "hi there" 'python3 -c '\''import mmap, os; m = mmap.mmap(os.open("/dev/lab06", os.O_RDWR), 4096, offset=4096); m[:10] = b"hi there\n\0"'\''; cat /dev/lab06'
    expect board-writable-eacces "PermissionError: [Errno 13] Permission denied" \
        'python3 -c '\''import mmap, os; mmap.mmap(os.open("/dev/lab06", os.O_RDWR), 4096)'\'' 2>&1 | tail -n1'
    expect past-the-end-enxio "OSError: [Errno 6] No such device or address" \
        'python3 -c '\''import mmap, os; mmap.mmap(os.open("/dev/lab06", os.O_RDONLY), 4096, prot=mmap.PROT_READ, offset=8192)'\'' 2>&1 | tail -n1'
fi
kill -TERM "$lab_host" 2>/dev/null
for ((i = 0; i < 100; i++)); do kill -0 "$lab_host" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$lab_host" 2>/dev/null
wait "$lab_host" 2>/dev/null
true
