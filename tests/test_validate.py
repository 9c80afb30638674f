"""`lstm-course validate`: per exercise, every failing visible test with its whole message."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.run import Exercise, error_message, format_report, validate

HINT = ("Hint: sigmoid must not overflow for large |x|: np.exp(-x) overflows for x = -1000 (and np.exp(x) "
        "for x = +1000). Compute z = np.exp(-np.abs(x)), which never exceeds 1, then 1 / (1 + z) where x >= 0 "
        "and z / (1 + z) where x < 0. np.where(cond, a, b) evaluates BOTH branches on every element.")
ERROR = ("AssertionError: sigmoid(x) has a RuntimeWarning: overflow encountered in exp (at |x| = 1000)\n" + HINT)


def _words(text: str) -> list[str]:
    return text.split()


def test_report_shows_every_line_of_a_failure_under_its_test():
    exercises = [Exercise("Exercise 1 (4 points)", passed=["sigmoid_values"], failed=[("sigmoid_stable", ERROR)],
                          hidden=1)]
    report = format_report(Path("01_gates.ipynb"), exercises)
    lines = report.splitlines()
    k = lines.index("       sigmoid_stable:")
    body = lines[k + 1:-1]
    assert body and all(ln.startswith(" " * 9) for ln in body), report      # indented under the test's name
    assert all(len(ln) <= 100 or " " not in ln.strip() for ln in body), report   # wrapped, still readable
    assert _words("\n".join(body)) == _words(ERROR), report                 # nothing cut, nothing added
    assert any(ln.strip().startswith("Hint:") for ln in body), report       # the hint keeps its own line
    assert "1/2 passed, 1 hidden test cell(s) run at grading" in report


def test_not_implemented_is_said_plainly():
    assert error_message("NotImplementedError: ") == \
        "not implemented yet (the function still raises NotImplementedError)"
    assert error_message(ERROR + "\n") == ERROR


def _cell(source, grade_id, *, points=1):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": points,
                                 "grade_id": grade_id, "schema_version": 3}
    return cell


@pytest.mark.slow
def test_validate_runs_the_notebook_and_reports_whole_messages(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### Exercise 1 (2 points)\n\nImplement `double`."),
        nbformat.v4.new_code_cell("def double(x):\n    return x + 2"),
        _cell('"""double: 3 doubled is 6."""\nassert double(3) == 6, ' + repr(ERROR.split(": ", 1)[1]), "double_values"),
        _cell('"""double (hidden): more values."""\npass  # the hidden tests of this cell run when your notebook is graded',
              "double_hidden"),
        nbformat.v4.new_markdown_cell("### Exercise 2 (1 point)"),
        _cell('"""always right."""\nassert True', "fine"),
    ])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, str(path))
    exercises = validate(path, mode="ci", timeout=120)
    assert [(e.title, e.passed, [g for g, _ in e.failed], e.hidden) for e in exercises] == [
        ("Exercise 1 (2 points)", [], ["double_values"], 1), ("Exercise 2 (1 point)", ["fine"], [], 0)]
    message = exercises[0].failed[0][1]
    assert message == ERROR, message
    report = format_report(path, exercises)
    assert _words(ERROR) == _words(report.split("double_values:")[1].split("  ok  ")[0])


@pytest.mark.parametrize("assignment", __import__("conftest").ASSIGNMENTS)
def test_each_exercise_heading_states_the_points_of_its_test_cells(assignment):
    """validate groups test cells under the last `### Exercise k (p points)` heading above them:
    each heading has a markdown cell of its own (a second heading in the same cell is not seen),
    and p is the sum of the points of the test cells up to the next heading."""
    import re

    from conftest import REPO
    from autograder.nbgrader.cells import is_test
    from autograder.run import EXERCISE

    for path in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        exercises = []
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                titles = EXERCISE.findall(cell.source)
                assert len(titles) <= 1, f"{path.name}: one markdown cell holds several exercise headings: {titles}"
                if titles:
                    m = re.search(r"\((\d+) points?\)", titles[0])
                    assert m, f"{path.name}: the heading {titles[0]!r} does not say how many points it is worth"
                    exercises.append([titles[0], int(m.group(1)), 0])
            elif is_test(cell) and exercises:
                exercises[-1][2] += cell.metadata["nbgrader"]["points"]
        wrong = [(title, stated, tested) for title, stated, tested in exercises if stated != tested]
        assert not wrong, f"{path.name}: (heading, points stated, points of its test cells): {wrong}"
