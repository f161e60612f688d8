# Sourced by scripts/kernel-deps and scripts/vmtest (host side): apt helpers
# that wait for another apt/dpkg to finish instead of failing on its lock.
# shellcheck shell=bash

APT_LOCK_WAIT=${APT_LOCK_WAIT:-1200}   # seconds

apt_get() {
    local deadline=$((SECONDS + APT_LOCK_WAIT)) err
    err=$(mktemp)
    while true; do
        if DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=60 \
            "$@" 2>"$err" >&2; then
            rm -f "$err"
            return 0
        fi
        if grep -qi 'lock' "$err" && ((SECONDS < deadline)); then
            echo "apt is busy (lock held), retrying..." >&2
            sleep 5
            continue
        fi
        cat "$err" >&2
        rm -f "$err"
        return 1
    done
}

apt_update_once() {
    [[ -n "${_apt_updated:-}" ]] && return 0
    echo "apt-get update" >&2
    apt_get update
    _apt_updated=1
}
