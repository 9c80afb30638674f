"""The processes `lstm-course hub` started, all of them, and stopping them.

The command becomes a child subreaper: every process it starts, directly or not (the hub, the
proxy, each user's server in its own session, their kernels and terminals), stays its
descendant even when its parent dies, so `descendants()` finds them all in /proc and `stop`
leaves none behind. The hub is asked first (SIGTERM: it stops the users' servers and its
proxy itself); whatever is left a few seconds later gets SIGTERM, then SIGKILL.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def become_subreaper() -> None:
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> None:
    """In a child, before exec: SIGTERM when the command dies, even by SIGKILL."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[0]


def descendants(root: int | None = None) -> dict[int, str]:
    """pid -> command line of every live process below `root` (default: this one)."""
    root = os.getpid() if root is None else root
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st and st[1] != "Z":
                kids.setdefault(st[0], []).append(int(entry.name))
    out, todo = {}, list(kids.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            out[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        todo += kids.get(pid, [])
    return out


def reap() -> None:
    """Collect the exit status of children that ended (orphans adopted by the subreaper too)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal_all(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _wait_gone(deadline: float) -> dict[int, str]:
    while True:
        reap()
        left = descendants()
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.2)


def stop(hub: subprocess.Popen, hub_grace: float = 20.0) -> dict[int, str]:
    """Stop the hub and everything below this process. Returns what ran when it began."""
    before = descendants()
    if hub.poll() is None:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(hub_grace)
        except subprocess.TimeoutExpired:
            pass
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        left = _wait_gone(time.monotonic() + 0.5)
        if not left:
            break
        _signal_all(left, sig)
        _wait_gone(time.monotonic() + wait)
    if hub.poll() is None:
        hub.kill()
    try:
        hub.wait(5)
    except subprocess.TimeoutExpired:
        pass
    reap()
    return before
