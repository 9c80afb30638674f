"""Course integrity, parametrised over every assignment in solutions/.

Each new notebook gets these checks for free:
- stored without outputs or execution counts (solutions/ and notebooks/);
- notebooks/ is exactly what `lstm-course build` makes from solutions/;
- the solution executes top to bottom in `ci` mode (`lstm-course run`);
- every graded function has a visible and a hidden test cell;
- every mutant (tests/mutants/<a>.py, a real student mistake) loses points, and a failing
  test's message names the mistake; the reference solution passes every test cell;
- graded for real by `lstm-course grade` (nbgrader): the solution gets full marks and the
  untouched release gets 0 (tests/test_grading_integrity.py).
"""
from __future__ import annotations

import csv
import json
import subprocess

import nbformat
import pytest

from conftest import ASSIGNMENTS, REPO, lstm_course
from autograder.authoring.mutants import check_mutants, load_mutants
from autograder.nbgrader.cells import function_test_cells, graded_functions

MIN_MUTANTS = 10  # per assignment that has graded functions


def test_course_has_assignments():
    assert ASSIGNMENTS, "solutions/ holds no assignment"


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stored_without_outputs(assignment, folder):
    paths = sorted((REPO / folder / assignment).glob("*.ipynb"))
    assert paths, f"{folder}/{assignment} has no notebook"
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        dirty = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
        assert not dirty, f"{path.relative_to(REPO)}: cells {dirty} are stored with outputs or execution counts"


@pytest.mark.slow
def test_release_in_sync():
    out = subprocess.run(lstm_course() + ["build", "--check"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, f"notebooks/ is not what `lstm-course build` makes:\n{out.stderr}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_graded_functions_have_visible_and_hidden_tests(assignment):
    for path in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        cov = function_test_cells(nb)
        lacking = [f"{f} (visible: {c['visible'] or 'none'}, hidden: {c['hidden'] or 'none'})"
                   for f, c in cov.items() if not c["visible"] or not c["hidden"]]
        assert not lacking, f"{path.name}: graded functions without a visible and a hidden test: {lacking}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs_in_ci_mode(assignment, tmp_path):
    out = subprocess.run(lstm_course() + ["run", "solutions", "--mode", "ci", "--out", str(tmp_path),
                                          "--assignment", assignment, "--quiet"],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    rows = list(csv.DictReader(open(tmp_path / "summary.csv")))
    assert rows and all(r["status"] == "ok" for r in rows), f"{assignment} did not run cleanly in ci mode:\n{out.stdout}\n{out.stderr[-2000:]}"
    assert out.returncode == 0
    reports = [p for p in (REPO / "solutions" / assignment).glob("*.ipynb") if "report(" in p.read_text()]
    if reports:
        data = json.loads((tmp_path / "results" / f"{assignment}.json").read_text())
        assert data["figures"], f"{assignment} calls lstmlib.report but no figures were collected"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_lose_points(assignment):
    paths = sorted((REPO / "solutions" / assignment).glob("*.ipynb"))
    graded = [f for p in paths for f in graded_functions(nbformat.read(str(p), as_version=4))]
    mutants = load_mutants(assignment)
    if graded:
        assert len(mutants) >= MIN_MUTANTS, f"tests/mutants/{assignment}.py has {len(mutants)} mutants; at least {MIN_MUTANTS} needed"
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        here = [m for m in mutants if m.replaces in graded_functions(nb)]
        baseline, outcomes = check_mutants(path, here, mode="ci")
        assert not baseline.failed, f"the reference solution fails test cells: {baseline.failed}"
        assert not baseline.other_errors, f"the reference solution raises outside test cells: {baseline.other_errors}"
        survivors = [o.name for o in outcomes if not o.failed]
        assert not survivors, f"mutants that keep full marks (the tests miss these mistakes): {survivors}"
        unexplained = [f"{m.name}: expected {m.expect!r} in {sorted(o.failed.values())[:2]}"
                       for m, o in zip(here, outcomes) if not o.mentions(m.expect)]
        assert not unexplained, "failing tests whose messages do not name the mistake:\n" + "\n".join(unexplained)
