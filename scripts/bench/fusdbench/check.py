"""--check (make test): each driver answers the right bytes and takes full
writes (bench_client check), and a fast start takes over under a reading
client (the takeover phase's check); no timing."""
import subprocess

from .paths import bin_path
from .processes import start, target_of
from .takeover import check as check_takeover


def check(drivers, workdir):
    """Prints PASS or FAIL per driver and a summary line; returns the exit status."""
    passed = failed = 0
    for d in drivers:
        if d.skip:
            # A skip here would hide a missing package: --check fails on it.
            print(f"FAIL {d.name}: not checked: {d.skip}")
            failed += 1
            continue
        run, why = start(d, workdir, False, 120)
        if why:
            print(f"FAIL {d.name}: {why}")
            failed += 1
            continue
        try:
            target = target_of(d, run)
            r = subprocess.run([bin_path("bench_client"), "check", target, "-p", str(d.pattern)],
                               capture_output=True, text=True, timeout=120)
            detail = (r.stdout + r.stderr).strip().replace("\n", "; ")
            if r.returncode == 0:
                print(f"PASS {d.name}: {target}: {detail}")
                passed += 1
            else:
                print(f"FAIL {d.name}: {target}: {detail}")
                failed += 1
        except subprocess.TimeoutExpired:
            print(f"FAIL {d.name}: check timed out")
            failed += 1
        finally:
            if run:
                run.stop()
    if any(d.name == "js" and not d.skip for d in drivers):
        p, f = check_takeover(workdir)
        passed, failed = passed + p, failed + f
    print(f"bench-check: {passed} passed, {failed} failed")
    return 1 if failed else 0
