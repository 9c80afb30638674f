"""The grading run's nbgrader gradebook: the cells each submission scored, one gradebook for a
whole batch, and nbgrader's own CSV export of it."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..course import COURSE_ID
from .config import sqlite_path
from .generate import generate_release


def submission_scores(db_url: str, assignment: str, student: str, nb: str) -> list[tuple[str, float | None, float, bool]] | None:
    """(grade_id, score, max_score, manual) of each graded cell of a student's notebook, as
    nbgrader autograded it (score None: a written answer not graded by hand yet); None when
    the gradebook has no such submitted notebook."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url, COURSE_ID) as gb:
        try:
            sub = gb.find_submission_notebook(nb, assignment, student)
        except MissingEntry:
            return None
        out = []
        for g in sub.grades:
            manual = g.cell.cell_type == "markdown"
            score = (g.score if g.manual_score is not None else None) if manual else (g.score or 0.0)
            out.append((g.name, score, g.max_score, manual))
        return out


def notebook_cells(db_url: str, assignment: str, nb: str) -> list[tuple[str, float, bool]]:
    """(grade_id, max_score, manual) of each graded cell of an assignment's notebook."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url, COURSE_ID) as gb:
        return [(g.name, g.max_score, g.cell_type == "markdown") for g in gb.find_notebook(nb, assignment).grade_cells]


def create(db_url: str, assignments: list[str], template: Path | None = None) -> None:
    """A gradebook that knows the assignments' cells (from solutions/): a copy of `template`
    (such a gradebook, sqlite) where one is given, else made by nbgrader's generate_assignment."""
    path = sqlite_path(db_url)
    if path is not None and template is not None and template.exists():
        shutil.copyfile(template, path)
        return
    with tempfile.TemporaryDirectory(prefix="lstm-course-gradebook-") as tmp:
        generate_release(Path(tmp) / "release", assignments, db_url=db_url)


def merge(db_url: str, results: list, assignments: list[str], template: Path | None = None) -> None:
    """One nbgrader gradebook for the whole batch (the workers each graded into their own):
    the assignments' cells, then every student's submission and auto scores. Scores come from
    the results, so the gradebook and grades.csv cannot disagree."""
    from nbgrader.api import Gradebook, MissingEntry
    path = sqlite_path(db_url)
    if path is not None:
        path.unlink(missing_ok=True)  # rebuilt from all results, resumed ones included
    create(db_url, assignments, template)
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


def export_csv(db_url: str, to: Path) -> Path:
    """`nbgrader export` (CsvExportPlugin) on the gradebook: nbgrader's own column layout."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    plugin = CsvExportPlugin()
    plugin.to = str(to)
    with Gradebook(db_url, COURSE_ID) as gb:
        plugin.export(gb)
    return to
