"""The grading run's nbgrader gradebook: the cells each submission scored, one gradebook for a
whole batch, and nbgrader's own CSV export of it."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..course import COURSE_ID
from .config import sqlite_path, use_inprocess_alembic
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
    """Merge a grading run into the gradebook at `db_url` (the workers each graded into their
    own), keeping everything it already holds: the hand-given scores, extra credit and
    comments of the formgrader, students with their names, other assignments and
    submissions. Only the assignments' cells (from `template`, made from solutions/, when the
    gradebook lacks them) and the run's submissions with their auto scores are added or
    updated; a written answer keeps the points an instructor gave it, and those points are
    written into the results' cells (`score` of each manual cell), so that grades.csv, written
    from the results after this, shows them too.

    It may be the gradebook of an earlier run of the same command (a resumed or extended run)
    or a course's own gradebook (`--db`), which the formgrader reads."""
    from nbgrader.api import Gradebook
    use_inprocess_alembic()  # a new gradebook (postgres, or a new --db file) is stamped without the alembic command
    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        create(db_url, assignments, template)  # a new gradebook: the template's copy, at once
    else:
        _add_cells(db_url, assignments, template)
    with Gradebook(db_url, COURSE_ID) as gb:
        for r in results:
            if r.assignment not in assignments:
                continue
            gb.update_or_create_student(r.student)
            submission = _submission(gb, r.assignment, r.student)
            stamp = _timestamp(r)
            if stamp is not None:  # the formgrader counts a submission autograded only when it matches
                submission.timestamp = stamp
            graded = set(r.autograded)  # notebooks nbgrader autograded: open in the formgrader
            # the submission's grades, read at once (a lookup per cell was ~3 ms, 80 ms a notebook)
            grades = {(nb.name, g.name): g for nb in submission.notebooks for g in nb.grades}
            for c in r.cells:
                g = grades.get((c["notebook"], c["grade_id"])) \
                    or _grade(gb, c["grade_id"], c["notebook"], r.assignment, r.student)
                if c["kind"] == "auto":
                    g.auto_score = c["score"] or 0.0
                    g.needs_manual_grade = False
                elif g.manual_score is None:  # a written answer nobody has graded yet
                    g.needs_manual_grade = c["notebook"] in graded
                if g.manual_score is not None or (g.extra_credit and c["score"] is not None):
                    # points given in the formgrader win: the result (so grades.csv) gets them
                    base = g.manual_score if g.manual_score is not None else c["score"]
                    c["score"] = base + (g.extra_credit or 0.0)
            gb.db.commit()


def _add_cells(db_url: str, assignments: list[str], template: Path | None) -> None:
    """Make sure the gradebook knows the assignments' notebooks and cells: those it lacks are
    copied from `template` (or generated from solutions/ where there is none); those it has
    are left as they are (nbgrader refuses to change the cells of an assignment with
    submissions, and so does this)."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url, COURSE_ID) as gb:
        missing = []
        for a in assignments:
            try:
                gb.find_assignment(a)
            except MissingEntry:
                missing.append(a)
    if not missing:
        return
    if template is None or not Path(template).exists():
        create(db_url, missing)  # nbgrader's generate_assignment into this gradebook
        return
    with Gradebook(f"sqlite:///{template}", COURSE_ID) as src, \
            Gradebook(db_url, COURSE_ID) as dst:
        for name in missing:
            a = src.find_assignment(name)
            dst.add_assignment(name, duedate=a.duedate)
            for nb in a.notebooks:
                dst.add_notebook(nb.name, name, kernelspec=nb.kernelspec)
                for c in nb.grade_cells:
                    dst.add_grade_cell(c.name, nb.name, name, max_score=c.max_score, cell_type=c.cell_type)
                for c in nb.solution_cells:
                    dst.add_solution_cell(c.name, nb.name, name)
                for c in nb.task_cells:
                    dst.add_task_cell(c.name, nb.name, name, max_score=c.max_score, cell_type=c.cell_type)
                for c in nb.source_cells:
                    dst.add_source_cell(c.name, nb.name, name, cell_type=c.cell_type, locked=c.locked,
                                        source=c.source, checksum=c.checksum)


def _submission(gb, assignment: str, student: str):
    """The student's submission of the assignment, made (with a grade and comment for every
    cell, as nbgrader's add_submission does) if the gradebook has none yet."""
    from nbgrader.api import MissingEntry
    try:
        return gb.find_submission(assignment, student)
    except MissingEntry:
        # nbgrader's add_submission builds the submission's rows before adding it to the
        # session, and reading the assignment's notebooks meanwhile autoflushes them: SQLAlchemy
        # then warns "Object of type <SubmittedAssignment> not in session" for each. Without
        # autoflush the same rows are added at once, by its own db.add and commit.
        with gb.db.no_autoflush:
            return gb.add_submission(assignment, student)


def _timestamp(result):
    """When the submission was made (nbgrader's timestamp.txt, kept beside the autograded
    notebooks in OUT_DIR), or None where it has none."""
    from nbgrader.utils import parse_utc
    for nb in result.autograded.values():
        f = Path(nb).parent / "timestamp.txt"
        if f.is_file():
            try:
                return parse_utc(f.read_text().strip())
            except (ValueError, OverflowError):
                return None
    return None


def _grade(gb, grade_id: str, nb: str, assignment: str, student: str):
    """The student's Grade of a cell, made if their submission predates the cell."""
    from nbgrader.api import Grade, MissingEntry
    try:
        return gb.find_grade(grade_id, nb, assignment, student)
    except MissingEntry:
        cell = gb.find_graded_cell(grade_id, nb, assignment)
        g = Grade(cell_id=cell.id, notebook=gb.find_submission_notebook(nb, assignment, student))
        gb.db.add(g)
        return g


def export_csv(db_url: str, to: Path) -> Path:
    """`nbgrader export` (CsvExportPlugin) on the gradebook: nbgrader's own column layout."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    plugin = CsvExportPlugin()
    plugin.to = str(to)
    with Gradebook(db_url, COURSE_ID) as gb:
        plugin.export(gb)
    return to


def scratch(db_url: str) -> None:
    """Make the sqlite gradebook at `db_url` a scratch one in this process: no sync to disk at
    each commit (nbgrader commits once per graded cell, ~50 times per notebook, each waiting
    for the disk). For a grading worker's own gradebook only: the run's gradebook is rebuilt
    from the journaled results, so a crash loses nothing there."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    path = sqlite_path(db_url)
    if path is None:
        return
    target = str(path.resolve())

    @event.listens_for(Engine, "connect")
    def _no_sync(dbapi_connection, _record) -> None:
        try:
            if dbapi_connection.execute("PRAGMA database_list").fetchone()[2] == target:
                dbapi_connection.execute("PRAGMA synchronous=OFF")
                dbapi_connection.execute("PRAGMA journal_mode=MEMORY")
        except Exception:  # not sqlite: nothing to do
            pass


def share_engines() -> None:
    """One SQLAlchemy engine per database in this process for nbgrader's `Gradebook`.

    nbgrader opens a Gradebook, with an engine of its own, about eleven times per graded
    notebook (each preprocessor, the feedback, the scores read back); SQLAlchemy caches
    compiled statements per engine, so every query of every one was compiled again (~40 % of
    a grading worker's own CPU, measured). With one engine per URL the statements are compiled
    once per worker. A Gradebook still gets its own session and, on close, disposes of the
    engine's pooled connections, as before (a disposed engine makes new ones when used)."""
    from nbgrader import api
    if getattr(api.create_engine, "shared", False):
        return
    import sqlalchemy
    engines: dict = {}

    def create_engine(url, **kw):
        key = (str(url), tuple(sorted(kw.items())))
        if key not in engines:
            engines[key] = sqlalchemy.create_engine(url, **kw)
        return engines[key]

    create_engine.shared = True
    api.create_engine = create_engine
