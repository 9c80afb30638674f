"""What the course contains: assignments and their notebooks, found on disk."""
from __future__ import annotations

from pathlib import Path

from .config import RELEASE, SOLUTIONS


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
    return list(requested)


__all__ = ["CourseError", "assignments", "notebooks", "check_assignments", "RELEASE", "SOLUTIONS"]
