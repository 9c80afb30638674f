"""Running notebooks as a student does, unsandboxed, in a fresh kernel: `lstm-course run`
(every notebook of a folder, the figures they report collected) and `lstm-course validate`
(one notebook's visible tests, reported per exercise). Grading never comes through here: its
kernels start in the sandbox (autograder/sandbox/kernels.py)."""
from __future__ import annotations

import ast
import csv
import json
import os
import re
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from .course import CourseError, check_assignments
from .nbgrader.cells import grade_id, is_test

MODES = ("full", "ci", "grading")
QUIET_KERNEL = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]


def student_client(nb, folder: Path, timeout: int) -> NotebookClient:
    """A NotebookClient for `nb`, whose kernel starts in `folder` (errors kept in the outputs)."""
    return NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                          extra_arguments=QUIET_KERNEL, resources={"metadata": {"path": str(folder)}})


def kernel_env(mode: str, results: Path | None = None) -> dict[str, str]:
    """The environment of a student kernel in run `mode` (lstmlib reads it), figures reported
    to `results` when given."""
    env = {k: v for k, v in os.environ.items() if k != "LSTM_COURSE_RESULTS"}
    env.update(LSTM_COURSE_MODE=mode, MPLBACKEND="Agg")
    if results is not None:
        env["LSTM_COURSE_RESULTS"] = str(results)
    return env


def cell_errors(cell) -> list[str]:
    """'ename: evalue' of each error output of a cell."""
    return [f"{o.get('ename', '')}: {o.get('evalue', '')}" for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


# --------------------------------------------------------------------------- lstm-course run

@dataclass
class RunResult:
    assignment: str
    notebook: str
    status: str
    seconds: float
    figures: dict = field(default_factory=dict)


def run_notebook(path: Path, mode: str, *, timeout: int = 600, executed_to: Path | None = None) -> RunResult:
    """Execute one notebook top to bottom in a fresh kernel with LSTM_COURSE_MODE=mode."""
    nb = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory(prefix="lstm-course-run-") as tmp:
        results_file = Path(tmp) / "results.json"
        client = student_client(nb, path.parent, timeout)
        start = time.perf_counter()
        try:
            client.execute(env=kernel_env(mode, results_file))
            errors = [(i, e) for i, c in enumerate(nb.cells) for e in cell_errors(c)]
            status = "ok" if not errors else f"error in cell {errors[0][0]}: {errors[0][1]}"[:300]
        except DeadKernelError as exc:
            status = f"kernel died: {exc}"[:300]
        except Exception as exc:  # timeouts and kernel start failures end up here
            status = f"failed: {type(exc).__name__}: {exc}"[:300]
        seconds = time.perf_counter() - start
        figures = json.loads(results_file.read_text())["figures"] if results_file.exists() else {}
    if executed_to is not None:
        executed_to.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(executed_to))
    return RunResult(path.parent.name, path.stem, status, round(seconds, 2), figures)


def run(root: Path, mode: str, out: Path, only: list[str] | None = None, *, timeout: int = 600,
        progress: bool = True) -> list[RunResult]:
    """`lstm-course run`: execute the notebooks of `root` (solutions/ or notebooks/)."""
    if mode not in MODES:
        raise CourseError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    root, out = Path(root), Path(out)
    if not root.is_dir():
        raise CourseError(f"folder not found: {root}")
    names = check_assignments(only, root)
    if not names:
        raise CourseError(f"no assignments (folders with notebooks) in {root}")
    from tqdm.auto import tqdm

    paths = [p for a in names for p in sorted((root / a).glob("*.ipynb"))]
    results = []
    for path in tqdm(paths, desc=f"running ({mode})", unit="notebook", disable=not progress, file=sys.stderr):
        results.append(run_notebook(path, mode, timeout=timeout,
                                    executed_to=out / "executed" / path.parent.name / path.name))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "notebook", "status", "seconds"])
        for r in results:
            w.writerow([r.assignment, r.notebook, r.status, r.seconds])
    by_assignment: dict[str, dict] = {}
    for r in results:
        if r.figures:
            by_assignment.setdefault(r.assignment, {}).update(r.figures)
    for a, figs in by_assignment.items():
        (out / "results").mkdir(exist_ok=True)
        (out / "results" / f"{a}.json").write_text(json.dumps({"assignment": a, "mode": mode, "figures": figs}, indent=2))
    return results


# --------------------------------------------------------------------------- lstm-course validate

EXERCISE = re.compile(r"^#+\s*(Exercise[^\n]*)", re.M)


@dataclass
class Exercise:
    title: str
    passed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # grade_id, the whole error message
    hidden: int = 0


def _only_docstring(source: str) -> bool:
    """Whether a test cell is a hidden one as the release shows it: its docstring, and at most
    `pass` statements (the build adds one so that the docstring is not echoed as Out[...])."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return all(isinstance(n, ast.Pass) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
               for n in body)


def error_message(error: str) -> str:
    """A failing test cell's error ('ename: evalue', possibly several lines) as validate shows it."""
    if error.startswith("NotImplementedError"):
        return "not implemented yet (the function still raises NotImplementedError)"
    return error.rstrip()


def validate(path: Path, mode: str = "ci", timeout: int = 600) -> list[Exercise]:
    """Run a student's notebook top to bottom in a fresh kernel (in `ci` mode by default, so
    training cells take seconds); its visible test cells' results, per exercise. Hidden tests
    are not in the student's notebook; they run at grading."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"notebook not found: {path}")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise CourseError(f"{path} is not a valid notebook ({str(exc).splitlines()[0][:160]})")
    died = None
    try:
        student_client(nb, path.parent, timeout).execute(env=kernel_env(mode))
    except DeadKernelError as exc:
        died = str(exc)
    exercises = [Exercise("Before the first exercise")]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = EXERCISE.search(cell.source)
            if m:
                exercises.append(Exercise(m.group(1).strip()))
            continue
        if not is_test(cell):
            continue
        gid = grade_id(cell) or "?"
        if _only_docstring(cell.source):
            exercises[-1].hidden += 1
            continue
        errors = cell_errors(cell)
        if not errors and not cell.get("outputs") and died:
            errors = ["not run: the kernel died before this cell"]
        if errors:
            exercises[-1].failed.append((gid, error_message(errors[0])))
        else:
            exercises[-1].passed.append(gid)
    return [e for e in exercises if e.passed or e.failed or e.hidden]


REPORT_WIDTH = 100   # columns a failure message is wrapped at (nothing is cut)


def _indented(message: str, indent: str, width: int = REPORT_WIDTH) -> list[str]:
    """Every line of `message`, wrapped at `width` columns, indented by `indent` (continuations
    of a wrapped line by two more spaces)."""
    out = []
    for line in message.splitlines() or [""]:
        out += textwrap.wrap(line, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
                             break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]
    return out


def format_report(path: Path, exercises: list[Exercise]) -> str:
    lines = [f"{path.name}: visible tests"]
    for e in exercises:
        total = len(e.passed) + len(e.failed)
        mark = "ok  " if not e.failed else "FAIL"
        hidden = f", {e.hidden} hidden test cell(s) run at grading" if e.hidden else ""
        lines.append(f"  {mark} {e.title}: {len(e.passed)}/{total} passed{hidden}")
        for gid, msg in e.failed:
            lines.append(f"       {gid}:")
            lines += _indented(msg, " " * 9)
    passed = sum(len(e.passed) for e in exercises)
    total = sum(len(e.passed) + len(e.failed) for e in exercises)
    lines.append(f"{passed}/{total} visible test cells pass" + ("" if passed == total else
                 " — fix the failures above, then run validate again"))
    return "\n".join(lines)
