# Helpers for vmtest suites (bash, inside the guest):
#   . "$FUSD_REPO/scripts/vmtest.d/lib.sh"
# shellcheck shell=bash

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: ${*:2}"; }
skip() { echo "SKIP $1: ${*:2}"; }

# check TEST CMD...: PASS when CMD succeeds, else FAIL with its last output line.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name" "'$*' failed${out:+: $(tail -n1 <<<"$out")}"
    fi
}

# need_fusd_ko TEST: FAIL TEST (and return 1) unless fusd.ko is loaded.
need_fusd_ko() {
    [[ "${FUSD_KO_STATUS:-}" == loaded ]] && return 0
    fail "$1" "fusd.ko not loaded: ${FUSD_KO_STATUS:-unknown}"
    return 1
}
