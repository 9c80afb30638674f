"""Reading an nbgrader notebook's cells: their roles (solution, test), the functions a solution
cell defines, and which test cells test which function."""
from __future__ import annotations

import ast
import io
import re
import tokenize

from .preprocessors import BEGIN_HIDDEN, strip_hidden_region


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and bool(nbgrader_meta(cell).get("solution"))


def is_test(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def without_magics(source: str) -> str:
    """`source` with IPython magics and shell escapes (`%...`, `!...`) blanked out, so that it
    parses as Python (line numbers kept)."""
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.split("\n"))


def defined_functions(source: str) -> list[str]:
    """Top-level function names defined by `source` (IPython magics ignored)."""
    return [n.name for n in ast.parse(without_magics(source)).body if isinstance(n, ast.FunctionDef)]


def graded_functions(nb) -> list[str]:
    """The functions the student writes: top-level defs of solution cells (not `_private`)."""
    return [f for c in nb.cells if is_solution(c) for f in defined_functions(c.source) if not f.startswith("_")]


def uses(source: str, name: str) -> bool:
    """Whether code in `source` uses `name`: calls it or passes it on, as in
    `assert_no_warnings(sigmoid, x)` (strings, docstrings, comments and attributes ignored)."""
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.STRING)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", source) is not None
    return any(t.type == tokenize.NAME and t.string == name and not (i > 0 and toks[i - 1].string == ".")
               for i, t in enumerate(toks))


def function_test_cells(nb) -> dict[str, dict[str, list[str]]]:
    """For each graded function: the grade_ids of its visible and hidden test cells."""
    cov = {f: {"visible": [], "hidden": []} for f in graded_functions(nb)}
    for cell in filter(is_test, nb.cells):
        visible, _ = strip_hidden_region(cell.source)
        hidden = cell.source.split(BEGIN_HIDDEN, 1)[-1] if BEGIN_HIDDEN in cell.source else ""
        gid = grade_id(cell) or "?"
        for f in cov:
            if uses(visible, f):
                cov[f]["visible"].append(gid)
            if hidden and uses(hidden, f):
                cov[f]["hidden"].append(gid)
    return cov
