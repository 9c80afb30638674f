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
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import lifecycle
from ..course import CELL_TIMEOUT, SOLUTIONS, CourseError, assignments as course_assignments
from ..lifecycle import Interrupted
from ..nbgrader import gradebook
from ..nbgrader.generate import generate_release
from ..sandbox.policy import INSTALL_HINT, Policy, available
from . import feedback
from .dispatch import LocalPool, OnDask
from .intake import check_out, discover, mark_out
from .journal import Journal, folder_hash
from .outputs import write_course_config, write_grades, write_timings
from .result import Job, Result
from .summary import summarise
from .process import WorkerSettings


@dataclass
class Run:
    """What `grade()` did: the grades.csv rows, and how many submissions it graded now or
    kept from an earlier, interrupted run of the same command."""
    rows: list[dict]
    graded: int = 0
    resumed: int = 0
    notes: list[str] = field(default_factory=list)


def grade(submitted: Path, out: Path, *, workers: int | None = None, only: list[str] | None = None,
          students: list[str] | None = None, cell_timeout: int = CELL_TIMEOUT, progress: bool = True,
          policy: Policy | None = None, db_url: str | None = None, dask: str | None = None,
          fresh: bool = False) -> Run:
    """Grade every submission under `submitted` into `out` (or, with `students`, regrade those
    students and keep everyone else's earlier results).

    `policy` says how student code runs (default: sandboxed, kernels forked from a fork
    server); a sandboxed policy where bubblewrap does not work is refused (CourseError).
    `out` must be new, empty, or hold this same run (which is then resumed); `fresh`
    replaces another run's grades there. Stopped by Ctrl-C or SIGTERM, it stops everything it
    started and raises `Interrupted`, saying how far it got."""
    policy = policy or Policy()
    submitted, out = Path(submitted).resolve(), Path(out).resolve()
    jobs = discover(submitted, only, students)
    check_out(out, submitted, fresh)
    if policy.sandbox:
        why = available()
        if why:
            raise CourseError(f"{why}. {INSTALL_HINT}")
    known = course_assignments()
    needed = sorted({j.assignment for j in jobs} & set(known)) or known[:1]  # a worker needs a course
    out.mkdir(parents=True, exist_ok=True)
    mark_out(out, submitted)
    work = out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    journal = Journal(out / ".journal.jsonl")
    results: list[Result] = []
    # the assignments' cells in a gradebook, made once; the workers and the final gradebook copy it
    template = work / "template.db"
    template.unlink(missing_ok=True)
    dispatcher = None
    try:
        try:
            # Resumable: every finished submission is journaled at once (its feedback copied into
            # OUT_DIR); a rerun after a crash or Ctrl-C keeps those whose files have not changed.
            kept, todo, digests = _resume(journal, jobs, needed, set(students) if students else None)
            results += kept
            if kept:
                print(f"resuming: {len(kept)} of {len(jobs)} submissions were graded before in {out}"
                      + (" and are unchanged" if not students else "") + f"; grading {len(todo)}", file=sys.stderr)
            run = Run(rows=[], resumed=len(kept))
            settings = WorkerSettings(needed, cell_timeout, policy, str(template))
            if todo:  # the workers start now and get ready (fork servers, imports) while the template is made
                n = max(1, min(workers or os.cpu_count() or 1, len(todo)))
                dispatcher = OnDask(dask, settings, out) if dask else LocalPool(work, settings, n).start(warm=True, wait=False)
            with tempfile.TemporaryDirectory(prefix="lstm-course-template-") as tmp:
                part = work / "template.db.part"
                part.unlink(missing_ok=True)
                generate_release(Path(tmp) / "release", needed, db_url=f"sqlite:///{part}")
                part.rename(template)  # at once: a worker waiting for it never reads half a gradebook

            _dispatch(todo, out, journal, digests, results, run, dispatcher, progress)

            db_url = db_url or f"sqlite:///{out}/gradebook.db"
            gradebook.merge(db_url, results, needed, template)  # first: it gives the results the hand-given points
            run.rows = write_grades(out, results)
            write_timings(out, results)
            write_course_config(out, db_url, submitted)
            gradebook.export_csv(db_url, out / "export.csv")
            summarise(out, known)
            if dispatcher is not None:
                dispatcher.join()  # the workers, ending since the last result came, have ended
            return run
        except BaseException:
            if dispatcher is not None:
                dispatcher.stop()
            raise
    except Interrupted as stop:
        done = len({(r.student, r.assignment) for r in results} | set(journal.load()))
        raise Interrupted(stop.signum, f"interrupted: {min(done, len(jobs))} of {len(jobs)} graded; "
                                       f"run the same command again to resume")


def _dispatch(todo: list[Job], out: Path, journal: Journal, digests: dict, results: list[Result], run: Run,
              dispatcher, progress: bool) -> None:
    """Grade `todo` on the workers; each result, as it comes, has its feedback copied into
    OUT_DIR and is journaled."""
    students = sorted({j.student for j in todo})
    left = {s: sum(j.student == s for j in todo) for s in students}
    bar = _progress(len(students), progress)

    dispatched = time.time()

    def done(r: Result) -> None:
        lifecycle.check()
        start = time.perf_counter()
        if r.started:
            r.timings["queue"] = round(max(0.0, r.started - dispatched), 4)
        r = feedback.keep(out, r)
        r.timings["write"] = round(time.perf_counter() - start, 4)
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

    try:
        if todo:
            dispatcher.dispatch(todo, done)
    finally:
        bar.close()


def _resume(journal: Journal, jobs: list[Job], needed: list[str], regrade: set[str] | None):
    """The results kept from the journal, the jobs to grade, and the digest of each. Kept: the
    same submission of the same assignment source; with `regrade` (student ids), every
    earlier result of the others, and none of those students'."""
    previous = journal.load()
    sources = {a: folder_hash(SOLUTIONS / a) for a in needed}
    results, todo, digests = [], [], {}
    for job in jobs:
        old = previous.get((job.student, job.assignment))
        usable = old is not None and all(Path(f).exists() for f in old[1].feedback.values())
        if regrade is not None and job.student not in regrade:
            if usable:
                results.append(old[1])
            continue
        digest = folder_hash(Path(job.path)) + ":" + sources.get(job.assignment, "")
        if regrade is None and usable and old[0] == digest:
            results.append(old[1])
        else:
            todo.append(job)
            digests[(job.student, job.assignment)] = digest
    return results, todo, digests


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="grading", unit="student", disable=not enabled, file=sys.stderr)
