"""`lstm-course grade` run after run on one OUT_DIR, as an instructor does: a rerun resumes
(and says so even with --quiet), another class's folder is refused unless --fresh, --student
regrades one student and keeps the others, and intake copes with what students really hand in
(a notebook saved under another name, a folder that is not an assignment)."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess

import nbformat
import pytest

from conftest import A, NB, REPO, lstm_course, release_nb, with_solutions, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grade_runs")]


def _grade(sub, out, *extra, env=None):
    return subprocess.run(lstm_course() + ["grade", str(sub), "--out", str(out), "--workers", "2", "--quiet", *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=900, env=env)


def _rows(out):
    return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(out / "grades.csv"))}


def _graded(out) -> list[str]:
    return [json.loads(ln)["result"]["student"] for ln in (out / ".journal.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    sub = base / "submitted"
    write_submission(sub, "ada", with_solutions(release_nb()))
    write_submission(sub, "bo", release_nb())
    renamed = write_submission(sub, "cy", with_solutions(release_nb()))
    (renamed / NB).rename(renamed / "01_Gates (1).ipynb")  # as a browser's download names it
    two = write_submission(sub, "di", with_solutions(release_nb()))
    (two / NB).rename(two / "draft.ipynb")
    nbformat.write(release_nb(), str(two / "final.ipynb"))
    (sub / "ed" / "02-rnn").mkdir(parents=True)  # not an assignment of the course
    nbformat.write(release_nb(), str(sub / "ed" / "02-rnn" / "x.ipynb"))
    out = base / "out"
    # an instructor's TMPDIR may be a long path: kernels' socket paths must still fit
    tmp = base / ("long-temporary-folder-" + "x" * 60)
    tmp.mkdir()
    r = _grade(sub, out, env={**os.environ, "TMPDIR": str(tmp)})
    assert r.returncode == 0, r.stderr[-3000:]
    return base, sub, out, r


def test_a_long_temporary_folder_path_grades_as_usual(first):
    row = _rows(first[2])[("ada", A)]
    assert row["status"] == "graded" and float(row["auto_score"]) == float(row["auto_max_score"]) > 0, row


def test_a_notebook_under_another_name_is_graded_when_it_is_the_only_one(first):
    _, sub, out, _ = first
    row = _rows(out)[("cy", A)]
    assert row["status"] == "graded" and float(row["auto_score"]) == float(row["auto_max_score"]) > 0, row
    assert "01_Gates (1).ipynb" in row["detail"]
    assert (sub / "cy" / A / "01_Gates (1).ipynb").exists() and not (sub / "cy" / A / NB).exists()


def test_a_missing_notebook_names_what_was_there(first):
    row = _rows(first[2])[("di", A)]
    assert row["status"] == "missing notebook", row
    assert f"{NB} not found" in row["detail"] and "draft.ipynb" in row["detail"] and "final.ipynb" in row["detail"]


def test_a_folder_that_is_no_assignment_gets_a_row_but_no_summary(first):
    out = first[2]
    assert _rows(out)[("ed", "02-rnn")]["status"] == "unknown assignment"
    assert sorted(p.name for p in (out / "summary").iterdir()) == [f"{A}.md", f"{A}.png"]


def test_the_same_command_again_resumes_and_says_so_even_quiet(first):
    _, sub, out, _ = first
    before = _graded(out)
    again = _grade(sub, out)
    assert again.returncode == 0, again.stderr
    assert "resuming: 5 of 5 submissions were graded before" in again.stderr
    assert "graded 0 submission(s)" in again.stdout and "kept 5 from the earlier run" in again.stdout
    assert _graded(out) == before  # nobody graded twice


def test_student_regrades_only_that_student(first):
    _, sub, out, _ = first
    before = _rows(out)
    nb = with_solutions(release_nb())  # bo hands in a finished notebook after all
    nbformat.write(nb, str(sub / "bo" / A / NB))
    shutil.rmtree(sub / "cy" / A)  # and cy's folder changes too, but cy is not named
    write_submission(sub.parent / "tmp", "cy", release_nb())
    shutil.copytree(sub.parent / "tmp" / "cy" / A, sub / "cy" / A)
    r = _grade(sub, out, "--student", "bo")
    assert r.returncode == 0, r.stderr
    after = _rows(out)
    assert _graded(out)[-1] == "bo" and _graded(out).count("cy") == 1
    assert float(after[("bo", A)]["auto_score"]) == float(after[("bo", A)]["auto_max_score"]) > 0
    assert after[("cy", A)] == before[("cy", A)]  # kept as graded before
    assert set(after) == set(before)


def test_another_class_in_the_same_out_is_refused_and_fresh_replaces_it(first):
    base, _, out, _ = first
    other = base / "other-class"
    write_submission(other, "zed", release_nb())
    refused = _grade(other, out)
    assert refused.returncode == 2 and "holds the grades of another run" in refused.stderr, refused.stderr
    assert len([ln for ln in refused.stderr.splitlines() if ln.strip()]) == 1
    fresh = _grade(other, out, "--fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert set(_rows(out)) == {("zed", A)}
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["zed"]  # nothing of the old class left
