"""Where the submissions of a run are graded, behind one interface: `dispatch(todo, done)`.

- `Serial`: in this process (one worker);
- `LocalPool`: worker processes on this machine, each a `Grader` with its own course folder
  and fork server;
- `OnDask`: the tasks of an existing Dask cluster; a submission travels as bytes, and so do its
  feedback page and autograded notebook back, so workers need no shared filesystem.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from ..course import CourseError
from .feedback import FEEDBACK_META
from .result import Job, Result
from .status import Status
from .worker import Grader, WorkerSettings

Done = Callable[[Result], None]


class Serial:
    def __init__(self, work: Path, settings: WorkerSettings):
        self.work, self.settings = work, settings

    def dispatch(self, todo: list[Job], done: Done) -> None:
        with Grader(self.work / "worker-0", self.settings) as grader:
            for job in todo:
                done(grader.grade(job))


# --------------------------------------------------------------------------- worker processes

_WORKER: Grader | None = None  # the Grader of this worker process (set by _init_worker)


def _init_worker(work: str, settings: WorkerSettings) -> None:
    global _WORKER
    _WORKER = Grader(Path(work) / f"worker-{os.getpid()}", settings)


def _grade_in_worker(job: Job) -> Result:
    assert _WORKER is not None
    return _WORKER.grade(job)


class LocalPool:
    def __init__(self, work: Path, settings: WorkerSettings, workers: int):
        self.work, self.settings, self.workers = work, settings, workers

    def dispatch(self, todo: list[Job], done: Done) -> None:
        ctx = get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(str(self.work), self.settings)) as pool:
            futures = {pool.submit(_grade_in_worker, job): job for job in todo}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    done(fut.result())
                except Exception as exc:  # a worker process itself died
                    done(Result(job.student, job.assignment, Status.ERROR, f"grading worker failed: {exc}"[:500]))


# --------------------------------------------------------------------------- Dask

_DASK_GRADERS: dict = {}  # the Graders of this Dask worker process, by settings


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def dask_task(student: str, assignment: str, files: dict[str, bytes], settings: WorkerSettings) -> tuple[dict, dict[str, bytes]]:
    """Grade one submission on a Dask worker (which has this course installed)."""
    key = repr(settings)
    if key not in _DASK_GRADERS:
        work = Path(tempfile.gettempdir()) / f"lstm-course-dask-{os.getpid()}-{len(_DASK_GRADERS)}"
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
    def __init__(self, address: str, settings: WorkerSettings, out: Path):
        # the template gradebook is a file of this machine: a Dask worker makes its own
        self.address, self.settings, self.out = address, dataclasses.replace(settings, template_db=None), out

    def dispatch(self, todo: list[Job], done: Done) -> None:
        try:
            from distributed import Client, as_completed as dask_completed
        except ImportError:
            raise CourseError("--dask needs the `distributed` package: pip install 'lstm-course[scale]'")
        try:
            client = Client(self.address, timeout=30)
        except OSError as exc:
            raise CourseError(f"cannot reach the Dask scheduler at {self.address}: {exc}")
        with client:
            futures = {client.submit(dask_task, job.student, job.assignment, _read_tree(Path(job.path)), self.settings,
                                     pure=False): job for job in todo}
            for fut in dask_completed(futures):
                job = futures[fut]
                try:
                    done(_land(self.out, *fut.result()))
                except Exception as exc:  # a Dask worker died or the task failed
                    done(Result(job.student, job.assignment, Status.ERROR, f"grading on Dask failed: {exc}"[:500]))
