"""`lstm-course build [--check]` and stock nbgrader run by hand on the repo."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import ASSIGNMENTS, BIN, REPO
from autograder.release.build import out_of_date

A = ASSIGNMENTS[0]


@pytest.fixture
def release_copy(tmp_path):
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    return tmp_path / "notebooks"


@pytest.mark.slow  # builds the whole release with nbgrader
def test_check_names_a_changed_notebook(release_copy):
    before = set(out_of_date(release_copy))
    nb_path = next((release_copy / A).glob("*.ipynb"))
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    nb_path.write_text(json.dumps(nb))
    assert set(out_of_date(release_copy)) - before == {f"differs: notebooks/{A}/{nb_path.name}"}


@pytest.mark.slow  # builds the whole release with nbgrader
def test_check_names_missing_and_stale_files(release_copy):
    nb_path = next((release_copy / A).glob("*.ipynb"))
    nb_path.unlink()
    (release_copy / "99_old").mkdir()
    (release_copy / "99_old" / "old.ipynb").write_text("{}")
    problems = out_of_date(release_copy)
    assert f"missing: notebooks/{A}/{nb_path.name}" in problems
    assert "not in solutions/ (stale): notebooks/99_old/old.ipynb" in problems


def test_release_has_no_solutions_or_hidden_tests():
    for a in ASSIGNMENTS:
        for p in (REPO / "notebooks" / a).glob("*.ipynb"):
            text = p.read_text()
            for marker in ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]:
                assert marker not in text, f"{p.relative_to(REPO)} contains {marker!r}"


@pytest.mark.slow
def test_stock_nbgrader_by_hand(tmp_path):
    """`nbgrader generate_assignment` and `nbgrader autograde`, run by hand in the repo (with
    its nbgrader_config.py), make the same release and grade with the course's settings."""
    course = tmp_path / "course"
    shutil.copytree(REPO / "solutions" / A, course / "solutions" / A)
    shutil.copy(REPO / "nbgrader_config.py", course)
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg"}
    gen = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", A, "--force"], cwd=course,
                         capture_output=True, text=True, env=env, timeout=300)
    assert gen.returncode == 0, gen.stderr[-2000:]
    for p in (REPO / "notebooks" / A).glob("*.ipynb"):
        assert json.loads((course / "notebooks" / A / p.name).read_text()) == json.loads(p.read_text())
    sub = course / "submitted" / "s1" / A
    shutil.copytree(REPO / "solutions" / A, sub)
    grade = subprocess.run([str(BIN / "nbgrader"), "autograde", A, "--force"], cwd=course,
                           capture_output=True, text=True, env=env, timeout=600)
    assert grade.returncode == 0, grade.stderr[-2000:]
    assert list((course / "autograded" / "s1" / A).glob("*.ipynb"))


def test_build_of_one_assignment_leaves_the_others_alone(release_copy):
    """`lstm-course build A` regenerates only A's folder: another assignment's folder, even a
    hand-edited or unknown one, is not touched (authors working side by side)."""
    from autograder.release.build import build
    other = release_copy / "99_other"
    other.mkdir()
    (other / "keep.ipynb").write_text("{}")
    nb_path = next((release_copy / A).glob("*.ipynb"))
    nb_path.write_text("{}")
    assert build(release_copy, [A]) == [A]
    assert (other / "keep.ipynb").read_text() == "{}"
    assert json.loads(nb_path.read_text()) == json.loads((REPO / "notebooks" / A / nb_path.name).read_text())
