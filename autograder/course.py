"""What the course is: where its folders are, its assignments and their notebooks.

Nothing here imports nbgrader, Jupyter or torch: the command line checks its arguments with
this module alone, before any heavy import.
"""
from __future__ import annotations

import os
from pathlib import Path

COURSE_ID = "lstm-course"
# The course folder: this checkout, or another copy of the course named by LSTM_COURSE_ROOT.
REPO = Path(os.environ.get("LSTM_COURSE_ROOT") or Path(__file__).resolve().parent.parent).resolve()
SOLUTIONS = REPO / "solutions"
RELEASE = REPO / "notebooks"

# Per-cell limit while grading, in seconds. A cell that runs out of time gets an error output
# (0 points for a test cell) and execution goes on with the next cell.
CELL_TIMEOUT = 120


class CourseError(Exception):
    """A problem the user can fix; the CLI prints it as one line (no traceback)."""


def assignments(solutions: Path = SOLUTIONS) -> list[str]:
    """Assignment names (folders of `solutions/` holding at least one notebook), sorted."""
    if not solutions.is_dir():
        return []
    return sorted(p.name for p in solutions.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))


def notebooks(assignment: str, root: Path = SOLUTIONS) -> list[Path]:
    """The notebooks of one assignment under `root` (solutions/ or notebooks/), sorted."""
    return sorted(p for p in (root / assignment).glob("*.ipynb"))


def check_assignments(requested: list[str] | None, solutions: Path = SOLUTIONS) -> list[str]:
    """Validate `requested` assignment names (None = all) against the course."""
    known = assignments(solutions)
    if not requested:
        return known
    unknown = [a for a in requested if a not in known]
    if unknown:
        raise CourseError(f"unknown assignment {', '.join(unknown)} (the course has: {', '.join(known) or 'none'})")
    return list(dict.fromkeys(requested))
