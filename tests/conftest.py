"""Shared fixtures and helpers: the repository, the course's assignments, the CLI, and the
submissions the grading tests build from the real release of 01_gates."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# nbgrader's own commands (run as the tests' subprocesses) call `alembic` by name.
os.environ["PATH"] = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("LSTM_COURSE_MODE", None)
os.environ.pop("LSTM_COURSE_RESULTS", None)

sys.path.insert(0, str(REPO))
import autograder  # noqa: E402,F401  (first: it keeps a 2.4 s import out of every test process)
import nbformat  # noqa: E402
from autograder.course import assignments  # noqa: E402
from autograder.nbgrader.cells import is_solution, nbgrader_meta  # noqa: E402
from autograder.sandbox.policy import available  # noqa: E402

ASSIGNMENTS = assignments(REPO / "solutions")

# Tests that run hostile or untrusted code need the sandbox; they skip, with the reason, without it.
NO_SANDBOX = available()
needs_sandbox = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"needs bubblewrap: {NO_SANDBOX}")


def lstm_course() -> list[str]:
    """The installed CLI (as students and instructors run it)."""
    return [str(BIN / "lstm-course")]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# --------------------------------------------------------------------------- a class of 01_gates

A = "01_gates"
NB = f"{A}.ipynb"


def release_nb():
    """The student release of 01_gates, as a student fetches it."""
    return nbformat.read(str(REPO / "notebooks" / A / NB), as_version=4)


def solution_nb():
    return nbformat.read(str(REPO / "solutions" / A / NB), as_version=4)


def with_solutions(nb, sol=None):
    """The release `nb` with every solution cell answered as in the reference solution."""
    sol = sol or solution_nb()
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in sol.cells if is_solution(c)}
    for c in nb.cells:
        if is_solution(c):
            c.source = answers[nbgrader_meta(c)["grade_id"]]
    return nb


def first_solution_cell(nb):
    return next(c for c in nb.cells if is_solution(c))


def write_submission(base: Path, student: str, nb=None, raw: bytes | None = None) -> Path:
    """base/<student>/01_gates/01_gates.ipynb from a notebook (or raw bytes); an empty folder
    when neither is given."""
    d = base / student / A
    d.mkdir(parents=True)
    if raw is not None:
        (d / NB).write_bytes(raw)
    elif nb is not None:
        nbformat.write(nb, str(d / NB))
    return d
