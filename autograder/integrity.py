"""Course integrity: what every assignment must satisfy, checked without hand-written tests.

- every graded function (a top-level `def` in a solution cell) has a visible and a hidden test;
- every mutant in `tests/mutants/<assignment>.py` (a real student mistake) loses points, with
  a failure message that names it.

Mutants run many to a kernel (`WarmKernel`): the notebook's nbgrader cells (setup, solutions,
tests) are executed once for the reference solution and once per mutant, with the mutant's
source appended to the solution cell that defines the function it replaces.
"""
from __future__ import annotations

import ast
import importlib.util
import io
import tokenize
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import REPO
from .execute import WarmKernel, cell_errors
from .preprocessors import BEGIN_HIDDEN, strip_hidden_region

MUTANTS_DIR = REPO / "tests" / "mutants"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and bool(nbgrader_meta(cell).get("solution"))


def is_test(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def defined_functions(source: str) -> list[str]:
    """Top-level function names defined by `source` (IPython magics ignored)."""
    code = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.split("\n"))
    return [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]


def graded_functions(nb) -> list[str]:
    return [f for c in nb.cells if is_solution(c) for f in defined_functions(c.source) if not f.startswith("_")]


def _calls(source: str, name: str) -> bool:
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
        hidden = cell.source if BEGIN_HIDDEN in cell.source else ""
        hidden = hidden.split(BEGIN_HIDDEN, 1)[-1] if hidden else ""
        gid = nbgrader_meta(cell).get("grade_id", "?")
        for f in cov:
            if _calls(visible, f):
                cov[f]["visible"].append(gid)
            if hidden and _calls(hidden, f):
                cov[f]["hidden"].append(gid)
    return cov


# --------------------------------------------------------------------------- mutants

@dataclass
class Mutant:
    name: str
    replaces: str
    source: str
    expect: str

    @classmethod
    def from_dict(cls, d: dict) -> "Mutant":
        missing = {"name", "replaces", "source", "expect"} - d.keys()
        if missing:
            raise ValueError(f"mutant {d.get('name', '?')} lacks {sorted(missing)}")
        return cls(d["name"], d["replaces"], textwrap.dedent(d["source"]).strip("\n"), d["expect"])


def load_mutants(assignment: str, directory: Path = MUTANTS_DIR) -> list[Mutant]:
    path = directory / f"{assignment}.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mutants = [Mutant.from_dict(d) for d in module.MUTANTS]
    names = [m.name for m in mutants]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{path}: duplicate mutant names {dupes}")
    return mutants


def mutate(nb, mutant: Mutant) -> list:
    """The notebook's nbgrader cells with `mutant.source` appended to the solution cell that
    defines `mutant.replaces` (raises if no solution cell defines it)."""
    cells = [nbformat.from_dict(dict(c)) for c in nb.cells]
    for cell in cells:
        if is_solution(cell) and mutant.replaces in defined_functions(cell.source):
            cell.source = cell.source + "\n\n# --- mutant: " + mutant.name + "\n" + mutant.source + "\n"
            return cells
    raise ValueError(f"mutant {mutant.name}: no solution cell defines {mutant.replaces}()")


@dataclass
class Outcome:
    """What one variant of a notebook scored: the failing test cells and their messages."""
    name: str
    failed: dict[str, str] = field(default_factory=dict)     # grade_id -> error text
    points_lost: float = 0.0
    max_points: float = 0.0
    other_errors: list[str] = field(default_factory=list)   # errors outside test cells

    def mentions(self, text: str) -> bool:
        return any(text.lower() in msg.lower() for msg in self.failed.values())


def _score(name: str, cells: list) -> Outcome:
    out = Outcome(name)
    for i, cell in enumerate(cells):
        errors = cell_errors(cell) if cell.cell_type == "code" else []
        if is_test(cell):
            pts = float(nbgrader_meta(cell).get("points", 0))
            out.max_points += pts
            if errors:
                out.failed[nbgrader_meta(cell)["grade_id"]] = "\n".join(errors)
                out.points_lost += pts
        elif errors:
            out.other_errors.append(f"cell {i}: {errors[0]}")
    return out


def check_mutants(path: Path, mutants: list[Mutant], *, mode: str = "ci", only_graded_cells: bool = True,
                  timeout: int = 120) -> tuple[Outcome, list[Outcome]]:
    """Run the reference solution, then each mutant, in one warm kernel.

    With `only_graded_cells`, plain (experiment/plot) cells are left out: test cells may rely
    only on the setup and solution cells, which this also enforces.
    """
    nb = nbformat.read(str(path), as_version=4)
    keep = (lambda c: "nbgrader" in c.get("metadata", {}) and c.cell_type == "code") if only_graded_cells \
        else (lambda c: True)
    variants = [("solution", [c for c in nb.cells if keep(c)])]
    for m in mutants:
        variants.append((m.name, [c for c in mutate(nb, m) if keep(c)]))
    outcomes = []
    with WarmKernel(path.parent, mode=mode, timeout=timeout) as kernel:
        for name, cells in variants:
            outcomes.append(_score(name, kernel.execute(cells)))
    return outcomes[0], outcomes[1:]
