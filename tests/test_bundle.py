"""`lstm-course bundle`: everything a student needs, nothing of the solutions."""
from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile

import nbformat

from conftest import ASSIGNMENTS, REPO, lstm_course
from autograder.nbgrader.cells import is_solution, is_test
from autograder.nbgrader.preprocessors import BEGIN_HIDDEN, END_HIDDEN


def _check_cells_stripped(bundled: dict, solution_nb):
    """Each solution cell carries no line of the reference answer, each hidden test cell no line
    of its hidden region (lines that also stand in the visible part of the same cell excepted)."""
    for c in solution_nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if not gid or gid not in bundled:
            continue
        if is_solution(c) and c.cell_type == "code" and "BEGIN SOLUTION" in c.source:
            inside, outside = c.source.split("BEGIN SOLUTION", 1)[1].split("END SOLUTION", 1)[0], c.source
        elif is_test(c) and BEGIN_HIDDEN in c.source:
            before, rest = c.source.split(BEGIN_HIDDEN, 1)
            inside, after = rest.split(END_HIDDEN, 1)
            outside = before + after
        else:
            continue
        shown = {ln.strip() for ln in outside.splitlines()} if not is_solution(c) else set()
        secret = {ln.strip() for ln in inside.splitlines() if len(ln.strip()) > 12} - shown
        leaked = [ln for ln in secret if ln in {x.strip() for x in bundled[gid].splitlines()}]
        assert not leaked, f"cell {gid} of the bundle shows solution or hidden-test lines: {leaked[:2]}"


def test_bundle_has_the_course_and_no_solutions(tmp_path):
    out = tmp_path / "course.zip"
    r = subprocess.run(lstm_course() + ["bundle", "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    z = zipfile.ZipFile(out)
    names = z.namelist()
    for a in ASSIGNMENTS:
        assert any(n.startswith(f"notebooks/{a}/") and n.endswith(".ipynb") for n in names), a
    for must in ["lstmlib/__init__.py", "lstmlib/testing.py", "environment.yml", "README.md", "pyproject.toml", "constraints.txt"]:
        assert must in names
    for banned in ["solutions/", "autograder/", "tests/", "nbgrader_config.py", ".venv/"]:
        assert not [n for n in names if n.startswith(banned)], f"{banned} is in the bundle"
    for n in names:
        text = z.read(n).decode("utf-8", errors="replace")
        for marker in ["BEGIN SOLUTION", "BEGIN HIDDEN TESTS"]:
            assert marker not in text, f"{n} contains {marker}"
    checked = 0
    for a in ASSIGNMENTS:
        for p in (REPO / "solutions" / a).glob("*.ipynb"):
            name = f"notebooks/{a}/{p.name}"
            assert z.read(name) == (REPO / name).read_bytes(), f"{name} differs from the release"
            bundled = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source
                       for c in nbformat.reads(z.read(name).decode(), as_version=4).cells}
            _check_cells_stripped(bundled, nbformat.read(str(p), as_version=4))
            checked += 1
    assert checked == len(ASSIGNMENTS)
    meta = tomllib.loads(z.read("pyproject.toml").decode())
    assert meta["tool"]["setuptools"]["packages"] == ["lstmlib", "lstmlib.data"]
    z.extractall(tmp_path / "x")
    check = subprocess.run([sys.executable, "-c", "import lstmlib, lstmlib.testing; print(lstmlib.mode())"],
                           cwd=tmp_path / "x", capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path / "x"), "PATH": "/usr/bin"})
    assert check.returncode == 0 and check.stdout.strip() == "full", check.stderr
