"""`lstm-course validate NOTEBOOK`: a student's self-check before submitting.

Runs the notebook top to bottom in a fresh kernel (in `ci` mode by default, so training cells
take seconds) and prints one line per exercise: how many of its visible tests pass, and the
first line of each failure. Hidden tests are not in the student's notebook; they run at grading.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from .course import CourseError
from .execute import QUIET_KERNEL, cell_errors, environ
from .config import ensure_venv_on_path
from .integrity import is_test, nbgrader_meta

EXERCISE = re.compile(r"^#+\s*(Exercise[^\n]*)", re.M)


@dataclass
class Exercise:
    title: str
    passed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # grade_id, first line of the error
    hidden: int = 0


def _only_docstring(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return all(isinstance(n, ast.Expr) and isinstance(getattr(n, "value", None), ast.Constant) for n in body)


def validate(path: Path, mode: str = "ci", timeout: int = 600) -> list[Exercise]:
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"notebook not found: {path}")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise CourseError(f"{path} is not a valid notebook ({str(exc).splitlines()[0][:160]})")
    ensure_venv_on_path()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            extra_arguments=QUIET_KERNEL, resources={"metadata": {"path": str(path.parent)}})
    died = None
    with environ(LSTM_COURSE_MODE=mode, LSTM_COURSE_RESULTS=None, MPLBACKEND="Agg"):
        try:
            client.execute()
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
        gid = nbgrader_meta(cell).get("grade_id", "?")
        if _only_docstring(cell.source):
            exercises[-1].hidden += 1
            continue
        errors = cell_errors(cell)
        if not errors and not cell.get("outputs") and died:
            errors = ["not run: the kernel died before this cell"]
        if errors:
            first = errors[0].split("\n")[0]
            if first.startswith("NotImplementedError"):
                first = "not implemented yet (the function still raises NotImplementedError)"
            exercises[-1].failed.append((gid, first[:300]))
        else:
            exercises[-1].passed.append(gid)
    return [e for e in exercises if e.passed or e.failed or e.hidden]


def format_report(path: Path, exercises: list[Exercise]) -> str:
    lines = [f"{path.name}: visible tests"]
    for e in exercises:
        total = len(e.passed) + len(e.failed)
        mark = "ok  " if not e.failed else "FAIL"
        hidden = f", {e.hidden} hidden test cell(s) run at grading" if e.hidden else ""
        lines.append(f"  {mark} {e.title}: {len(e.passed)}/{total} passed{hidden}")
        for gid, msg in e.failed:
            lines.append(f"         {gid}: {msg}")
    passed = sum(len(e.passed) for e in exercises)
    total = sum(len(e.passed) + len(e.failed) for e in exercises)
    lines.append(f"{passed}/{total} visible test cells pass" + ("" if passed == total else
                 " — fix the failures above, then run validate again"))
    return "\n".join(lines)
