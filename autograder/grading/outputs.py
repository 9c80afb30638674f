"""Where grades are written: OUT_DIR/grades.csv and cells.csv, and OUT_DIR as an nbgrader course
folder (its nbgrader_config.py) for the formgrader and nbgrader's own commands."""
from __future__ import annotations

import csv
from pathlib import Path

from ..course import SOLUTIONS
from .result import Result, num

GRADES_COLUMNS = ["student_id", "assignment", "score", "max_score", "auto_score", "auto_max_score",
                  "needs_manual_grade", "status", "detail", "review"]
CELLS_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "kind", "score", "max_score"]
TIMINGS_COLUMNS = ["student_id", "assignment", "phase", "seconds"]
# The phases of grading one submission, in order (timings.csv): waiting for a worker, copying
# it into the worker's course, starting its kernel, executing its cells, stopping the kernel,
# the rest of nbgrader's autograde (reading and checking the notebook, restoring locked cells,
# saving the scores in the gradebook), reading the scores back, the out-of-kernel crosscheck,
# the feedback page, and the main process's writing (feedback into OUT_DIR, the journal).
PHASES = ["queue", "copy", "kernel start", "execute", "kernel stop", "autograde", "gradebook", "crosscheck",
          "feedback", "write"]


def write_grades(out: Path, results: list[Result]) -> list[dict]:
    """grades.csv (one row per submission) and cells.csv (one per graded cell); the rows."""
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
                w.writerow({**c, "score": "" if c["score"] is None else num(c["score"]), "max_score": num(c["max_score"])})
    return rows


def write_course_config(out: Path, db_url: str, submitted: Path) -> None:
    """OUT_DIR as an nbgrader course folder: nbgrader run there sees this batch."""
    (out / "nbgrader_config.py").write_text(
        "# Written by `lstm-course grade`: this folder is an nbgrader course (formgrader, export).\n"
        "from autograder.nbgrader.config import apply\n"
        "c = get_config()  # noqa: F821\n"
        "apply(c)\n"
        f"c.CourseDirectory.root = {str(out)!r}\n"
        f"c.CourseDirectory.source_directory = {str(SOLUTIONS)!r}\n"
        f"c.CourseDirectory.submitted_directory = {str(submitted)!r}\n"
        f"c.CourseDirectory.db_url = {db_url!r}\n")


def write_timings(out: Path, results: list[Result]) -> None:
    """timings.csv: one row per phase of each graded submission."""
    with open(out / "timings.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(TIMINGS_COLUMNS)
        for r in sorted(results, key=lambda r: (r.student, r.assignment)):
            order = PHASES + sorted(set(r.timings) - set(PHASES))
            for phase in order:
                if phase in r.timings:
                    w.writerow([r.student, r.assignment, phase, f"{r.timings[phase]:.4f}"])
