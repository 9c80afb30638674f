"""What is to be graded: the submissions found in nbgrader's `submitted/` layout, and whether a
submitted notebook can be read at all. Light: the command line runs this before any heavy import."""
from __future__ import annotations

from pathlib import Path

from ..course import CourseError, check_assignments
from .result import Job


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


def unreadable(path: Path) -> str | None:
    """Why a submitted notebook cannot be graded, or None when it is a valid notebook."""
    import nbformat
    try:
        text = path.read_bytes().decode("utf-8")
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
