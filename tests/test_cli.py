"""The command line's arguments, checked without running anything heavy (milliseconds): the
`--assignment` forms, numeric options, and errors that appear before any heavy import."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from conftest import REPO, lstm_course
from autograder.cli import parser
from autograder.course import CourseError
from autograder.grading.intake import RUN_FILE, check_out, mark_out


@pytest.mark.parametrize("command", [["build"], ["grade", "sub", "--out", "o"], ["run", "solutions", "--out", "o"]])
def test_assignment_takes_several_names_and_repeats_the_same_way(command):
    one = parser().parse_args([*command, "--assignment", "01_gates", "02_rnn"])
    two = parser().parse_args([*command, "--assignment", "01_gates", "--assignment", "02_rnn"])
    assert one.assignment == two.assignment == ["01_gates", "02_rnn"]


def test_student_repeats_like_assignment():
    args = parser().parse_args(["grade", "sub", "--out", "o", "--student", "ada", "bo", "--student", "cy"])
    assert args.student == ["ada", "bo", "cy"]


@pytest.mark.parametrize("option, value", [("--workers", "0"), ("--workers", "-1"), ("--workers", "two"),
                                           ("--cell-timeout", "0"), ("--cell-timeout", "-5")])
def test_numeric_options_are_checked(option, value, capsys):
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["grade", "sub", "--out", "o", option, value])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_out_may_be_new_empty_or_this_same_run(tmp_path):
    sub, out = tmp_path / "submitted", tmp_path / "out"
    sub.mkdir()
    check_out(out, sub)  # new
    out.mkdir()
    check_out(out, sub)  # empty
    (out / "grades.csv").write_text("x")
    mark_out(out, sub)
    check_out(out, sub)  # the same run: resumed


def test_out_of_another_run_is_refused_unless_fresh(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "feedback").mkdir()
    (out / "grades.csv").write_text("x")
    (out / "notes.txt").write_text("the instructor's own file")
    mark_out(out, tmp_path / "class-a")
    with pytest.raises(CourseError, match="another run .*class-a.*--fresh"):
        check_out(out, tmp_path / "class-b")
    check_out(out, tmp_path / "class-b", fresh=True)
    assert not (out / "feedback").exists() and not (out / "grades.csv").exists() and not (out / RUN_FILE).exists()
    assert (out / "notes.txt").read_text() == "the instructor's own file"  # only what grade writes goes


def test_out_that_is_a_file_or_someone_elses_folder_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(CourseError, match="is a file"):
        check_out(tmp_path / "file", tmp_path / "sub")
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_text("")
    for fresh in (False, True):
        with pytest.raises(CourseError, match="holds no grading run"):
            check_out(other, tmp_path / "sub", fresh=fresh)
    assert (other / "cat.jpg").exists()


def test_grades_without_a_run_record_are_not_taken_for_this_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".journal.jsonl").write_text("")
    with pytest.raises(CourseError, match="cannot be told apart"):
        check_out(out, tmp_path / "sub")


@pytest.mark.parametrize("args, message", [
    (["grade", "/nonexistent", "--out", "/tmp/x"], "submissions folder not found"),
    (["grade", "SUB", "--out", str(REPO / "README.md")], "is a file"),
    (["grade", "SUB", "--out", "OUT", "--student", "zed"], "no submissions of zed"),
    (["run", "solutions", "--out", "/tmp/x", "--assignment", "99_nope"], "unknown assignment 99_nope"),
    (["validate", "/nonexistent.ipynb"], "notebook not found"),
])
def test_a_bad_argument_is_one_line_and_quick(args, message, tmp_path):
    """The error comes before nbgrader, torch or Jupyter are imported: well under the ~6 s those take."""
    (tmp_path / "sub" / "ada" / "01_gates").mkdir(parents=True)
    args = [str(tmp_path / "sub") if a == "SUB" else str(tmp_path / "out") if a == "OUT" else a for a in args]
    start = time.perf_counter()
    r = subprocess.run(lstm_course() + args, cwd=REPO, capture_output=True, text=True, timeout=60)
    took = time.perf_counter() - start
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("lstm-course: error:") and message in lines[0], r.stderr
    heavy = subprocess.run([sys.executable, "-X", "importtime", "-m", "autograder.cli", *args], cwd=REPO,
                           capture_output=True, text=True, timeout=60).stderr
    imported = {ln.split("|")[-1].strip().split(".")[0] for ln in heavy.splitlines() if ln.startswith("import time:")}
    assert not imported & {"nbgrader", "torch", "nbclient", "jupyter_client", "numpy"}, sorted(imported)[:50]
    assert took < 30
