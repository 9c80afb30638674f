"""A local grading worker process: what it is given (`WorkerSettings`) and its entry points.

Light on purpose: a worker process is spawned, and it imports this module (and unpickles its
settings) before anything else. The first thing it does is start its fork server, which then
spends ~2 s importing torch, matplotlib and ipykernel while the worker itself imports nbgrader
and nbconvert and waits for the run's template gradebook: the three overlap instead of
following one another.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import lifecycle
from ..course import CELL_TIMEOUT
from ..sandbox.policy import Policy


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker of a run is given (picklable: it crosses to worker processes)."""
    assignments: list[str]
    cell_timeout: int = CELL_TIMEOUT
    policy: Policy = field(default_factory=Policy)
    template_db: str | None = None  # a gradebook with the assignments' cells, made once per run

    def wait_for_template(self, timeout: float = 600.0) -> Path | None:
        """The template gradebook, once the run has made it (it appears at once, by a rename);
        None where the run has none."""
        if not self.template_db:
            return None
        path, deadline = Path(self.template_db), time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the run's template gradebook {path} did not appear in {timeout:g} s")
            time.sleep(0.05)
        return path


_WORKER = None  # the Grader of this worker process (set by init_worker)
_SERVER = None  # its fork server while the Grader is being made


def _stop() -> None:
    if _WORKER is not None:
        _WORKER.close()
    elif _SERVER is not None:
        _SERVER.close()


def init_worker(work: str, settings: WorkerSettings, parent: int) -> None:
    global _WORKER, _SERVER
    lifecycle.as_worker(parent, stop=_stop)
    # A worker told to end returns from the pool's loop and exits through multiprocessing,
    # which runs this: the fork server ends and its folder in /tmp goes with it.
    from multiprocessing.util import Finalize
    Finalize(None, _stop, exitpriority=10)
    from ..sandbox.forkserver import early_server
    _SERVER = early_server(settings.policy)
    from .worker import Grader  # nbgrader, nbconvert, jupyter_client: while the server imports its own
    _WORKER = Grader(Path(work) / f"worker-{os.getpid()}", settings, server=_SERVER)
    _SERVER = None


def grade_in_worker(job):
    assert _WORKER is not None
    return _WORKER.grade(job)


def warm() -> int:
    return os.getpid()
