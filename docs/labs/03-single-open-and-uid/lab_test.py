# Lab 03's tests: `fusd-host test DRIVER docs/labs/03-single-open-and-uid/lab_test.py`
# (docs/testing-drivers.md). They pass against solution.js and solution.py
# (step 2); with --channel fuse they need root (opens as other uids).
from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fusd import Test, TestFile

ALICE, BOB = 1000, 1001


def said(f: TestFile) -> str:
    """What the device says to f, without the pid: "uid 1000: 2 open". (On
    the fuse channel the kernel reports the calling thread's id as the pid.)"""
    return re.sub(r"^pid \d+ ", "", f.read_text(100)).rstrip("\n")


def open_when_released(t: Test, uid: int) -> TestFile:
    """Opens as uid, waiting out EBUSY for a little while: on a real channel
    the kernel sends release after close(2) has returned."""
    for _ in range(200):
        try:
            return t.open(os.O_RDONLY, uid=uid, gid=uid)
        except OSError as e:
            if e.errno != 16:  # EBUSY
                raise
            time.sleep(0.005)
    return t.open(os.O_RDONLY, uid=uid, gid=uid)


def test_the_owner_may_open_again(t: Test):
    a = t.open(os.O_RDONLY, uid=ALICE, gid=ALICE)
    b = t.open(os.O_RDONLY, uid=ALICE, gid=ALICE)
    t.eq(said(b), "uid %d: 2 open" % ALICE)
    a.close()


def test_another_uid_gets_ebusy(t: Test):
    t.open(os.O_RDONLY, uid=ALICE, gid=ALICE)
    with t.raises("EBUSY"):
        t.open(os.O_RDONLY, uid=BOB, gid=BOB)


def test_the_last_close_frees_it_for_anyone(t: Test):
    a = t.open(os.O_RDONLY, uid=ALICE, gid=ALICE)
    b = t.open(os.O_RDONLY, uid=ALICE, gid=ALICE)
    a.close()
    t.raises("EBUSY", t.open, os.O_RDONLY, BOB, BOB)
    b.close()
    c = open_when_released(t, BOB)
    t.eq(said(c), "uid %d: 1 open" % BOB)


def test_refused_opens_are_not_counted(t: Test):
    a = t.open(os.O_RDONLY, uid=ALICE, gid=ALICE)
    for _ in range(3):
        t.raises("EBUSY", t.open, os.O_RDONLY, BOB, BOB)
    a.close()
    c = open_when_released(t, BOB)
    t.eq(said(c), "uid %d: 1 open" % BOB, "a refused open gets no release")
