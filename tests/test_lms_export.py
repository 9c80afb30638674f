"""`lstm-course export`: the CSV files Canvas and Moodle import, checked against each LMS's own
documented layout, not against the exporter's constants.

The oracles below restate what the LMSs read (the sources are cited in autograder/lms/layouts.py
and docs/CLI.md):
- Canvas (app/models/gradebook_importer.rb, lib/gradebook_exporter.rb): header Student, ID,
  SIS User ID, SIS Login ID, Section, then one column per assignment ("Title" or "Title (id)");
  a second row whose first cell is "    Points Possible" with the points of each assignment;
  students found by the ID column (the Canvas user id); numbers as Canvas exports them: 2
  decimals, a point, no thousands separator.
- Moodle (grade/import/csv/classes/load_data.php): a header; every other row is one user, found
  by the column chosen as "Map from" (it may not be empty); an empty grade is no grade.
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, lstm_course
from autograder.cli import main

GRADES_HEADER = ("student_id,assignment,score,max_score,auto_score,auto_max_score,"
                 "needs_manual_grade,status,detail,review")
GRADES_ROWS = [
    "ada,01_gates,24,27,24,24,False,graded,,",
    "ada,02_rnn,13.333333,20,13.333333,20,False,graded,,",
    "bo,01_gates,0,27,0,24,False,kernel died,\"01_gates.ipynb: the kernel died\",",
    "bo,02_rnn,7.5,20,7.5,20,False,timeout,02_rnn.ipynb: execution timed out,",
    "cy,01_gates,11,27,11,24,True,graded,,",
    "zoe,01_gates,20,27,20,24,False,graded,,",          # graded, but not on the roster
    "ada,99_typo,0,0,0,0,False,unknown assignment,not an assignment,",
]
ROSTER = ("student_id,lms_id,name,section,sis_user_id,sis_login_id,email\n"
          "ada,101,\"Lovelace, Ada\",Sec A,S-1,ada@uni.example,ada@uni.example\n"
          "bo,102,Bø Ørsted,Sec B,S-2,bo@uni.example,bo@uni.example\n"
          "cy,103,Cy,Sec A,S-3,cy@uni.example,cy@uni.example\n"
          "dee,104,Dee,Sec B,S-4,dee@uni.example,dee@uni.example\n")  # no submission at all


def write_grades(folder: Path, rows=GRADES_ROWS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "grades.csv").write_text("\n".join([GRADES_HEADER, *rows]) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def run(tmp_path):
    write_grades(tmp_path / "graded")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return tmp_path


def cli(*args: str) -> subprocess.CompletedProcess:
    """The installed command, as an instructor runs it."""
    return subprocess.run([*lstm_course(), "export", *map(str, args)], capture_output=True, text=True, timeout=120)


def inproc(capsys, *args) -> tuple[int, str, str]:
    """The same command in this process (the fast way, for the many error cases)."""
    code = main(["export", *map(str, args)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def rows_of(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    return list(csv.reader(raw.decode("utf-8").splitlines()))


# --------------------------------------------------------------------------- the LMSs, as oracles

CANVAS_NUMBER = re.compile(r"-?[0-9]+\.[0-9]{2}")


def canvas_import(path: Path) -> tuple[dict[str, float], dict[str, dict[str, str]]]:
    """What Canvas's importer reads from the file: points possible per assignment title, and per
    Canvas user id (ID column) the grade cell per assignment title."""
    rows = rows_of(path)
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    titles = header[5:]
    assert titles, "one column per assignment"
    assert rows[1][0] == "    Points Possible" and "Points Possible" in rows[1][0]
    assert rows[1][1:5] == ["", "", "", ""]
    points = {}
    for title, cell in zip(titles, rows[1][5:]):
        assert CANVAS_NUMBER.fullmatch(cell), f"points possible {cell!r} as Canvas writes numbers"
        points[title] = float(cell)
    students = {}
    for row in rows[2:]:
        assert len(row) == len(header)
        assert "Points Possible" not in row[0]
        assert re.fullmatch(r"[0-9]+", row[1]), f"ID {row[1]!r}: Canvas finds the student by its numeric user id"
        assert row[1] not in students
        for cell in row[5:]:
            assert cell == "" or CANVAS_NUMBER.fullmatch(cell), f"grade {cell!r} as Canvas writes numbers"
        students[row[1]] = dict(zip(titles, row[5:]))
    return points, students


def moodle_import(path: Path, map_from: str) -> dict[str, dict[str, float | None]]:
    """What Moodle's CSV grade import reads with "Map from" = `map_from`: per user, per other
    column, the grade (None: no grade)."""
    rows = rows_of(path)
    header = [h.strip() for h in rows[0]]
    key = header.index(map_from)
    users = {}
    for row in rows[1:]:
        assert len(row) == len(header)
        assert row[key].strip(), "an empty identifier gives this row's grades to the user above it"
        assert row[key] not in users
        grades = {}
        for i, cell in enumerate(row):
            if i == key or header[i] in ("ID number", "Email address"):
                continue
            grades[header[i]] = None if cell.strip() in ("", "-") else float(cell)
        users[row[key]] = grades
    return users


# --------------------------------------------------------------------------- Canvas

def test_canvas_file_is_canvas_gradebook_layout(run, capsys):
    out = run / "canvas.csv"
    code, stdout, err = inproc(capsys, run / "graded", "--to", "canvas", "--roster", run / "roster.csv", "--out", out)
    points, students = canvas_import(out)
    assert points == {"01_gates": 27.0, "02_rnn": 20.0}          # the unknown assignment is no column
    assert students == {
        "101": {"01_gates": "24.00", "02_rnn": "13.33"},
        "102": {"01_gates": "0.00", "02_rnn": "7.50"},               # kernel died: its score, 0; timeout: its score
        "103": {"01_gates": "11.00", "02_rnn": ""},
        "104": {"01_gates": "", "02_rnn": ""},                       # on the roster, no submission: empty cells
    }
    rows = rows_of(out)
    assert rows[2][:5] == ["Lovelace, Ada", "101", "S-1", "ada@uni.example", "Sec A"]
    assert rows[3][0] == "Bø Ørsted"
    assert "wrote" in stdout and "Canvas" in stdout
    assert code == 1  # zoe was graded but is not on the roster


def test_canvas_assignment_ids_in_titles(run, capsys):
    out = run / "canvas.csv"
    code, _, _ = inproc(capsys, run / "graded", "--to", "canvas", "--roster", run / "roster.csv", "--out", out,
                        "--canvas-id", "02_rnn=4242")
    header = rows_of(out)[0]
    # Canvas's Assignment.title_and_id: /\A(.*)\s\((\d+)\)\z/
    titles = [re.fullmatch(r"(.*)\s\((\d+)\)", h) for h in header[5:]]
    assert header[5] == "01_gates" and titles[0] is None
    assert titles[1] and titles[1].groups() == ("02_rnn", "4242")


def test_canvas_numbers(tmp_path, capsys):
    write_grades(tmp_path / "g", ["ada,big,1234.5,2000,1234.5,2000,False,graded,,",
                                  "bo,big,0.125,2000,0.125,2000,False,graded,,"])
    (tmp_path / "r.csv").write_text("student_id,lms_id\nada,7\nbo,8\n")
    code, _, err = inproc(capsys, tmp_path / "g", "--to", "canvas", "--roster", tmp_path / "r.csv", "--out", tmp_path / "o.csv")
    assert code == 0, err
    points, students = canvas_import(tmp_path / "o.csv")
    assert points == {"big": 2000.0}
    assert students["7"]["big"] == "1234.50"  # no thousands separator
    assert students["8"]["big"] in ("0.12", "0.13")


def test_canvas_needs_numeric_user_ids(run, capsys):
    (run / "roster.csv").write_text(ROSTER.replace("bo,102,", "bo,S-2,"), encoding="utf-8")
    code, _, err = inproc(capsys, run / "graded", "--to", "canvas", "--roster", run / "roster.csv", "--out", run / "o.csv")
    assert code == 2
    assert err.startswith(f"lstm-course: error: {run / 'roster.csv'} row 3: ") and "Canvas user ID" in err
    assert not (run / "o.csv").exists()


# --------------------------------------------------------------------------- Moodle

def test_moodle_file_is_moodle_import_layout(run, capsys):
    out = run / "moodle.csv"
    code, stdout, _ = inproc(capsys, run / "graded", "--to", "moodle", "--roster", run / "roster.csv", "--out", out)
    header = rows_of(out)[0]
    assert header[0] == "ID number"   # the first column: Moodle's default "Map from"
    assert header[1] == "Email address"
    assert header[2:] == ["01_gates", "02_rnn"]
    expected = {"101": {"01_gates": 24.0, "02_rnn": 13.33}, "102": {"01_gates": 0.0, "02_rnn": 7.5},
                "103": {"01_gates": 11.0, "02_rnn": None}, "104": {"01_gates": None, "02_rnn": None}}
    assert moodle_import(out, "ID number") == expected
    by_email = moodle_import(out, "Email address")
    assert by_email["ada@uni.example"] == expected["101"]
    assert len(rows_of(out)) == 1 + 4, "no Points Possible row: every row after the header is a user"
    assert 'Map from "ID number"' in stdout
    assert code == 1


def test_moodle_email_column_only_when_every_student_has_one(run, capsys):
    (run / "roster.csv").write_text(ROSTER.replace(",dee@uni.example\n", ",\n"), encoding="utf-8")
    out = run / "moodle.csv"
    inproc(capsys, run / "graded", "--to", "moodle", "--roster", run / "roster.csv", "--out", out)
    assert rows_of(out)[0] == ["ID number", "01_gates", "02_rnn"]
    assert set(moodle_import(out, "ID number")) == {"101", "102", "103", "104"}


def test_moodle_warns_above_100(tmp_path, capsys):
    write_grades(tmp_path / "g", ["ada,big,150,200,150,200,False,graded,,"])
    (tmp_path / "r.csv").write_text("student_id,lms_id\nada,jdoe\n")
    code, _, err = inproc(capsys, tmp_path / "g", "--to", "moodle", "--roster", tmp_path / "r.csv", "--out", tmp_path / "o.csv")
    assert code == 0
    assert "above 100" in err and "gradepointmax" in err
    assert moodle_import(tmp_path / "o.csv", "ID number") == {"jdoe": {"big": 150.0}}


# --------------------------------------------------------------------------- what is reported

def test_reports_missing_students_pending_and_statuses(run, capsys):
    out = run / "canvas.csv"
    code, _, err = inproc(capsys, run / "graded", "--to", "canvas", "--roster", run / "roster.csv", "--out", out)
    lines = err.splitlines()
    assert all(ln.startswith("lstm-course: ") for ln in lines)
    zoe = [ln for ln in lines if "zoe" in ln]
    assert len(zoe) == 1 and "not in" in zoe[0] and "left out" in zoe[0]
    assert "zoe" not in out.read_text()
    dee = [ln for ln in lines if "dee" in ln]
    assert len(dee) == 1 and "no submission" in dee[0]
    cy = [ln for ln in lines if ln.startswith("lstm-course: cy ")]
    assert len(cy) == 1 and "02_rnn" in cy[0]
    pending = [ln for ln in lines if "manual points pending" in ln]
    assert len(pending) == 1 and "01_gates" in pending[0] and "cy" in pending[0]
    assert any("bo/01_gates" in ln and "kernel died" in ln for ln in lines)
    assert any("99_typo" in ln and "not exported" in ln for ln in lines)
    assert code == 1


def test_everyone_matched_exits_0(tmp_path, capsys):
    write_grades(tmp_path / "g", ["ada,01_gates,24,27,24,24,False,graded,,"])
    (tmp_path / "r.csv").write_text("student_id,lms_id\nada,101\n")
    code, stdout, err = inproc(capsys, tmp_path / "g", "--to", "canvas", "--roster", tmp_path / "r.csv", "--out", tmp_path / "o.csv")
    assert (code, err) == (0, "")
    assert canvas_import(tmp_path / "o.csv")[1] == {"101": {"01_gates": "24.00"}}


# --------------------------------------------------------------------------- bad rosters

BAD_ROSTERS = [
    ("missing column", b"student_id,name\nada,Ada\n", 1, "missing required column 'lms_id'"),
    ("semicolons", b"student_id;lms_id\nada;101\n", 1, "separated by ';'"),
    ("duplicate student_id", b"student_id,lms_id\nada,101\nbo,102\nada,103\n", 4, "duplicate student_id 'ada'"),
    ("duplicate lms_id", b"student_id,lms_id\nada,101\nbo,101\n", 3, "duplicate lms_id '101'"),
    ("empty student_id", b"student_id,lms_id\nada,101\n ,102\n", 3, "empty student_id"),
    ("empty lms_id", b"student_id,lms_id\nada,101\nbo,\n", 3, "empty lms_id for 'bo'"),
    ("not UTF-8", b"student_id,lms_id,name\nada,101,Ada\nbo,102,Bj\xf6rn\n", 3, "not UTF-8"),
    ("not CSV", b"student_id,lms_id\nada,101\nbo,\"102\nb\n", 3, "not CSV"),
    ("a workbook", b"PK\x03\x04\x14\x00\x06\x00", 1, "not CSV"),
    ("extra fields", b"student_id,lms_id\nada,101\nbo,102,x\n", 3, "3 fields"),
    ("empty file", b"", 1, "empty"),
]


@pytest.mark.parametrize("case,content,row,says", BAD_ROSTERS, ids=[c[0] for c in BAD_ROSTERS])
def test_bad_roster_names_the_row(run, capsys, case, content, row, says):
    roster = run / "bad.csv"
    roster.write_bytes(content)
    code, stdout, err = inproc(capsys, run / "graded", "--to", "moodle", "--roster", roster, "--out", run / "o.csv")
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith(f"lstm-course: error: {roster} row {row}: "), err
    assert says in err
    assert stdout == "" and not (run / "o.csv").exists()


def test_roster_header_is_lenient_and_bom_ok(run, capsys):
    (run / "r.csv").write_bytes("\ufeffStudent ID, LMS-ID ,Name\nada,101,Ada\n".encode())
    code, _, err = inproc(capsys, run / "graded", "--to", "canvas", "--roster", run / "r.csv", "--out", run / "o.csv")
    assert code == 1, err  # bo, cy, zoe are not on this roster
    assert canvas_import(run / "o.csv")[1] == {"101": {"01_gates": "24.00", "02_rnn": "13.33"}}


# --------------------------------------------------------------------------- lms_user_id of the gradebook

@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> Path:
    """A gradebook.db as nbgrader makes it, with lms_user_id set for ada and bo, not for cy."""
    from autograder.nbgrader.config import use_inprocess_alembic
    use_inprocess_alembic()
    from nbgrader.api import Gradebook
    path = tmp_path_factory.mktemp("gb") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "lstm-course") as gb:
        gb.add_student("ada", lms_user_id="901")
        gb.add_student("bo", lms_user_id="902")
        gb.add_student("cy")
    return path


def test_lms_user_id_from_gradebook_fills_the_roster(run, capsys, gradebook):
    (run / "graded" / "gradebook.db").write_bytes(gradebook.read_bytes())
    before = sorted(p.name for p in (run / "graded").iterdir())
    (run / "r.csv").write_text("student_id,lms_id\nada,\nbo,555\ncy,103\n")
    code, _, err = inproc(capsys, run / "graded", "--to", "canvas", "--roster", run / "r.csv", "--out", run / "o.csv")
    students = canvas_import(run / "o.csv")[1]
    assert set(students) == {"901", "555", "103"}   # ada from the gradebook; bo's roster lms_id wins
    assert students["901"]["01_gates"] == "24.00"
    differs = [ln for ln in err.splitlines() if "differs" in ln]
    assert len(differs) == 1 and "'555'" in differs[0] and "'902'" in differs[0] and "row 3" in differs[0]
    assert sorted(p.name for p in (run / "graded").iterdir()) == before, "GRADES_DIR is only read"


def test_lms_user_id_missing_everywhere_is_an_error(run, capsys, gradebook):
    (run / "graded" / "gradebook.db").write_bytes(gradebook.read_bytes())
    (run / "r.csv").write_text("student_id,lms_id\nada,\ncy,\n")
    code, _, err = inproc(capsys, run / "graded", "--to", "moodle", "--roster", run / "r.csv", "--out", run / "o.csv")
    assert code == 2 and err.startswith(f"lstm-course: error: {run / 'r.csv'} row 3: empty lms_id for 'cy'")


# --------------------------------------------------------------------------- argument errors

ARG_ERRORS = {
    "to": "--to must be one of canvas, moodle, not 'blackboard'",
    "no grades.csv": "has no grades.csv",
    "out inside": "lies inside GRADES_DIR",
    "out is a folder": "is a folder",
    "out folder missing": "does not exist",
    "out is the roster": "is the roster",
    "canvas-id for moodle": "--canvas-id is only for --to canvas",
    "canvas-id unknown": "grades.csv has no such assignment",
    "canvas-id not a number": "expected ASSIGNMENT=ID",
    "no roster": "no such file",
}


@pytest.mark.parametrize("case", list(ARG_ERRORS))
def test_argument_errors_are_one_line(run, capsys, case):
    g, r, o = run / "graded", run / "roster.csv", run / "o.csv"
    args = {"to": [g, "--to", "blackboard", "--roster", r, "--out", o],
            "no grades.csv": [run, "--to", "canvas", "--roster", r, "--out", o],
            "out inside": [g, "--to", "canvas", "--roster", r, "--out", g / "sub" / ".." / "canvas.csv"],
            "out is a folder": [g, "--to", "canvas", "--roster", r, "--out", run],
            "out folder missing": [g, "--to", "canvas", "--roster", r, "--out", run / "nope" / "o.csv"],
            "out is the roster": [g, "--to", "canvas", "--roster", r, "--out", r],
            "canvas-id for moodle": [g, "--to", "moodle", "--roster", r, "--out", o, "--canvas-id", "01_gates=1"],
            "canvas-id unknown": [g, "--to", "canvas", "--roster", r, "--out", o, "--canvas-id", "07_x=1"],
            "canvas-id not a number": [g, "--to", "canvas", "--roster", r, "--out", o, "--canvas-id", "01_gates=x"],
            "no roster": [g, "--to", "canvas", "--roster", run / "nope.csv", "--out", o]}[case]
    code, stdout, err = inproc(capsys, *args)
    assert code == 2 and err.startswith("lstm-course: error: ") and err.count("\n") == 1, err
    assert ARG_ERRORS[case] in err
    assert not o.exists() and not (g / "canvas.csv").exists() and r.read_text(encoding="utf-8") == ROSTER


# --------------------------------------------------------------------------- end to end

def test_cli_end_to_end(run):
    out = run / "canvas.csv"
    p = cli(run / "graded", "--to", "canvas", "--roster", run / "roster.csv", "--out", out)
    assert p.returncode == 1, p.stderr        # zoe is left out
    assert "zoe" in p.stderr and "manual points pending" in p.stderr
    assert canvas_import(out)[0] == {"01_gates": 27.0, "02_rnn": 20.0}
    p = cli(run / "graded", "--to", "moodle", "--roster", run / "roster.csv", "--out", run / "moodle.csv")
    assert p.returncode == 1 and set(moodle_import(run / "moodle.csv", "ID number")) == {"101", "102", "103", "104"}
    p = cli(run / "graded", "--to", "canvas", "--roster", run / "roster.csv")
    assert p.returncode == 2 and "--out" in p.stderr   # argparse: a required option missing
    p = cli(run / "graded", "--to", "blackboard", "--roster", run / "roster.csv", "--out", out)
    assert p.returncode == 2 and p.stderr == "lstm-course: error: --to must be one of canvas, moodle, not 'blackboard'\n"
    (run / "bad.csv").write_text("student_id,lms_id\nada,1\nada,2\n")
    p = cli(run / "graded", "--to", "canvas", "--roster", run / "bad.csv", "--out", run / "x.csv")
    assert p.returncode == 2 and p.stderr.startswith(f"lstm-course: error: {run / 'bad.csv'} row 3: duplicate student_id")
    assert not (run / "x.csv").exists()


def test_export_imports_nothing_heavy(run):
    """Argument and roster errors, and the export itself, come before (and without) nbgrader."""
    (run / "bad.csv").write_text("student_id,lms_id\nada,1\n,2\n")
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); from autograder.cli import main\n"
            f"a = main(['export', {str(run / 'graded')!r}, '--to', 'canvas', '--roster', {str(run / 'bad.csv')!r}, "
            f"'--out', {str(run / 'o.csv')!r}])\n"
            f"b = main(['export', {str(run / 'graded')!r}, '--to', 'canvas', '--roster', {str(run / 'roster.csv')!r}, "
            f"'--out', {str(run / 'o.csv')!r}])\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('nbgrader', 'torch', 'sqlalchemy', 'numpy', 'jupyter_client'))\n"
            "print(a, b, heavy)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.stdout.splitlines()[-1] == "2 1 []", p.stdout + p.stderr
