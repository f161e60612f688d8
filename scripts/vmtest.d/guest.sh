#!/bin/bash
# Runs inside the guest chroot (started by init.sh): runs each suite named in
# VMTEST_SUITES, saving its output to $FUSD_RESULTS/NAME.out and its exit
# status to NAME.rc, then saves the kernel log and marks the run done.
# A suite running past VMTEST_SUITE_TIMEOUT (guest clock, a little slow) is
# killed with everything it started, so the suites after it still run.
set -u

for suite in $VMTEST_SUITES; do
    echo "vmtest: suite $suite start"
    (cd "$FUSD_REPO" && exec timeout -k 10 "$VMTEST_SUITE_TIMEOUT" \
        "$FUSD_REPO/scripts/vmtest.d/$suite" </dev/null 2>&1) |
        tee "$FUSD_RESULTS/$suite.out"
    rc=${PIPESTATUS[0]}
    if ((rc == 124 || rc == 137)); then
        echo "FAIL timeout: killed after ${VMTEST_SUITE_TIMEOUT}s (guest clock)" |
            tee -a "$FUSD_RESULTS/$suite.out"
    fi
    echo "$rc" > "$FUSD_RESULTS/$suite.rc"
    echo "vmtest: suite $suite end rc=$rc"
done

dmesg > "$FUSD_RESULTS/dmesg.txt"
touch "$FUSD_RESULTS/done"
