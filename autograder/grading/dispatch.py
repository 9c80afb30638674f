"""Where the submissions of a run are graded, behind one interface: `dispatch(todo, done)`.

- `LocalPool`: worker processes on this machine (one or more), each a `Grader` with its own
  course folder and fork server; the main process only dispatches, so a Ctrl-C or SIGTERM
  reaches it alone and it stops the workers (lifecycle.py);
- `OnDask`: the tasks of an existing Dask cluster; a submission travels as bytes, and so do its
  feedback page and autograded notebook back, so workers need no shared filesystem.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import shutil
import signal
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from .. import lifecycle
from ..course import CourseError
from .feedback import FEEDBACK_META
from .result import Job, Result
from .status import Status
from .process import WorkerSettings, grade_in_worker, init_worker, warm as warm_worker

Done = Callable[[Result], None]


# --------------------------------------------------------------------------- worker processes

class LocalPool:
    """`workers` grading processes on this machine. `dispatch` grades a batch; the grading
    service keeps one running (`start`, `submit`, `stop`)."""

    def __init__(self, work: Path, settings: WorkerSettings, workers: int):
        self.work, self.settings, self.workers = work, settings, workers
        self.pool: ProcessPoolExecutor | None = None
        self._ending: list = []  # the worker processes, once told to end (`end`)

    def start(self, warm: bool = False, wait: bool = True) -> "LocalPool":
        """Start the pool (once) and its workers; `warm`: wait until every worker runs (its
        fork server started), or with `wait=False` only start them, to be ready sooner."""
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=init_worker,
                                            initargs=(str(self.work), self.settings, os.getpid()))
        if warm:
            with _sigint_ignored():
                pids = [self.pool.submit(warm_worker) for _ in range(self.workers)]
            if wait:
                for f in pids:
                    f.result()
        return self

    def submit(self, job: Job) -> Future:
        assert self.pool is not None
        with _sigint_ignored():  # a worker started now starts with it ignored: Ctrl-C is the main process's
            return self.pool.submit(grade_in_worker, job)

    def stop(self) -> None:
        """Stop every worker now (each stops its kernels and fork server first)."""
        if self.pool is not None:
            _stop_workers(self.pool, self._ending)
            self.pool, self._ending = None, []

    def close(self) -> None:
        """Let the workers finish what they were given, then end."""
        self.end()
        self.join()

    def end(self) -> None:
        """The workers have been given all their work: they end on their own once it is done,
        while the caller goes on; `join()` waits for them, `stop()` still stops them.
        (ProcessPoolExecutor forgets its processes at a shutdown that does not wait, and a
        second shutdown waits for nothing: the processes are kept here.)"""
        if self.pool is not None and not self._ending:
            self._ending = list((self.pool._processes or {}).values())
            self.pool.shutdown(wait=False)

    def join(self) -> None:
        """Wait until every worker has ended (after `end()`)."""
        for p in self._ending:
            p.join()
        self.pool, self._ending = None, []

    def outcome(self, fut: Future, job: Job) -> Result:
        """The Result of a finished grading future; a row saying why when its worker itself failed."""
        try:
            return fut.result()
        except Exception as exc:  # a worker process died, or the task could not run
            return Result(job.student, job.assignment, Status.ERROR, f"grading worker failed: {exc}"[:500])

    def dispatch(self, todo: list[Job], done: Done) -> None:
        self.start()
        try:
            futures = {self.submit(job): job for job in todo}
            for fut in as_completed(futures):
                done(self.outcome(fut, futures[fut]))
        except BaseException:
            self.stop()
            raise
        self.end()  # the workers end meanwhile; the caller joins them


@contextlib.contextmanager
def _sigint_ignored():
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _stop_workers(pool: ProcessPoolExecutor, ending: list, grace_s: float = 8.0) -> None:
    """SIGTERM to every worker (each stops its kernels and fork server, then exits); SIGKILL
    to any still there after `grace_s`. `ending`: the workers of a pool already told to end
    (which no longer lists them). (ProcessPoolExecutor has no public way to stop busy
    workers before Python 3.14's terminate_workers(), hence its `_processes`.)"""
    procs = list((pool._processes or {}).values()) or ending
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            p.terminate()
    deadline = time.monotonic() + grace_s
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.exitcode is None:
            with contextlib.suppress(OSError, ValueError):
                p.kill()
            p.join(2)
    pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- Dask

_DASK_GRADERS: dict = {}  # the Graders of this Dask worker process, by settings
_DASK_SERIAL = itertools.count()  # each Grader's folder a new name (one stopped frees its key, not its name)


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def _stop_dask_graders(key: str) -> None:
    """On a Dask worker: stop the kernels and fork server of one run's grader (the run was
    interrupted) and remove its folder; the graders of other runs on the same cluster go on."""
    grader = _DASK_GRADERS.pop(key, None)
    if grader is not None:
        grader.close()
        shutil.rmtree(grader.work, ignore_errors=True)


def _stop_all_dask_graders() -> None:
    """When the Dask worker process ends: its graders' fork servers and folders go with it."""
    for key in list(_DASK_GRADERS):
        with contextlib.suppress(Exception):
            _stop_dask_graders(key)


def dask_task(student: str, assignment: str, files: dict[str, bytes], settings: WorkerSettings) -> tuple[dict, dict[str, bytes]]:
    """Grade one submission on a Dask worker (which has this course installed)."""
    from .worker import Grader
    key = repr(settings)
    if key not in _DASK_GRADERS:
        if not _DASK_GRADERS:  # the first of this process (a Dask worker exits through multiprocessing)
            from multiprocessing.util import Finalize
            Finalize(None, _stop_all_dask_graders, exitpriority=10)
        work = Path(tempfile.gettempdir()) / f"lstm-course-dask-{os.getpid()}-{next(_DASK_SERIAL)}"
        _DASK_GRADERS[key] = Grader(work, settings)
    grader = _DASK_GRADERS[key]
    with tempfile.TemporaryDirectory(prefix="lstm-course-task-") as tmp:
        folder = Path(tmp) / student / assignment
        for rel, data in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        folder.mkdir(parents=True, exist_ok=True)
        r = grader.grade(Job(student, assignment, str(folder)))
    back = {f"feedback/{nb}": Path(p).read_bytes() for nb, p in r.feedback.items()}
    back.update({f"autograded/{nb}": Path(p).read_bytes() for nb, p in r.autograded.items()})
    for p in list(r.feedback.values())[:1]:
        back.update({f"meta/{m}": (Path(p).parent / m).read_bytes() for m in FEEDBACK_META if (Path(p).parent / m).exists()})
    return r.to_dict(), back


def _land(out: Path, rdict: dict, files: dict[str, bytes]) -> Result:
    """A Dask task's result, its files written under OUT_DIR."""
    r = Result.from_dict(rdict)
    r.feedback, r.autograded = {}, {}
    for key, data in files.items():
        kind, nb = key.split("/", 1)
        if kind == "meta":
            dst = out / "feedback" / r.student / r.assignment / nb
        else:
            dst = out / kind / r.student / r.assignment / (nb + (".html" if kind == "feedback" else ".ipynb"))
            getattr(r, kind)[nb] = str(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
    return r


class OnDask:
    """The tasks of an existing Dask cluster, with the same interface as LocalPool."""

    def __init__(self, address: str, settings: WorkerSettings, out: Path, workers: int = 0):
        # the template gradebook is a file of this machine: a Dask worker makes its own
        self.address, self.settings, self.out = address, dataclasses.replace(settings, template_db=None), out
        self.client = None
        self.futures: set = set()
        self.workers = workers

    def start(self, warm: bool = False) -> "OnDask":
        try:
            from distributed import Client
        except ImportError:
            raise CourseError("--dask needs the `distributed` package: pip install 'lstm-course[scale]'")
        try:
            self.client = Client(self.address, timeout=30)
        except OSError as exc:
            raise CourseError(f"cannot reach the Dask scheduler at {self.address}: {exc}")
        if not self.workers:
            self.workers = max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))
        return self

    def submit(self, job: Job):
        fut = self.client.submit(dask_task, job.student, job.assignment, _read_tree(Path(job.path)), self.settings,
                                 pure=False)
        self.futures.add(fut)
        return fut

    def outcome(self, fut, job: Job) -> Result:
        self.futures.discard(fut)
        try:
            return _land(self.out, *fut.result())
        except Exception as exc:  # a Dask worker died or the task failed
            return Result(job.student, job.assignment, Status.ERROR, f"grading on Dask failed: {exc}"[:500])

    def stop(self) -> None:
        """Nothing of this run keeps running on the cluster: its tasks cancelled, the kernels
        and fork servers of its graders on every Dask worker stopped."""
        if self.client is not None:
            self.client.cancel(list(self.futures))
            with contextlib.suppress(Exception):
                self.client.run(_stop_dask_graders, repr(self.settings), wait=False)
            self.close()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def join(self) -> None:
        """Nothing to wait for: the cluster's workers are not this run's."""

    def dispatch(self, todo: list[Job], done: Done) -> None:
        from distributed import as_completed as dask_completed
        self.start()
        try:
            futures = {self.submit(job): job for job in todo}
            for fut in dask_completed(futures):
                done(self.outcome(fut, futures[fut]))
        except BaseException:
            self.stop()
            raise
        self.close()
