"""`lstm-course grade`: grade a folder of submissions with nbgrader, losing none of them.

    find (intake.py) -> resume (journal.py) -> dispatch to workers (dispatch.py, worker.py)
    -> write (outputs.py: grades.csv, cells.csv; nbgrader/gradebook.py: the gradebook;
       feedback.py: the pages; summary.py)

Layout read: SUBMITTED_DIR/<student_id>/<assignment>/<notebook>.ipynb (nbgrader's submitted/).
Written:     OUT_DIR/grades.csv, cells.csv, feedback/<student>/<assignment>/<nb>.html,
             autograded/, gradebook.db, export.csv, summary/, and the workers' own course
             folders in OUT_DIR/.work/.
"""
from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..course import CELL_TIMEOUT, SOLUTIONS, CourseError, assignments as course_assignments
from ..nbgrader import gradebook
from ..nbgrader.generate import generate_release
from ..sandbox.policy import INSTALL_HINT, Policy, available
from . import feedback
from .dispatch import LocalPool, OnDask, Serial
from .intake import discover
from .journal import Journal, folder_hash
from .outputs import write_course_config, write_grades
from .result import Job, Result
from .summary import summarise
from .worker import WorkerSettings


@dataclass
class Run:
    """What `grade()` did: the grades.csv rows, and how many submissions it graded now or
    kept from an earlier, interrupted run of the same command."""
    rows: list[dict]
    graded: int = 0
    resumed: int = 0
    notes: list[str] = field(default_factory=list)


def grade(submitted: Path, out: Path, *, workers: int | None = None, only: list[str] | None = None,
          cell_timeout: int = CELL_TIMEOUT, progress: bool = True, policy: Policy | None = None,
          db_url: str | None = None, dask: str | None = None) -> Run:
    """Grade every submission under `submitted` into `out`.

    `policy` says how student code runs (default: sandboxed, kernels forked from a fork
    server); a sandboxed policy where bubblewrap does not work is refused (CourseError)."""
    policy = policy or Policy()
    submitted, out = Path(submitted).resolve(), Path(out).resolve()
    jobs = discover(submitted, only)
    if out == submitted or submitted in out.parents:
        raise CourseError(f"--out {out} is inside the submissions folder; choose a folder outside it")
    if policy.sandbox:
        why = available()
        if why:
            raise CourseError(f"{why}. {INSTALL_HINT}")
    else:
        print("WARNING: grading WITHOUT a sandbox (--no-sandbox): student code runs with your permissions, "
              "can read your files and reach the network.", file=sys.stderr)
    known = course_assignments()
    needed = sorted({j.assignment for j in jobs} & set(known)) or known[:1]  # a worker needs a course
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".work"
    work.mkdir(parents=True, exist_ok=True)

    # The assignments' cells go into a gradebook once; workers and the final gradebook copy it.
    template = work / "template.db"
    template.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="lstm-course-template-") as tmp:
        generate_release(Path(tmp) / "release", needed, db_url=f"sqlite:///{template}")

    # Resumable: every finished submission is journaled at once (its feedback copied into
    # OUT_DIR); a rerun after a crash or Ctrl-C keeps those whose files have not changed.
    journal = Journal(out / ".journal.jsonl")
    results, todo, digests = _resume(journal, jobs, needed)
    if results and progress:
        print(f"resuming: {len(results)} of {len(jobs)} submissions were graded before in {out} "
              f"and are unchanged; grading the other {len(todo)}", file=sys.stderr)
    run = Run(rows=[], resumed=len(results))
    students = sorted({j.student for j in todo})
    left = {s: sum(j.student == s for j in todo) for s in students}
    bar = _progress(len(students), progress)

    def done(r: Result) -> None:
        r = feedback.keep(out, r)
        journal.append(digests[(r.student, r.assignment)], r)
        results.append(r)
        run.graded += 1
        for note in r.notes:
            if note not in run.notes:
                run.notes.append(note)
                bar.write(f"lstm-course: {note}", file=sys.stderr)
        left[r.student] -= 1
        if left[r.student] == 0:
            bar.update(1)

    settings = WorkerSettings(needed, cell_timeout, policy, str(template))
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    if todo:
        if dask:
            dispatcher = OnDask(dask, settings, out)
        elif workers == 1:
            dispatcher = Serial(work, settings)
        else:
            dispatcher = LocalPool(work, settings, workers)
        dispatcher.dispatch(todo, done)
    bar.close()

    run.rows = write_grades(out, results)
    db_url = db_url or f"sqlite:///{out}/gradebook.db"
    gradebook.merge(db_url, results, needed, template)
    write_course_config(out, db_url, submitted)
    gradebook.export_csv(db_url, out / "export.csv")
    summarise(out)
    return run


def _resume(journal: Journal, jobs: list[Job], needed: list[str]):
    """The results kept from the journal (same submission, same assignment source), the jobs
    still to grade, and the digest of each."""
    previous = journal.load()
    sources = {a: folder_hash(SOLUTIONS / a) for a in needed}
    results, todo, digests = [], [], {}
    for job in jobs:
        digest = folder_hash(Path(job.path)) + ":" + sources.get(job.assignment, "")
        old = previous.get((job.student, job.assignment))
        if old and old[0] == digest and all(Path(f).exists() for f in old[1].feedback.values()):
            results.append(old[1])
        else:
            todo.append(job)
            digests[(job.student, job.assignment)] = digest
    return results, todo, digests


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="grading", unit="student", disable=not enabled, file=sys.stderr)
