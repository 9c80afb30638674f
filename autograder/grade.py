"""`lstm-course grade`: grade a folder of submissions with nbgrader, losing none of them.

Layout read: SUBMITTED_DIR/<student_id>/<assignment>/<notebook>.ipynb (nbgrader's submitted/).
Written:     OUT_DIR/grades.csv, OUT_DIR/cells.csv, OUT_DIR/feedback/<student>/<assignment>/<nb>.html,
             and nbgrader's own working course (gradebooks, autograded copies) in OUT_DIR/.work/.

Each worker process owns an nbgrader course folder (its own sqlite gradebook, generated from
solutions/ once) and grades whole (student, assignment) submissions with nbgrader's own
`autograde` and `generate_feedback`. The submission is *copied* into the worker's course before
anything reads it, so SUBMITTED_DIR is never modified. Whatever goes wrong with one
submission (invalid JSON, a kernel that dies, a timeout) becomes that row's `status`, and the
batch goes on.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import functools
import html
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from .config import SOLUTIONS, course_config, ensure_venv_on_path, CELL_TIMEOUT
from .course import CourseError, assignments as course_assignments, check_assignments, notebooks as course_notebooks

GRADES_COLUMNS = ["student_id", "assignment", "score", "max_score", "auto_score", "auto_max_score",
                  "needs_manual_grade", "status", "detail", "review"]
CELLS_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "kind", "score", "max_score"]

GRADED = "graded"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel died"
INVALID = "invalid notebook"
MISSING = "missing notebook"
UNKNOWN = "unknown assignment"
ERROR = "grader error"


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    path: str  # SUBMITTED_DIR/<student>/<assignment>


@dataclass
class Result:
    student: str
    assignment: str
    status: str = GRADED
    detail: str = ""
    cells: list[dict] = field(default_factory=list)
    review: str = ""  # set when the out-of-kernel crosscheck disagrees with passing in-kernel tests
    feedback: dict[str, str] = field(default_factory=dict)  # notebook -> html file (in the worker's course)
    autograded: dict[str, str] = field(default_factory=dict)  # notebook -> nbgrader's autograded .ipynb

    def totals(self) -> dict:
        auto = [c for c in self.cells if c["kind"] == "auto"]
        manual = [c for c in self.cells if c["kind"] == "manual"]
        score = sum(c["score"] or 0.0 for c in self.cells)
        return {
            "student_id": self.student, "assignment": self.assignment,
            "score": _num(score), "max_score": _num(sum(c["max_score"] for c in self.cells)),
            "auto_score": _num(sum(c["score"] or 0.0 for c in auto)),
            "auto_max_score": _num(sum(c["max_score"] for c in auto)),
            "needs_manual_grade": any(c["score"] is None for c in manual) and self.status in (GRADED, TIMEOUT),
            "status": self.status, "detail": self.detail, "review": self.review,
        }


def _num(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


# --------------------------------------------------------------------------- discovery

def discover(submitted: Path, only: list[str] | None = None) -> list[Job]:
    """Every SUBMITTED_DIR/<student>/<assignment>/ folder, as jobs (sorted)."""
    submitted = Path(submitted)
    if not submitted.exists():
        raise CourseError(f"submissions folder not found: {submitted}")
    if not submitted.is_dir():
        raise CourseError(f"not a folder: {submitted}")
    only = check_assignments(only) if only else None
    jobs = []
    for student in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for adir in sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if only is None or adir.name in only:
                jobs.append(Job(student.name, adir.name, str(adir)))
    if not jobs:
        wanted = f" for {', '.join(only)}" if only else ""
        raise CourseError(f"no submissions{wanted} in {submitted} "
                          f"(expected {submitted}/<student_id>/<assignment>/<notebook>.ipynb)")
    return jobs


# --------------------------------------------------------------------------- one worker

class Grader:
    """An nbgrader course folder owned by one process, ready to grade `assignments`."""

    def __init__(self, work: Path, assignments: list[str], cell_timeout: int = CELL_TIMEOUT, sandbox: bool = True,
                 template_db: str | None = None, prestart: bool = False):
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        from .build import generate_release

        ensure_venv_on_path()
        quiet_library_warnings()
        os.environ["LSTM_COURSE_MODE"] = "grading"  # kernels inherit it: small training budgets
        os.environ.setdefault("MPLBACKEND", "Agg")
        os.environ.pop("LSTM_COURSE_RESULTS", None)
        self.work = Path(work).resolve()
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        self.db_url = f"sqlite:///{self.work}/gradebook.db"
        if template_db and Path(template_db).exists():  # the assignments' cells, made once for all workers
            shutil.copyfile(template_db, self.work / "gradebook.db")
        else:
            generate_release(self.work / "release", assignments, db_url=self.db_url)
        c = course_config(self.work, cell_timeout=cell_timeout, sandbox=sandbox)
        c.CourseDirectory.source_directory = str(SOLUTIONS)
        c.CourseDirectory.release_directory = str(self.work / "release")
        c.CourseDirectory.db_url = self.db_url
        self.coursedir = CourseDirectory(config=c)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=c)
        self.assignments = set(assignments)
        self.cell_timeout = cell_timeout
        self.sandbox = sandbox
        import secrets
        self.seed = secrets.randbits(32)  # hidden inputs of the crosscheck, new for every run
        from .sandbox import ForkServer, KernelPool, use_fork_server
        # one process = one worker: its kernels are forked from a server that has imported
        # numpy, torch, lstmlib... once; else (or if it cannot start) the next kernel may start
        # ahead while one runs (the pool)
        if not (use_fork_server() and ForkServer.enable(sandbox)) and prestart and sandbox:
            KernelPool.enable(c)

    def grade(self, job: Job) -> Result:
        try:
            return self._grade(job)
        except Exception as exc:  # the batch goes on; the row says why
            return Result(job.student, job.assignment, ERROR, f"{type(exc).__name__}: {exc}"[:500])

    def _crosscheck(self, job: Job, expected: list[str], problems: dict, cells: list[dict]) -> str:
        from .crosscheck import SPECS, crosscheck
        from .integrity import function_test_cells
        if job.assignment not in SPECS:
            return ""
        flags = []
        for nb in expected:
            if nb in problems and problems[nb][0] != TIMEOUT:
                continue
            src = SOLUTIONS / job.assignment / f"{nb}.ipynb"
            sub = self.work / "submitted" / job.student / job.assignment / f"{nb}.ipynb"
            try:
                solution_nb, submitted_nb = nbformat.read(str(src), as_version=4), nbformat.read(str(sub), as_version=4)
                found = crosscheck(job.assignment, submitted_nb, solution_nb, seed=self.seed, sandbox=self.sandbox)
            except Exception as exc:  # the crosscheck must never cost a row
                flags.append(f"crosscheck could not run: {type(exc).__name__}: {exc}"[:200])
                continue
            flags += _review(found, function_test_cells(solution_nb), cells, nb)
        return "; ".join(flags)

    def _feedback(self, assignment: str, student: str) -> dict:
        """nbgrader's `generate_feedback` for one student (NbGraderAPI.generate_feedback's
        steps), with one HTML exporter kept for the worker's life: its templates are compiled
        once instead of once per student."""
        from nbgrader.utils import capture_log, temp_attrs
        from traitlets.config import Config
        c = Config()
        c.HTMLExporter.template_name = "feedback"
        with temp_attrs(self.coursedir, assignment_id=assignment, student_id=student):
            app = _feedback_class()(coursedir=self.coursedir, parent=self.api)
            app.update_config(c)
            app.force = True
            return capture_log(app)

    def _grade(self, job: Job) -> Result:
        from nbgrader.api import Gradebook, MissingEntry

        res = Result(job.student, job.assignment)
        if job.assignment not in self.assignments:
            res.status, res.detail = UNKNOWN, f"{job.assignment} is not an assignment of this course"
            return res
        expected = [p.stem for p in course_notebooks(job.assignment)]
        dest = self.work / "submitted" / job.student / job.assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(job.path, dest, symlinks=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        problems: dict[str, tuple[str, str]] = {}
        for nb in expected:
            path = dest / f"{nb}.ipynb"
            if not path.is_file():
                problems[nb] = (MISSING, f"{nb}.ipynb not found")
                continue
            reason = _unreadable(path)
            if reason:
                problems[nb] = (INVALID, f"{nb}.ipynb: {reason}")
                path.unlink()  # nbgrader then scores it as missing (0), the others are graded

        log = self.api.autograde(job.assignment, job.student, force=True, create=True)
        for nb in expected:
            out = self.work / "autograded" / job.student / job.assignment / f"{nb}.ipynb"
            if nb not in problems and not out.exists():
                problems[nb] = _why_not_graded(log, nb)
            elif out.exists():
                timed_out = _timed_out_cells(out)
                if timed_out:
                    problems[nb] = (TIMEOUT, f"{nb}.ipynb: cell(s) {', '.join(timed_out)} ran past the {self.cell_timeout} s limit")

        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            for nb in expected:
                try:
                    sub = gb.find_submission_notebook(nb, job.assignment, job.student)
                except MissingEntry:
                    grades = [(g.name, g.max_score, g.cell_type == "markdown") for g in gb.find_notebook(nb, job.assignment).grade_cells]
                    res.cells += [_cell(job, nb, gid, None, mx, manual) for gid, mx, manual in grades]
                    continue
                graded = nb not in problems or problems[nb][0] == TIMEOUT
                for g in sub.grades:
                    manual = g.cell.cell_type == "markdown"
                    if manual:
                        score = g.score if g.manual_score is not None else None
                    else:
                        score = (g.score or 0.0) if graded else 0.0
                    res.cells.append(_cell(job, nb, g.name, score, g.max_score, manual))
        res.cells.sort(key=lambda c: (c["notebook"], c["grade_id"]))

        if problems:
            order = [KERNEL_DIED, INVALID, MISSING, TIMEOUT, ERROR]
            worst = min(problems.values(), key=lambda p: order.index(p[0]) if p[0] in order else len(order))
            res.status = worst[0]
            res.detail = "; ".join(p[1] for p in problems.values())

        res.review = self._crosscheck(job, expected, problems, res.cells)

        fb = self._feedback(job.assignment, job.student)
        for nb in expected:
            html_file = self.work / "feedback" / job.student / job.assignment / f"{nb}.html"
            if not html_file.exists() or (nb in problems and problems[nb][0] != TIMEOUT):
                html_file.parent.mkdir(parents=True, exist_ok=True)
                status, detail = problems.get(nb, (ERROR, "feedback could not be generated: " + (fb.get("error") or "")[-300:]))
                html_file.write_text(_ungraded_page(job, nb, status, detail))
            res.feedback[nb] = str(html_file)
            graded_nb = self.work / "autograded" / job.student / job.assignment / f"{nb}.ipynb"
            if graded_nb.exists():
                res.autograded[nb] = str(graded_nb)
        return res


@functools.lru_cache(maxsize=None)
def _feedback_class():
    from nbconvert.writers import FilesWriter
    from nbgrader.converters import GenerateFeedback

    class CachedFeedback(GenerateFeedback):
        """GenerateFeedback whose exporter (templates compiled, preprocessors registered) is made
        once per process and reused: everything per student travels in the resources."""
        exporters: dict = {}

        def start(self) -> None:
            self.init_notebooks()
            self.writer = FilesWriter(parent=self, config=self.config)
            key = (self.coursedir.root, tuple(p if isinstance(p, str) else p.__qualname__ for p in self.preprocessors))
            if key not in self.exporters:
                exporter = self.exporter_class(parent=self, config=self.config)
                for pp in self.preprocessors:
                    exporter.register_preprocessor(pp)
                self.exporters[key] = exporter
            self.exporter = self.exporters[key]
            currdir = os.getcwd()
            os.chdir(self.coursedir.root)
            try:
                self.convert_notebooks()
            finally:
                os.chdir(currdir)
    return CachedFeedback


def quiet_library_warnings() -> None:
    """nbgrader's gradebook (SQLAlchemy) and nbformat warn about their own internals; an
    instructor cannot act on those, so they stay out of the grading output."""
    import warnings
    warnings.filterwarnings("ignore", module=r"nbgrader\..*")
    warnings.filterwarnings("ignore", module=r"nbformat\..*")
    try:
        from sqlalchemy.exc import SAWarning
        warnings.filterwarnings("ignore", category=SAWarning)
    except ImportError:
        pass


def _review(problems: dict[str, str], tests: dict[str, dict], cells: list[dict], nb: str) -> list[str]:
    """Crosscheck disagreements whose in-kernel tests all passed: those need a human look."""
    scores = {c["grade_id"]: c for c in cells if c["notebook"] == nb}
    flags = []
    for function, problem in problems.items():
        ids = tests.get(function, {}).get("visible", []) + tests.get(function, {}).get("hidden", [])
        if ids and all(scores.get(g, {}).get("score") == scores.get(g, {}).get("max_score") for g in ids):
            flags.append(f"{function}: in-kernel tests pass but out of the kernel {problem}")
    return flags


def _cell(job: Job, nb: str, grade_id: str, score, max_score, manual: bool) -> dict:
    return {"student_id": job.student, "assignment": job.assignment, "notebook": nb, "grade_id": grade_id,
            "kind": "manual" if manual else "auto", "score": score, "max_score": max_score}


def _unreadable(path: Path) -> str | None:
    """Why a submitted notebook cannot be graded, or None when it is a valid notebook."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 ({exc.reason} at byte {exc.start})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several types for bad JSON / versions
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a valid notebook ({first[:160]})"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return f"not a valid notebook ({exc.message[:160]})"
    return None


def _why_not_graded(log: dict, nb: str) -> tuple[str, str]:
    text = (log.get("log") or "") + (log.get("error") or "")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text.lower():
        return KERNEL_DIED, f"{nb}.ipynb: the kernel died while running it (os._exit, a crash or out of memory); nothing could be graded"
    if "Timeout" in text or "timed out" in text:
        return TIMEOUT, f"{nb}.ipynb: execution timed out"
    last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:] or ["no output"]
    return ERROR, f"{nb}.ipynb: nbgrader could not grade it ({last[0][:200]})"


def _timed_out_cells(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    hits = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                hits.append(cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{i}")
    return hits


def _ungraded_page(job: Job, nb: str, status: str, detail: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(nb)} — feedback</title></head>"
            f"<body><h1>{html.escape(job.assignment)} / {html.escape(nb)}.ipynb</h1>"
            f"<p><b>Status:</b> {html.escape(status)}</p><p>{html.escape(detail)}</p>"
            f"<p>Your submission was received and kept unchanged. Fix the problem above and submit "
            f"again, or ask your instructor.</p></body></html>")


# --------------------------------------------------------------------------- the pool

_WORKER: Grader | None = None


def use_pool(workers: int) -> bool:
    """Whether each worker starts its next kernel ahead (the kernel pool; only used when the
    fork server is off, LSTM_COURSE_FORKSERVER=0, or cannot start). That start costs
    CPU while the current notebook runs, so it pays only where cores would otherwise idle:
    on by default when fewer workers than cores grade (measured in benchmarks/grading.py: on 2
    cores with 2 workers it made grading ~7 % slower). LSTM_COURSE_PRESTART=1/0 forces it."""
    forced = os.environ.get("LSTM_COURSE_PRESTART", "")
    if forced in ("0", "1"):
        return forced == "1"
    return workers < (os.cpu_count() or 1)


def _init_worker(work_base: str, assignments: list[str], cell_timeout: int, sandbox: bool, template_db: str,
                 prestart: bool = False) -> None:
    global _WORKER
    _WORKER = Grader(Path(work_base) / f"worker-{os.getpid()}", assignments, cell_timeout, sandbox, template_db,
                     prestart=prestart)


def _run_job(job: Job) -> Result:
    assert _WORKER is not None
    return _WORKER.grade(job)


# --------------------------------------------------------------------------- Dask

_DASK_GRADERS: dict = {}


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def dask_task(student: str, assignment: str, files: dict[str, bytes], assignments: list[str],
              cell_timeout: int, sandbox: bool) -> tuple[dict, dict[str, bytes]]:
    """Grade one submission on a Dask worker: the submission travels as bytes and so do the
    feedback page and autograded notebook back, so workers need no shared filesystem (only
    this course installed, as on the grading machine)."""
    key = (tuple(assignments), cell_timeout, sandbox)
    if key not in _DASK_GRADERS:
        work = Path(tempfile.gettempdir()) / f"lstm-course-dask-{os.getpid()}-{len(_DASK_GRADERS)}"
        _DASK_GRADERS[key] = Grader(work, assignments, cell_timeout, sandbox)
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
    return dataclasses.asdict(r), back


def _land(out: Path, rdict: dict, files: dict[str, bytes]) -> Result:
    r = Result(**rdict)
    r.feedback, r.autograded = {}, {}
    for key, data in files.items():
        kind, nb = key.split("/", 1)
        if kind == "meta":
            dst = out / "feedback" / r.student / r.assignment / nb
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            continue
        dst = out / kind / r.student / r.assignment / (nb + (".html" if kind == "feedback" else ".ipynb"))
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        getattr(r, kind)[nb] = str(dst)
    return r


def grade(submitted: Path, out: Path, *, workers: int | None = None, only: list[str] | None = None,
          cell_timeout: int = CELL_TIMEOUT, progress: bool = True, sandbox: bool = True,
          db_url: str | None = None, dask: str | None = None) -> list[dict]:
    """Grade every submission under `submitted` into `out`; return the grades.csv rows.

    With `sandbox` (the default) every kernel runs in bubblewrap; without bubblewrap this
    refuses to grade unless `sandbox=False` is asked for explicitly (--no-sandbox)."""
    submitted, out = Path(submitted).resolve(), Path(out).resolve()
    jobs = discover(submitted, only)
    if out == submitted or submitted in out.parents:
        raise CourseError(f"--out {out} is inside the submissions folder; choose a folder outside it")
    from . import sandbox as sbx
    if sandbox:
        why = sbx.available()
        if why:
            raise CourseError(f"{why}. {sbx.INSTALL_HINT}")
    else:
        print("WARNING: grading WITHOUT a sandbox (--no-sandbox): student code runs with your permissions, "
              "can read your files and reach the network.", file=sys.stderr)
    known = course_assignments()
    needed = sorted({j.assignment for j in jobs} & set(known))
    if not needed:
        needed = known[:1]  # a worker still needs a course; rows will say "unknown assignment"
    workers = workers or os.cpu_count() or 1
    out.mkdir(parents=True, exist_ok=True)
    work_base = out / ".work"

    # The assignments' cells go into a gradebook once; workers and the final gradebook copy it.
    from .build import generate_release
    template = work_base / "template.db"
    work_base.mkdir(parents=True, exist_ok=True)
    template.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="lstm-course-template-") as tmp:
        generate_release(Path(tmp) / "release", needed, db_url=f"sqlite:///{template}")

    # Resumable: every finished submission is journaled at once (with its feedback copied into
    # OUT_DIR); a rerun after a crash or Ctrl-C keeps those whose files have not changed.
    journal = out / ".journal.jsonl"
    previous = load_journal(journal)
    results: list[Result] = []
    todo = []
    sources = {a: submission_hash(SOLUTIONS / a) for a in needed}
    for job in jobs:
        digest = submission_hash(Path(job.path)) + ":" + sources.get(job.assignment, "")
        old = previous.get((job.student, job.assignment))
        if old and old[0] == digest and all(Path(f).exists() for f in old[1].feedback.values()):
            results.append(old[1])
        else:
            todo.append((job, digest))
    if results and progress:
        print(f"resuming: {len(results)} of {len(jobs)} submissions were graded before in {out} "
              f"and are unchanged; grading the other {len(todo)}", file=sys.stderr)
    students = sorted({j.student for j, _ in todo})
    left = {s: sum(j.student == s for j, _ in todo) for s in students}
    bar = _progress(len(students), progress)
    digests = {(j.student, j.assignment): d for j, d in todo}

    def done(r: Result):
        r = keep_feedback(out, r)
        append_journal(journal, digests[(r.student, r.assignment)], r)
        results.append(r)
        left[r.student] -= 1
        if left[r.student] == 0:
            bar.update(1)

    workers = max(1, min(workers, len(todo) or 1))
    if not todo:
        pass
    elif dask:
        try:
            from distributed import Client, as_completed as dask_completed
        except ImportError:
            raise CourseError("--dask needs the `distributed` package: pip install 'lstm-course[scale]'")
        try:
            client = Client(dask, timeout=30)
        except OSError as exc:
            raise CourseError(f"cannot reach the Dask scheduler at {dask}: {exc}")
        with client:
            futures = {client.submit(dask_task, job.student, job.assignment, _read_tree(Path(job.path)), needed,
                                     cell_timeout, sandbox, pure=False): job for job, _ in todo}
            for fut in dask_completed(futures):
                job = futures[fut]
                try:
                    done(_land(out, *fut.result()))
                except Exception as exc:  # a Dask worker died or the task failed
                    done(Result(job.student, job.assignment, ERROR, f"grading on Dask failed: {exc}"[:500]))
    elif workers == 1:
        grader = Grader(work_base / "worker-0", needed, cell_timeout, sandbox, str(template), prestart=use_pool(1))
        try:
            for job, _ in todo:
                done(grader.grade(job))
        finally:
            from .sandbox import KernelPool
            KernelPool.disable()
    else:
        ctx = get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(str(work_base), needed, cell_timeout, sandbox, str(template),
                                           use_pool(workers))) as pool:
            futures = {pool.submit(_run_job, job): job for job, _ in todo}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    done(fut.result())
                except Exception as exc:  # a worker process itself died
                    done(Result(job.student, job.assignment, ERROR, f"grading worker failed: {exc}"[:500]))
    bar.close()
    rows = write_outputs(out, results)
    db_url = db_url or f"sqlite:///{out}/gradebook.db"
    if db_url.startswith("sqlite:///") and Path(db_url[len("sqlite:///"):]).exists():
        Path(db_url[len("sqlite:///"):]).unlink()  # rebuilt from all rows, resumed ones included
    merge_gradebook(db_url, results, needed, template)
    write_course_config(out, db_url, submitted)
    from .export import nbgrader_export, summarise
    nbgrader_export(db_url, out / "export.csv")
    summarise(out)
    return rows


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="grading", unit="student", disable=not enabled, file=sys.stderr)


def submission_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode() + b"\0")
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


FEEDBACK_META = ("timestamp.txt", "submission_secret.txt")


def keep_feedback(out: Path, r: Result) -> Result:
    """Copy a result's feedback pages and autograded notebooks from the worker's course into
    OUT_DIR/feedback/ and OUT_DIR/autograded/ (nbgrader's layout, for the formgrader)."""
    for attr, folder, ext in [("feedback", "feedback", ".html"), ("autograded", "autograded", ".ipynb")]:
        kept = {}
        for nb, src in getattr(r, attr).items():
            dst = out / folder / r.student / r.assignment / f"{nb}{ext}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            if Path(src).resolve() != dst.resolve():
                shutil.copyfile(src, dst)
                if attr == "feedback":  # what `nbgrader release_feedback` needs beside the pages
                    for meta in FEEDBACK_META:
                        if (Path(src).parent / meta).exists():
                            shutil.copyfile(Path(src).parent / meta, dst.parent / meta)
            kept[nb] = str(dst)
        setattr(r, attr, kept)
    return r


def merge_gradebook(db_url: str, results: list[Result], assignments: list[str], template: Path | None = None) -> None:
    """One nbgrader gradebook for the whole batch (the workers each graded into their own):
    the assignments' cells from solutions/, then every student's submission and auto scores.
    Scores come from the rows, so the gradebook and grades.csv cannot disagree."""
    from nbgrader.api import Gradebook, MissingEntry

    from .build import generate_release
    if db_url.startswith("sqlite:///") and template is not None and template.exists():
        shutil.copyfile(template, db_url[len("sqlite:///"):])
    else:
        with tempfile.TemporaryDirectory(prefix="lstm-course-merge-") as tmp:
            generate_release(Path(tmp) / "release", assignments, db_url=db_url)
    from .config import COURSE_ID
    with Gradebook(db_url, COURSE_ID) as gb:
        for r in results:
            if r.assignment not in assignments:
                continue
            gb.update_or_create_student(r.student)
            try:
                gb.find_submission(r.assignment, r.student)
            except MissingEntry:
                gb.add_submission(r.assignment, r.student)
            for c in r.cells:
                if c["kind"] != "auto":
                    continue
                g = gb.find_grade(c["grade_id"], c["notebook"], r.assignment, r.student)
                g.auto_score = c["score"] or 0.0
                g.needs_manual_grade = False
            gb.db.commit()


def write_course_config(out: Path, db_url: str, submitted: Path) -> None:
    """OUT_DIR as an nbgrader course folder: `nbgrader formgrader` run there shows this batch."""
    (out / "nbgrader_config.py").write_text(
        "# Written by `lstm-course grade`: this folder is an nbgrader course (formgrader, export).\n"
        "from autograder.config import apply\n"
        "c = get_config()  # noqa: F821\n"
        "apply(c)\n"
        f"c.CourseDirectory.root = {str(out)!r}\n"
        f"c.CourseDirectory.source_directory = {str(SOLUTIONS)!r}\n"
        f"c.CourseDirectory.submitted_directory = {str(submitted)!r}\n"
        f"c.CourseDirectory.db_url = {db_url!r}\n")


def append_journal(journal: Path, digest: str, r: Result) -> None:
    with open(journal, "a") as f:
        f.write(json.dumps({"hash": digest, "result": dataclasses.asdict(r)}) + "\n")
        f.flush()
        os.fsync(f.fileno())


def load_journal(journal: Path) -> dict[tuple[str, str], tuple[str, Result]]:
    done = {}
    if journal.exists():
        for line in journal.read_text().splitlines():
            try:
                entry = json.loads(line)
                r = Result(**entry["result"])
            except (ValueError, TypeError, KeyError):
                continue  # a line cut short by a crash: that submission is graded again
            done[(r.student, r.assignment)] = (entry["hash"], r)
    return done


def write_outputs(out: Path, results: list[Result]) -> list[dict]:
    results = sorted(results, key=lambda r: (r.student, r.assignment))
    rows = [r.totals() for r in results]
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.DictWriter(f, GRADES_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with open(out / "cells.csv", "w", newline="") as f:
        w = csv.DictWriter(f, CELLS_COLUMNS)
        w.writeheader()
        for r in results:
            for c in r.cells:
                w.writerow({**c, "score": "" if c["score"] is None else _num(c["score"]), "max_score": _num(c["max_score"])})
    return rows
