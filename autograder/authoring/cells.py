"""Build nbgrader notebooks cell by cell (for authors writing a new assignment).

    from autograder.authoring.cells import md, readonly, solution, tests, manual, write_notebook
    cells = [md("# 01 · Gates"), readonly("import numpy as np", "setup"), ...]
    write_notebook("solutions/01_gates/01_gates.ipynb", cells)

The notebook written is the nbgrader *source*: solutions and hidden tests included, no outputs.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

_GRADE_ID = re.compile(r"^[a-z0-9_]+$")


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    if not _GRADE_ID.match(grade_id):
        raise ValueError(f"grade_id {grade_id!r} must match [a-z0-9_]+")
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _clean(source: str) -> str:
    return source.strip("\n")


def md(source: str):
    """A plain markdown cell (theory, instructions)."""
    return new_markdown_cell(_clean(source))


def code(source: str):
    """A plain code cell the student may edit freely (experiments, plots)."""
    return new_code_cell(_clean(source))


def readonly(source: str, grade_id: str, *, markdown: bool = False):
    """A locked cell: setup code or given text the student must not change."""
    cell = new_markdown_cell(_clean(source)) if markdown else new_code_cell(_clean(source))
    cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def solution(source: str, grade_id: str):
    """An autograded answer: code with ### BEGIN SOLUTION / ### END SOLUTION regions."""
    if "### BEGIN SOLUTION" not in source:
        raise ValueError(f"solution cell {grade_id} has no '### BEGIN SOLUTION' region")
    cell = new_code_cell(_clean(source))
    cell.metadata.update(_meta(grade_id, grade=False, solution=True, locked=False))
    return cell


def tests(source: str, grade_id: str, points: float):
    """An autograder test cell worth `points`; hidden parts between ### BEGIN/END HIDDEN TESTS."""
    cell = new_code_cell(_clean(source))
    cell.metadata.update(_meta(grade_id, grade=True, solution=False, locked=True, points=points))
    return cell


def manual(source: str, grade_id: str, points: float):
    """A manually graded written answer (markdown); `source` is the reference answer."""
    cell = new_markdown_cell(_clean(source))
    cell.metadata.update(_meta(grade_id, grade=True, solution=True, locked=False, points=points))
    return cell


def write_notebook(path: str | Path, cells: list) -> Path:
    """Write `cells` as a course notebook (python3 kernel, no outputs) and return its path."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.metadata]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate grade_id(s): {dupes}")
    for i, cell in enumerate(nb.cells):  # stable cell ids keep diffs small and the build reproducible
        cell["id"] = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell-{i:03d}").replace("_", "-")[:64]
    nbformat.validate(nb)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path
