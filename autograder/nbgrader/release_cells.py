"""nbgrader preprocessors of the release (generate_assignment), after its own.

- `QuietHiddenTests`: a test cell whose tests are all hidden is, in the release, only its
  docstring. A cell whose last statement is an expression shows that value, so the student's
  run would print the docstring as `Out[...]` under every such cell. This preprocessor runs
  after nbgrader's ClearHiddenTests and before its final ComputeChecksums (config.py) and adds
  one statement, `pass` with a comment saying where the tests went, to each test cell left with
  only a docstring. Grading is unaffected: the graded notebook's test cells come back from the
  gradebook, which SaveCells filled before the hidden tests were removed.
"""
from __future__ import annotations

import ast

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Unicode

HIDDEN_TESTS_STATEMENT = "pass  # the hidden tests of this cell run when your notebook is graded"


def only_docstring(source: str) -> bool:
    """Whether `source` is one string literal (a docstring) and nothing else."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)


class QuietHiddenTests(NbGraderPreprocessor):
    """Give a test cell that is only a docstring in the release a last statement that is not an
    expression, so that running it shows nothing."""

    statement = Unicode(HIDDEN_TESTS_STATEMENT,
                        help="The statement added after the docstring of a test cell whose tests are all hidden"
                        ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell) and only_docstring(cell.source):
            cell.source = cell.source.rstrip() + "\n" + self.statement
        return cell, resources
