"""The release's test cells whose tests are all hidden: in the student's notebook they are a
docstring and a `pass`, so running them shows nothing (autograder/nbgrader/release_cells.py)."""
from __future__ import annotations

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbgrader.converters import GenerateAssignment
from traitlets.config import Config

from conftest import ASSIGNMENTS, REPO
from autograder.nbgrader.cells import grade_id, is_test
from autograder.nbgrader.config import apply
from autograder.nbgrader.preprocessors import BEGIN_HIDDEN, strip_hidden_region
from autograder.nbgrader.release_cells import HIDDEN_TESTS_STATEMENT, QuietHiddenTests, only_docstring
from autograder.run import _only_docstring

DOCSTRING = '"""gate (hidden): random shapes against torch."""'


def _test_cell(source, **meta):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                 "grade_id": "t", "schema_version": 3, **meta}
    return cell


def test_release_pipeline_is_nbgraders_with_quiet_hidden_tests_after_clear_hidden_tests():
    """nbgrader's own generate_assignment order (ClearHiddenTests after SaveCells, checksums
    recomputed after it), with QuietHiddenTests right after ClearHiddenTests."""
    stock = list(GenerateAssignment.class_traits()["preprocessors"].default())
    names = [p.__name__ for p in stock]
    k = names.index("ClearHiddenTests")
    assert names[k + 1:].count("ComputeChecksums") == 1, names
    ours = apply(Config()).GenerateAssignment.preprocessors
    assert ours == stock[:k + 1] + [QuietHiddenTests] + stock[k + 1:]


def test_a_docstring_only_test_cell_gets_the_statement():
    pre = QuietHiddenTests()
    cell, _ = pre.preprocess_cell(_test_cell(DOCSTRING + "\n"), {}, 0)
    assert cell.source == DOCSTRING + "\n" + HIDDEN_TESTS_STATEMENT
    for unchanged in [_test_cell(DOCSTRING + "\nassert gate(1, 2, 3) is not None"),   # visible tests
                      _test_cell(DOCSTRING, solution=True),                            # an answer cell
                      nbformat.v4.new_code_cell(DOCSTRING),                            # not nbgrader's
                      nbformat.v4.new_markdown_cell(DOCSTRING)]:
        source = unchanged.source
        assert pre.preprocess_cell(unchanged, {}, 0)[0].source == source


def test_the_statement_silences_the_cell_and_validate_still_counts_it_hidden():
    shell = InteractiveShell.instance()
    try:
        assert shell.run_cell(DOCSTRING, store_history=False).result == DOCSTRING[3:-3]   # Out[...]
        assert shell.run_cell(DOCSTRING + "\n" + HIDDEN_TESTS_STATEMENT, store_history=False).result is None
    finally:
        InteractiveShell.clear_instance()
    assert only_docstring(DOCSTRING) and not only_docstring(DOCSTRING + "\n" + HIDDEN_TESTS_STATEMENT)
    assert _only_docstring(DOCSTRING) and _only_docstring(DOCSTRING + "\n" + HIDDEN_TESTS_STATEMENT)
    assert not _only_docstring(DOCSTRING + "\nassert gate(1, 2, 3) is not None")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_hidden_test_cells_are_quiet(assignment):
    """Every test cell of the release that is only a docstring in the source once its hidden
    region is removed is that docstring and the statement in notebooks/ (rebuild after changing
    the release pipeline: `lstm-course build`)."""
    for source_path in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        release = nbformat.read(str(REPO / "notebooks" / assignment / source_path.name), as_version=4)
        released = {grade_id(c): c.source for c in release.cells if is_test(c)}
        for cell in filter(is_test, nbformat.read(str(source_path), as_version=4).cells):
            visible, removed = strip_hidden_region(cell.source, placeholder="")
            if BEGIN_HIDDEN in cell.source and only_docstring(visible):
                got = released[grade_id(cell)]
                assert got.endswith("\n" + HIDDEN_TESTS_STATEMENT) and _only_docstring(got), \
                    f"{assignment}: {grade_id(cell)} in the release:\n{got}"
