"""What is to be graded: the submissions found in nbgrader's `submitted/` layout, and whether a
submitted notebook can be read at all. Light: the command line runs this before any heavy import."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..course import COURSE_ID, REPO, CourseError, check_assignments
from .result import Job

# OUT_DIR's record of which run it holds, and everything a run writes there.
RUN_FILE = ".lstm-course-run.json"
OUTPUTS = ["grades.csv", "cells.csv", "export.csv", "timings.csv", "gradebook.db", "nbgrader_config.py", "feedback",
           "autograded", "summary", ".work", ".journal.jsonl", RUN_FILE]


def discover(submitted: Path, only: list[str] | None = None, students: list[str] | None = None) -> list[Job]:
    """Every SUBMITTED_DIR/<student>/<assignment>/ folder, as jobs (sorted); `only` those
    assignments; `students`: each must have a folder there."""
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
    unknown = sorted(set(students or []) - {j.student for j in jobs})
    if unknown:
        raise CourseError(f"no submissions of {', '.join(unknown)} in {submitted}"
                          + (f" for {', '.join(only)}" if only else ""))
    return jobs


def check_out(out: Path, submitted: Path, fresh: bool = False) -> None:
    """Whether OUT_DIR may receive this run: new, empty, or holding the same run (same
    submissions folder, same course), which is then resumed. Another run's grades are
    refused, so that no class's feedback or gradebook is mixed into another's; `fresh`
    removes them (and only them) first."""
    out, submitted = Path(out).resolve(), Path(submitted).resolve()
    if out == submitted or submitted in out.parents:
        raise CourseError(f"--out {out} is inside the submissions folder; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out {out} is a file; give a folder (new, or one this command wrote before)")
    if not out.exists() or not any(out.iterdir()):
        return
    ours = [n for n in OUTPUTS if (out / n).exists()]
    if not ours:
        raise CourseError(f"--out {out} is not empty and holds no grading run; choose a new or empty folder")
    if fresh:
        for name in ours:
            target = out / name
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        return
    try:
        theirs = json.loads((out / RUN_FILE).read_text())
    except (OSError, ValueError):
        raise CourseError(f"--out {out} holds grades of an earlier run that cannot be told apart from another "
                          f"class's; choose another folder, or add --fresh to replace them")
    if theirs != run_identity(submitted):
        raise CourseError(f"--out {out} holds the grades of another run (submissions from "
                          f"{theirs.get('submitted')}, course {theirs.get('course')}); choose another folder, "
                          f"or add --fresh to replace them")


def run_identity(submitted: Path) -> dict:
    """What makes a grading run the same run: its submissions folder and its course."""
    return {"submitted": str(Path(submitted).resolve()), "course": str(REPO), "course_id": COURSE_ID}


def mark_out(out: Path, submitted: Path) -> None:
    (Path(out) / RUN_FILE).write_text(json.dumps(run_identity(submitted), indent=1) + "\n")


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
