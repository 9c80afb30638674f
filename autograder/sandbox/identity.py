"""The identity student code runs as, and the guarantee that it is free before it serves again.

As root, every sandbox of one grading worker runs as one unprivileged uid of its own, so that
the process limit (RLIMIT_NPROC, counted per uid) holds. One worker grades one notebook at a
time, so before that uid serves the next student every process of the previous one must be
gone: a kernel's namespace is torn down asynchronously by the kernel, and processes of the uid
can outlive the instant the kernel is reported dead. `release` waits for that, killing what is
left, with a deadline.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

FIRST_UID = 200000
UIDS = 50000


def sandbox_uid() -> int | None:
    """The unprivileged uid of this process's sandboxes when we are root (one per worker)."""
    if os.geteuid() != 0:
        return None
    return FIRST_UID + os.getpid() % UIDS


def _uid_of(status_text: str) -> int | None:
    for line in status_text.splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def processes(uid: int) -> list[int]:
    """The pids of the live processes whose real uid is `uid` (a zombie runs no code any more;
    its parent reaps it)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            if _uid_of(text) == uid and "\nState:\tZ" not in text:
                pids.append(int(status.parent.name))
        except (OSError, ValueError):
            continue
    return pids


def count(uid: int) -> int:
    """How many processes and threads `uid` runs now (RLIMIT_NPROC counts them all)."""
    n = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if _uid_of(text) == uid:
            n += next((int(ln.split()[1]) for ln in text.splitlines() if ln.startswith("Threads:")), 1)
    return n


def release(uid: int | None, deadline_s: float = 10.0) -> bool:
    """Return once no process of `uid` is left: those still there are killed (we are root),
    until none is or the deadline passes. True when the uid is free."""
    if uid is None:
        return True
    end = time.monotonic() + deadline_s
    while True:
        left = processes(uid)
        if not left:
            return True
        if time.monotonic() > end:
            return False
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
