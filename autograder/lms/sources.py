"""What `lstm-course export` reads: a grading run's grades.csv, the instructor's roster, and the
students' `lms_user_id` in the run's nbgrader gradebook. Standard library only; every problem is
a `CourseError` of one line that names the file and, where there is one, the row (row 1 is the
header, as a spreadsheet numbers it)."""
from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..course import CourseError

GRADES_NEEDED = ["student_id", "assignment", "score", "max_score", "needs_manual_grade", "status"]
ROSTER_NEEDED = ["student_id", "lms_id"]
ROSTER_OPTIONAL = ["name", "section", "sis_user_id", "sis_login_id", "email"]


@dataclass(frozen=True)
class Grade:
    """One row of grades.csv: the submission's total."""
    score: float
    max_score: float
    needs_manual_grade: bool
    status: str


@dataclass
class Student:
    """One roster row. `lms_id` is empty until filled from the gradebook (see `fill_lms_ids`)."""
    row: int
    student_id: str
    lms_id: str
    name: str = ""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    email: str = ""
    from_gradebook: bool = False  # lms_id is the gradebook's lms_user_id


def _records(path: Path, label: str) -> list[tuple[int, list[str]]]:
    """(row number, fields) of every non-blank record of a UTF-8 CSV file (a byte-order mark is
    allowed, as Excel writes one)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CourseError(f"{label}: no such file")
    except IsADirectoryError:
        raise CourseError(f"{label}: is a folder, not a CSV file")
    except OSError as exc:
        raise CourseError(f"{label}: cannot be read ({exc.strerror})")
    if data.startswith(b"PK\x03\x04"):
        raise CourseError(f"{label} row 1: not CSV (a zip file or an Excel workbook: save it as CSV UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        raise CourseError(f"{label} row {row}: not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as CSV UTF-8")
    out, n = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for n, fields in enumerate(reader, start=1):
            if any(f.strip() for f in fields):
                out.append((n, fields))
    except csv.Error as exc:
        raise CourseError(f"{label} row {n + 1}: not CSV ({exc})")
    if not out:
        raise CourseError(f"{label} row 1: empty (no header)")
    return out


def _header(records, label: str, needed: list[str]) -> dict[str, int]:
    """Column name -> index. Names are matched without regard to case, surrounding spaces, or
    spaces/hyphens instead of underscores ("Student ID" is student_id)."""
    row, fields = records[0]
    names = [f.strip().lower().replace(" ", "_").replace("-", "_") for f in fields]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            raise CourseError(f"{label} row {row}: column {fields[i].strip()!r} appears twice")
        seen[name] = i
    for name in needed:
        if name not in seen:
            hint = "; the file is separated by ';', it must be separated by ','" if ";" in "".join(fields) else ""
            raise CourseError(f"{label} row {row}: missing required column {name!r} "
                              f"(the header has: {', '.join(f.strip() for f in fields)}){hint}")
    return seen


def _cells(fields: list[str], cols: dict[str, int], label: str, row: int) -> dict[str, str]:
    if len(fields) > len(cols) and any(f.strip() for f in fields[len(cols):]):
        raise CourseError(f"{label} row {row}: {len(fields)} fields, but the header has {len(cols)}")
    return {name: (fields[i].strip() if i < len(fields) else "") for name, i in cols.items()}


def _number(text: str, what: str, label: str, row: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CourseError(f"{label} row {row}: {what} {text!r} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise CourseError(f"{label} row {row}: {what} {text!r} is not a number")
    return value


def read_grades(grades_csv: Path, label: str) -> dict[tuple[str, str], Grade]:
    """(student_id, assignment) -> Grade, from an `lstm-course grade` grades.csv."""
    records = _records(grades_csv, label)
    cols = _header(records, label, GRADES_NEEDED)
    grades: dict[tuple[str, str], Grade] = {}
    for row, fields in records[1:]:
        c = _cells(fields, cols, label, row)
        if not c["student_id"] or not c["assignment"]:
            raise CourseError(f"{label} row {row}: empty student_id or assignment")
        key = (c["student_id"], c["assignment"])
        if key in grades:
            raise CourseError(f"{label} row {row}: a second row for {key[0]}/{key[1]}")
        grades[key] = Grade(_number(c["score"], "score", label, row), _number(c["max_score"], "max_score", label, row),
                            c["needs_manual_grade"].lower() == "true", c["status"])
    return grades


def read_roster(roster: Path, label: str) -> list[Student]:
    """The roster's students, checked: required columns, no empty or duplicate student_id, no
    duplicate lms_id. An empty lms_id is allowed here: `fill_lms_ids` may find it in the gradebook."""
    records = _records(roster, label)
    cols = _header(records, label, ROSTER_NEEDED)
    keep = {k: v for k, v in cols.items() if k in ROSTER_NEEDED + ROSTER_OPTIONAL}
    students: list[Student] = []
    first_row: dict[str, int] = {}
    for row, fields in records[1:]:
        c = _cells(fields, cols, label, row)
        student = Student(row=row, **{k: c[k] for k in keep})
        if not student.student_id:
            raise CourseError(f"{label} row {row}: empty student_id")
        if student.student_id in first_row:
            raise CourseError(f"{label} row {row}: duplicate student_id {student.student_id!r} "
                              f"(also on row {first_row[student.student_id]})")
        first_row[student.student_id] = row
        students.append(student)
    if not students:
        raise CourseError(f"{label} row 2: no students (only a header)")
    _no_duplicate_lms_ids(students, label)
    return students


def _no_duplicate_lms_ids(students: list[Student], label: str) -> None:
    seen: dict[str, int] = {}
    for s in students:
        if s.lms_id and s.lms_id in seen:
            raise CourseError(f"{label} row {s.row}: duplicate lms_id {s.lms_id!r} (also on row {seen[s.lms_id]})")
        seen.setdefault(s.lms_id, s.row)


def gradebook_lms_ids(db: Path) -> dict[str, str]:
    """student id -> nbgrader's `Student.lms_user_id`, where set, from the run's sqlite gradebook
    (opened read-only: the grading folder is never written to); {} without a gradebook."""
    if not db.is_file():
        return {}
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT id, lms_user_id FROM student WHERE lms_user_id IS NOT NULL").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise CourseError(f"{db}: cannot read nbgrader's student table ({exc})")
    return {str(sid): str(lms).strip() for sid, lms in rows if str(lms).strip()}


def fill_lms_ids(students: list[Student], from_gradebook: dict[str, str], label: str) -> list[str]:
    """Give each roster student without an lms_id the gradebook's lms_user_id (the roster's own
    lms_id wins where both are set); a student with neither is an error naming the row. Returns
    one line per disagreement between the two."""
    notes = []
    for s in students:
        known = from_gradebook.get(s.student_id, "")
        if not s.lms_id and known:
            s.lms_id, s.from_gradebook = known, True
        elif not s.lms_id:
            raise CourseError(f"{label} row {s.row}: empty lms_id for {s.student_id!r} "
                              "(and the gradebook has no lms_user_id for them)")
        elif known and known != s.lms_id:
            notes.append(f"{label} row {s.row}: lms_id {s.lms_id!r} for {s.student_id!r} differs from the "
                         f"gradebook's lms_user_id {known!r}; the roster's is used")
    _no_duplicate_lms_ids(students, label)
    return notes
