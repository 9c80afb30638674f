"""Stopping a command cleanly: one Ctrl-C (SIGINT) or SIGTERM stops everything it started.

- The command's main process (`install`): the first signal raises `Interrupted` in its main
  thread; the command stops what it started (worker processes, fork servers, kernels), says in
  one line what it did, and exits 128 + the signal's number. Signals that come while it stops
  are ignored: the stop is bounded (a few seconds) and must not be cut short.
- A worker process (`as_worker`): SIGINT is ignored (a terminal's Ctrl-C reaches the whole
  process group; the main process decides), SIGTERM runs the worker's clean-up and exits, and
  the worker gets SIGTERM too when the main process dies, even by SIGKILL.

nbgrader catches every exception, KeyboardInterrupt included, in the commands it runs for us
(`nbgrader.utils.capture_log`): after such a call, `check()` raises the interruption it swallowed.
"""
from __future__ import annotations

import ctypes
import os
import signal
from typing import Callable

PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """The user stopped the command (SIGINT or SIGTERM). A KeyboardInterrupt, so that neither
    `except Exception` nor asyncio's callbacks swallow it."""

    def __init__(self, signum: int = signal.SIGINT, message: str = ""):
        super().__init__(message or "interrupted")
        self.signum = int(signum)
        self.message = message or "interrupted"

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_received: int | None = None


def _raise(signum, frame) -> None:
    global _received
    if _received is not None:  # already stopping
        return
    _received = signum
    raise Interrupted(signum)


def install() -> None:
    """In a command's main process, before it starts anything: SIGINT and SIGTERM raise
    `Interrupted` in the main thread (once)."""
    global _received
    _received = None
    signal.signal(signal.SIGINT, _raise)
    signal.signal(signal.SIGTERM, _raise)


def check() -> None:
    """Raise `Interrupted` if a signal came in while library code swallowed its exception."""
    if _received is not None:
        raise Interrupted(_received)


def as_worker(parent: int, stop: Callable[[], None]) -> None:
    """In a worker process started by `parent`: ignore SIGINT, run `stop()` and exit on
    SIGTERM, and get SIGTERM when `parent` dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum, frame):
        try:
            stop()
        finally:
            os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the main process still stops its workers itself
        return
    if os.getppid() != parent:  # the parent died before the death signal was asked for
        os.kill(os.getpid(), signal.SIGTERM)
