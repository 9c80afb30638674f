"""The two gradebook CSV layouts `lstm-course export` writes, each as its LMS's own importer reads it.

Canvas (Grades > Import), followed from:
  - the Ohio State guide "Import a CSV File into Carmen Grades" (Carmen is Canvas;
    https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades):
    the columns Student (name), ID, SIS User ID, SIS Login ID, Section, then one column per
    assignment; start from Canvas's own gradebook export;
  - Canvas's own code (github.com/instructure/canvas-lms): lib/gradebook_exporter.rb writes that
    header, then a second row whose first cell is "    Points Possible" (four spaces) with each
    assignment's points, and numbers rounded to 2 places with a point and no thousands separator
    (`I18n.n(x, precision: 2)`); app/models/gradebook_importer.rb accepts a header whose first
    cells contain "Student" and "ID" and whose student columns end with "Section", skips the row
    whose first cell contains "Points Possible" (taking points possible from it), finds the
    student by the ID column (the Canvas user id) first, then by SIS User ID, then SIS Login ID,
    then name, and the assignment by "Title (canvas id)" or else by exact title (an unknown title
    becomes a new assignment).

Moodle (Grades > Import > CSV file), followed from:
  - MoodleDocs "Grade import" (https://docs.moodle.org/311/en/Grade_import): in the preview
    choose "Map from" (a column of the file) and "Map to" (userid, username, ID number or email
    address); grades above 100 need the site's unlimitedgrades and gradepointmax settings;
  - Moodle's code (github.com/moodle/moodle): grade/import/grade_import_form.php (Map to: User ID,
    Username, ID number, Email address; each other column is mapped to a grade item, a new grade
    item, or Ignore), grade/import/csv/classes/load_data.php (a user not found aborts the whole
    import; an empty identifier cell keeps the previous row's user, so every row must have one;
    an empty or "-" grade is no grade; numbers go through unformat_float). There is no points
    possible row: every data row is a user.
"""
from __future__ import annotations

from .sources import Grade, Student

CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"
MOODLE_ID_COLUMN = "ID number"       # Map to: "ID number" (useridnumber)
MOODLE_EMAIL_COLUMN = "Email address"  # Map to: "Email address" (useremail)
MOODLE_MAX_GRADE = 100.0             # Moodle's default gradepointmax


def number(x: float) -> str:
    """A score as Canvas exports it (and Moodle reads it): 2 decimals, a point, no separators."""
    return f"{round(x, 2) + 0.0:.2f}"


def _cell(grade: Grade | None) -> str:
    return "" if grade is None else number(grade.score)


def canvas(students: list[Student], assignments: list[str], possible: dict[str, float],
           grades: dict[tuple[str, str], Grade], canvas_ids: dict[str, str]) -> list[list[str]]:
    """Header, Points Possible row, one row per roster student (ID = lms_id, the Canvas user id)."""
    titles = [f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in assignments]
    blank = [""] * (len(CANVAS_STUDENT_COLUMNS) - 1)
    rows = [CANVAS_STUDENT_COLUMNS + titles, [CANVAS_POINTS_POSSIBLE, *blank, *(number(possible[a]) for a in assignments)]]
    for s in students:
        rows.append([s.name, s.lms_id, s.sis_user_id, s.sis_login_id, s.section,
                     *(_cell(grades.get((s.student_id, a))) for a in assignments)])
    return rows


def moodle(students: list[Student], assignments: list[str],
           grades: dict[tuple[str, str], Grade]) -> list[list[str]]:
    """Header, one row per roster student: "ID number" (= lms_id) first, so that it is Moodle's
    default "Map from"; "Email address" too when every student has one (an empty identifier cell
    would give that row's grades to the row above in Moodle); then one column per assignment."""
    with_email = all(s.email for s in students)
    rows = [[MOODLE_ID_COLUMN, *([MOODLE_EMAIL_COLUMN] if with_email else []), *assignments]]
    for s in students:
        rows.append([s.lms_id, *([s.email] if with_email else []),
                     *(_cell(grades.get((s.student_id, a))) for a in assignments)])
    return rows
