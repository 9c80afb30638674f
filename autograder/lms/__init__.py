"""`lstm-course export GRADES_DIR --to {canvas,moodle} --roster ROSTER.csv --out FILE.csv`: the
totals of a grading run (GRADES_DIR/grades.csv) as a gradebook CSV that Canvas or Moodle imports
as it is (layouts.py says which layout, and from which documentation).

Standard library only, so that every argument and roster error is reported before anything heavy
is imported. The file is written whole or not at all (a temporary file, then a rename); GRADES_DIR
is only read.
"""
from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..course import CourseError
from . import layouts
from .sources import Grade, Student, fill_lms_ids, gradebook_lms_ids, read_grades, read_roster

LMS = ("canvas", "moodle")
COUNTED = ("graded", "timeout")  # statuses of a fully graded row; the others are exported with their score too


@dataclass
class Outcome:
    """What an export wrote and what it has to say: `reports` for stderr (one line each),
    `summary` for stdout; exit status 1 when a graded student was left out (not in the roster)."""
    out: Path
    rows: list[list[str]]
    summary: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 1 if self.left_out else 0


def check_arguments(grades_dir: Path, to: str, roster: Path, out: Path, canvas_id: list[str] | None) -> dict[str, str]:
    """The one-line errors that need no file read; returns --canvas-id as assignment -> id."""
    if to not in LMS:
        raise CourseError(f"--to must be one of {', '.join(LMS)}, not {to!r}")
    if not grades_dir.is_dir():
        raise CourseError(f"GRADES_DIR {grades_dir}: no such folder")
    if not (grades_dir / "grades.csv").is_file():
        raise CourseError(f"GRADES_DIR {grades_dir} has no grades.csv (give the --out folder of `lstm-course grade`)")
    if out.is_dir():
        raise CourseError(f"--out {out} is a folder; give the file to write, e.g. {out / f'grades-{to}.csv'}")
    target = out.resolve()
    if not target.parent.is_dir():
        raise CourseError(f"--out {out}: the folder {target.parent} does not exist")
    if target.is_relative_to(grades_dir.resolve()):
        raise CourseError(f"--out {out} lies inside GRADES_DIR {grades_dir}, which export never writes to; "
                          "write the file elsewhere")
    if target == roster.resolve():
        raise CourseError(f"--out {out} is the roster; give another file")
    ids: dict[str, str] = {}
    for item in canvas_id or []:
        if to != "canvas":
            raise CourseError("--canvas-id is only for --to canvas")
        name, sep, number = (x.strip() for x in item.partition("="))
        if not sep or not name or not re.fullmatch(r"[0-9]+", number):
            raise CourseError(f"--canvas-id {item!r}: expected ASSIGNMENT=ID, ID the number in the Canvas "
                              "assignment's address (.../assignments/ID)")
        if name in ids:
            raise CourseError(f"--canvas-id: {name} is given twice")
        ids[name] = number
    return ids


def export(grades_dir: Path, to: str, roster: Path, out: Path, canvas_id: list[str] | None = None) -> Outcome:
    """Read, check, write `out`; raise CourseError (nothing written) for anything the user must fix."""
    ids = check_arguments(grades_dir, to, roster, out, canvas_id)
    label = str(roster)
    students = read_roster(roster, label)
    grades = read_grades(grades_dir / "grades.csv", str(grades_dir / "grades.csv"))
    from_gradebook = gradebook_lms_ids(grades_dir / "gradebook.db")
    reports = fill_lms_ids(students, from_gradebook, label)
    if to == "canvas":
        for s in students:
            if not re.fullmatch(r"[0-9]+", s.lms_id):
                where = "the gradebook's lms_user_id" if s.from_gradebook else "lms_id"
                raise CourseError(f"{label} row {s.row}: {where} {s.lms_id!r} of {s.student_id!r} is not a Canvas "
                                  "user ID (a whole number: the ID column of Canvas's gradebook export)")

    unknown = sorted(k for k, g in grades.items() if g.status == "unknown assignment")
    reports += [f"{sid}/{a}: not an assignment of the course (status 'unknown assignment'): not exported"
                for sid, a in unknown]
    kept = {k: g for k, g in grades.items() if k not in unknown}
    assignments = sorted({a for _, a in kept})
    if not assignments:
        raise CourseError(f"{grades_dir / 'grades.csv'}: no graded assignment to export")
    for name in ids:
        if name not in assignments:
            raise CourseError(f"--canvas-id {name}: grades.csv has no such assignment (it has: {', '.join(assignments)})")

    possible = _points_possible(kept, assignments, reports)
    outcome = Outcome(out, [], reports=reports)
    _match(students, kept, assignments, from_gradebook, label, out, outcome)
    on_file = {s.student_id for s in students}
    exported = {k: g for k, g in kept.items() if k[0] in on_file}
    for (sid, a), g in sorted(exported.items()):
        if g.status not in COUNTED:
            reports.append(f"{sid}/{a}: status {g.status!r}: exported with its score {layouts.number(g.score)}")
    for a in assignments:
        pending = [sid for (sid, aa), g in sorted(exported.items()) if aa == a and g.needs_manual_grade]
        if pending:
            reports.append(f"manual points pending: {a} for {', '.join(pending)} "
                           "(exported without the written answers not graded by hand yet)")

    if to == "canvas":
        outcome.rows = layouts.canvas(students, assignments, possible, kept, ids)
        how = ("in Canvas: Grades > Import, choose the file; Canvas finds each student by ID (the roster's lms_id) "
               "and each assignment by " + ("the id in its column title" if ids else "its title") +
               ", and shows every change before it saves")
    else:
        outcome.rows = layouts.moodle(students, assignments, kept)
        email = layouts.MOODLE_EMAIL_COLUMN in outcome.rows[0]
        how = (f'in Moodle: Grades > Import > CSV file; Map from "{layouts.MOODLE_ID_COLUMN}" to "ID number"'
               + (f' (or "{layouts.MOODLE_EMAIL_COLUMN}" to "Email address")' if email else "")
               + ", and map each assignment column to its grade item")
        if any(g.score > layouts.MOODLE_MAX_GRADE for g in exported.values()):
            reports.append("a score above 100: Moodle refuses it unless the site allows it (Site administration > "
                           "Grades > General settings: unlimitedgrades, gradepointmax)")
    _write(out, outcome.rows)
    outcome.summary = [f"wrote {out} for {to.capitalize()}: {len(students)} student(s), {len(assignments)} "
                       f"assignment(s) ({', '.join(assignments)})", f"import it {how}"]
    return outcome


def _points_possible(kept: dict[tuple[str, str], Grade], assignments: list[str], reports: list[str]) -> dict[str, float]:
    possible = {}
    for a in assignments:
        maxima = sorted({g.max_score for (_, aa), g in kept.items() if aa == a and g.max_score > 0})
        if len(maxima) > 1:
            reports.append(f"{a}: rows of grades.csv disagree on max_score ({', '.join(map(layouts.number, maxima))}); "
                           f"points possible is {layouts.number(maxima[-1])}")
        possible[a] = maxima[-1] if maxima else 0.0
    return possible


def _match(students: list[Student], kept: dict[tuple[str, str], Grade], assignments: list[str],
           from_gradebook: dict[str, str], label: str, out: Path, outcome: Outcome) -> None:
    """Report, one line each, graded students missing from the roster (left out of the file)
    and roster students without a submission (their cells left empty)."""
    by_student: dict[str, list[str]] = defaultdict(list)
    for sid, a in kept:
        by_student[sid].append(a)
    on_roster = {s.student_id for s in students}
    for sid in sorted(set(by_student) - on_roster):
        known = f"; the gradebook has lms_user_id {from_gradebook[sid]!r} for them" if sid in from_gradebook else ""
        outcome.left_out.append(sid)
        outcome.reports.append(f"{sid} is in grades.csv ({', '.join(sorted(by_student[sid]))}) but not in {label}: "
                               f"left out of {out}{known}")
    for s in students:
        missing = [a for a in assignments if a not in by_student.get(s.student_id, [])]
        if len(missing) == len(assignments):
            outcome.reports.append(f"{s.student_id} (lms_id {s.lms_id}, {label} row {s.row}) has no submission in "
                                   "grades.csv: their cells are left empty")
        elif missing:
            outcome.reports.append(f"{s.student_id} (lms_id {s.lms_id}) has no submission of {', '.join(missing)}: "
                                   "those cells are left empty")


def _write(out: Path, rows: list[list[str]]) -> None:
    """UTF-8 without a byte-order mark, comma-separated, one record per line: all of `rows`, or
    nothing (a temporary file beside `out`, renamed over it)."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CourseError(f"--out {out}: cannot be written ({exc.strerror})")
