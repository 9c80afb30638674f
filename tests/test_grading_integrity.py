"""Every assignment graded for real by `lstm-course grade` (nbgrader underneath):
the reference solution submitted as it is scores full marks, the untouched release scores 0."""
from __future__ import annotations

import csv
import shutil
import subprocess

import pytest

from conftest import ASSIGNMENTS, REPO, lstm_course

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading_integrity")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("integrity")
    for student, folder in [("reference", "solutions"), ("untouched", "notebooks")]:
        for a in ASSIGNMENTS:
            shutil.copytree(REPO / folder / a, base / "submitted" / student / a)
    out = subprocess.run(lstm_course() + ["grade", str(base / "submitted"), "--out", str(base / "out"), "--quiet"],
                         cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(base / "out" / "grades.csv"))}
    cells = list(csv.DictReader(open(base / "out" / "cells.csv")))
    return rows, cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_scores_full_marks(graded, assignment):
    rows, cells = graded
    row = rows[("reference", assignment)]
    assert row["status"] == "graded", row
    lost = [c["grade_id"] for c in cells if c["student_id"] == "reference" and c["assignment"] == assignment
            and c["kind"] == "auto" and float(c["score"]) < float(c["max_score"])]
    assert not lost, f"the reference solution loses points in {lost}"
    assert float(row["auto_score"]) == float(row["auto_max_score"]) > 0
    assert row["review"] == "", f"the out-of-kernel crosscheck disagrees with the reference: {row['review']}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded, assignment):
    rows, _ = graded
    row = rows[("untouched", assignment)]
    assert row["status"] == "graded", row
    assert float(row["score"]) == 0.0, f"the untouched release of {assignment} scores {row['score']}"
