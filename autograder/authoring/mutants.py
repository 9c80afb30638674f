"""The mutant harness: every mutant in `tests/mutants/<assignment>.py` (a real student mistake)
must lose points, with a failure message that names it.

A mutant is a graded function written wrong: its whole `source`, or the reference function
with small `edit`s, each (old, new) text found exactly once in it:

    dict(name="forget_gate_uses_input_block", replaces="lstm_step_forward",
         edit=[("f = sigmoid(a[:, H:2 * H])", "f = sigmoid(a[:, :H])")], expect="gate order")

Mutants run many to a kernel (`WarmKernel`): the notebook's nbgrader cells (setup, solutions,
tests) are executed once for the reference solution and once per mutant, with the mutant's
source appended to the solution cell that defines the function it replaces.
Authors' tooling: the grader never imports this.
"""
from __future__ import annotations

import ast
import importlib.util
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..course import REPO, SOLUTIONS, notebooks
from ..nbgrader.cells import defined_functions, is_solution, is_test, nbgrader_meta, without_magics
from ..run import cell_errors
from .warm_kernel import WarmKernel

MUTANTS_DIR = REPO / "tests" / "mutants"


# --------------------------------------------------------------------------- mutants

@dataclass
class Mutant:
    name: str
    replaces: str
    source: str
    expect: str

    @classmethod
    def from_dict(cls, d: dict, references: dict[str, str] | None = None) -> "Mutant":
        """From a mutant file's entry; `references`: the reference source of each graded
        function (what an `edit` changes)."""
        name = d.get("name", "?")
        missing = {"name", "replaces", "expect"} - d.keys()
        if ("source" in d) == ("edit" in d):
            missing.add("source or edit (one of them)")
        if missing:
            raise ValueError(f"mutant {name} lacks {sorted(missing)}")
        if "source" in d:
            source = textwrap.dedent(d["source"]).strip("\n")
        else:
            source = apply_edits(name, (references or {}).get(d["replaces"]), d["edit"])
        return cls(name, d["replaces"], source, d["expect"])


def apply_edits(name: str, reference: str | None, edits: list[tuple[str, str]]) -> str:
    """The reference function with each (old, new) replaced; each `old` must occur exactly once."""
    if reference is None:
        raise ValueError(f"mutant {name}: no reference function to edit")
    source = reference
    for old, new in edits:
        n = source.count(old)
        if n != 1:
            raise ValueError(f"mutant {name}: {old!r} occurs {n} times in the reference function (must be once)")
        source = source.replace(old, new)
    if source == reference:
        raise ValueError(f"mutant {name}: its edits change nothing")
    return source


def reference_functions(assignment: str) -> dict[str, str]:
    """The source of each top-level function of the assignment's solution cells."""
    found = {}
    for path in notebooks(assignment, SOLUTIONS):
        for cell in nbformat.read(str(path), as_version=4).cells:
            if not is_solution(cell):
                continue
            code = "\n".join(ln for ln in without_magics(cell.source).split("\n")
                              if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            for node in ast.parse(code).body:
                if isinstance(node, ast.FunctionDef):
                    found[node.name] = ast.get_source_segment(code, node)
    return found


def load_mutants(assignment: str, directory: Path = MUTANTS_DIR) -> list[Mutant]:
    path = directory / f"{assignment}.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    references = reference_functions(assignment) if any("edit" in d for d in module.MUTANTS) else {}
    mutants = [Mutant.from_dict(d, references) for d in module.MUTANTS]
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
