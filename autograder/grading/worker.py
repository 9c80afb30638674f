"""One grading worker: an nbgrader course folder of its own, and `grade(job)` for one student's
assignment.

The submission is *copied* into the worker's course before anything reads it, so the
submissions folder is never modified. nbgrader's own autograde and generate_feedback run on
the copy, with kernels started by the worker's `KernelLauncher` (sandboxed, forked from a warm
fork server). Whatever goes wrong with one submission (invalid JSON, a kernel that dies, a
timeout) becomes that row's `status`, and the batch goes on.
"""
from __future__ import annotations

import secrets
import shutil
import time
import warnings
from pathlib import Path

import nbformat

from ..course import SOLUTIONS, notebooks as course_notebooks
from ..nbgrader import gradebook
from ..nbgrader.autograde import SubmissionGrader
from ..nbgrader.config import course_config
from ..sandbox.kernels import KernelLauncher
from .crosscheck import SPECS, Reference, crosscheck, passed_in_kernel, review
from .feedback import ungraded_page
from .intake import unreadable
from .process import WorkerSettings
from .result import Job, Result, cell_row
from .status import Problem, Status, from_nbgrader_log, overall


class Grader:
    """An nbgrader course folder at `work`, owned by one process, ready to grade `settings.assignments`.
    Close it (or use it as a context manager) to stop its fork server."""

    def __init__(self, work: Path, settings: WorkerSettings, server=None):
        """`server`: this worker's fork server, already started (see process.py)."""
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        quiet_library_warnings()
        self.settings = settings
        self.work = Path(work).resolve()
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        self.db_url = f"sqlite:///{self.work}/gradebook.db"
        gradebook.scratch(self.db_url)  # the worker's own: the run's gradebook is made from the results
        gradebook.share_engines()
        template = settings.wait_for_template()
        gradebook.create(self.db_url, settings.assignments, template)
        c = course_config(self.work, cell_timeout=settings.cell_timeout)
        c.CourseDirectory.source_directory = str(SOLUTIONS)
        c.CourseDirectory.release_directory = str(self.work / "release")
        c.CourseDirectory.db_url = self.db_url
        coursedir = CourseDirectory(config=c)
        self.launcher = KernelLauncher(settings.policy, server)
        self.nbgrader = SubmissionGrader(NbGraderAPI(coursedir=coursedir, config=c), self.launcher)
        self.seed = secrets.randbits(32)  # hidden inputs of the crosscheck, new for every run
        self._said: set[str] = set()
        self._references: dict[tuple[str, str], Reference | None] = {}  # the crosscheck's, per notebook

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.launcher.close()

    def grade(self, job: Job) -> Result:
        clock, started = Clock(), time.time()
        try:
            res = self._grade(job, clock)
        except Exception as exc:  # the batch goes on; the row says why
            res = Result(job.student, job.assignment, Status.ERROR, f"{type(exc).__name__}: {exc}"[:500])
        res.timings, res.started = clock.phases, started
        res.notes = [n for n in self.launcher.notes if n not in self._said]
        self._said.update(res.notes)
        return res

    def _grade(self, job: Job, clock: "Clock") -> Result:
        res = Result(job.student, job.assignment)
        if job.assignment not in self.settings.assignments:
            res.status, res.detail = Status.UNKNOWN, f"{job.assignment} is not an assignment of this course"
            return res
        expected = [p.stem for p in course_notebooks(job.assignment)]
        dest = self.work / "submitted" / job.student / job.assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(job.path, dest, symlinks=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        problems, notices = self._intake(dest, expected)
        clock.lap("copy")
        log = self.nbgrader.autograde(job.assignment, job.student)
        clock.lap("autograde", within=self.nbgrader.phases)
        for nb in expected:
            out = self.work / "autograded" / job.student / job.assignment / f"{nb}.ipynb"
            if nb not in problems and not out.exists():
                problems[nb] = from_nbgrader_log(log, nb)
            elif out.exists():
                timed_out = _timed_out_cells(out)
                if timed_out:
                    problems[nb] = Problem(Status.TIMEOUT, f"{nb}.ipynb: cell(s) {', '.join(timed_out)} ran past "
                                                           f"the {self.settings.cell_timeout} s limit", tuple(timed_out))
        res.cells = self._cells(job, expected, problems)
        res.status, res.detail = overall(problems)
        res.detail = "; ".join(filter(None, [*notices, res.detail]))
        clock.lap("gradebook")
        res.review = self._crosscheck(job, expected, problems, res.cells)
        clock.lap("crosscheck")
        self._feedback(job, expected, problems, res)
        clock.lap("feedback")
        return res

    def _intake(self, dest: Path, expected: list[str]) -> tuple[dict[str, Problem], list[str]]:
        """The problems of the submitted notebooks (missing, unreadable), and notices for the
        row. A notebook saved under another name (`02_RNN (1).ipynb`) is graded as the expected
        one when it is the only candidate; the worker's copy is renamed, never the submission."""
        problems, notices = {}, []
        found = sorted(p.name for p in dest.glob("*.ipynb"))
        strays = [name for name in found if name[: -len(".ipynb")] not in expected]
        for nb in expected:
            path = dest / f"{nb}.ipynb"
            if not path.is_file():
                missing = [e for e in expected if not (dest / f"{e}.ipynb").is_file()]
                if len(missing) == 1 and len(strays) == 1:
                    (dest / strays[0]).rename(path)
                    notices.append(f"graded {strays[0]} as {nb}.ipynb (the name the assignment expects)")
                else:
                    listing = ", ".join(found) if found else "no notebook"
                    problems[nb] = Problem(Status.MISSING, f"{nb}.ipynb not found (the submission has: {listing})")
                    continue
            reason = unreadable(path)
            if reason:
                problems[nb] = Problem(Status.INVALID, f"{nb}.ipynb: {reason}")
                path.unlink()  # nbgrader then scores it as missing (0), the others are graded
        return problems, notices

    def _cells(self, job: Job, expected: list[str], problems: dict[str, Problem]) -> list[dict]:
        cells = []
        for nb in expected:
            scores = gradebook.submission_scores(self.db_url, job.assignment, job.student, nb)
            if scores is None:
                cells += [cell_row(job, nb, gid, None, mx, manual)
                          for gid, mx, manual in gradebook.notebook_cells(self.db_url, job.assignment, nb)]
                continue
            counts = nb not in problems or problems[nb].scored
            for gid, score, mx, manual in scores:
                cells.append(cell_row(job, nb, gid, score if (manual or counts) else 0.0, mx, manual))
        return sorted(cells, key=lambda c: (c["notebook"], c["grade_id"]))

    def _reference(self, assignment: str, nb: str) -> Reference | None:
        key = (assignment, nb)
        if key not in self._references:
            solution = nbformat.read(str(SOLUTIONS / assignment / f"{nb}.ipynb"), as_version=4)
            self._references[key] = Reference.of(assignment, solution, self.seed)
        return self._references[key]

    def _crosscheck(self, job: Job, expected: list[str], problems: dict[str, Problem], cells: list[dict]) -> str:
        if job.assignment not in SPECS:
            return ""
        flags = []
        for nb in expected:
            if nb in problems and not problems[nb].scored:
                continue
            sub = self.work / "submitted" / job.student / job.assignment / f"{nb}.ipynb"
            try:
                ref = self._reference(job.assignment, nb)
                if ref is None or not passed_in_kernel(ref, cells, nb):
                    continue  # nothing it could flag
                if nb in problems and ref.solution_ids & set(problems[nb].timed_out):
                    continue  # the student's own code ran past the time limit: it would again, outside too
                found = crosscheck(ref, nbformat.read(str(sub), as_version=4), launcher=self.launcher)
            except Exception as exc:  # the crosscheck must never cost a row
                flags.append(f"crosscheck could not run: {type(exc).__name__}: {exc}"[:200])
                continue
            flags += review(found, ref, cells, nb)
        return "; ".join(flags)

    def _feedback(self, job: Job, expected: list[str], problems: dict[str, Problem], res: Result) -> None:
        from .feedback import name_dead_cells
        res.detail = name_dead_cells(problems, self.nbgrader.dead_cells, res.detail)  # which cell killed the kernel
        log = self.nbgrader.feedback(job.assignment, job.student)
        for nb in expected:
            page = self.work / "feedback" / job.student / job.assignment / f"{nb}.html"
            if not page.exists() or (nb in problems and not problems[nb].scored):
                page.parent.mkdir(parents=True, exist_ok=True)
                problem = problems.get(nb) or Problem(Status.ERROR, "feedback could not be generated: "
                                                      + (log.get("error") or "")[-300:])
                page.write_text(ungraded_page(job.assignment, nb, problem.status.value, problem.detail,
                                              folders={str(self.work): "<grader>"}))
            res.feedback[nb] = str(page)
            graded_nb = self.work / "autograded" / job.student / job.assignment / f"{nb}.ipynb"
            if graded_nb.exists():
                res.autograded[nb] = str(graded_nb)


class Clock:
    """Seconds spent in each phase of grading one submission (`lap(phase)` ends a phase)."""

    def __init__(self):
        self.phases: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str, within: dict[str, float] | None = None) -> None:
        """End `phase`; `within`: the seconds of its parts measured inside it (e.g. kernel start,
        execute, kernel stop of nbgrader's autograde), recorded as phases of their own, the
        rest as `phase`."""
        now = time.perf_counter()
        rest = now - self._last
        for part, seconds in (within or {}).items():
            self.phases[part] = round(self.phases.get(part, 0.0) + seconds, 4)
            rest -= seconds
        self.phases[phase] = round(self.phases.get(phase, 0.0) + max(0.0, rest), 4)
        self._last = now


def quiet_library_warnings() -> None:
    """nbgrader's gradebook (SQLAlchemy) and nbformat warn about their own internals; an
    instructor cannot act on those, so they stay out of the grading output."""
    warnings.filterwarnings("ignore", module=r"nbgrader\..*")
    warnings.filterwarnings("ignore", module=r"nbformat\..*")
    try:
        from sqlalchemy.exc import SAWarning
        warnings.filterwarnings("ignore", category=SAWarning)
    except ImportError:
        pass


def _timed_out_cells(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    hits = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                hits.append(cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{i}")
    return hits
