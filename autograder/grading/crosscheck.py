"""A second check of the core numeric exercises, outside the student's kernel.

In the kernel, a solution cell can monkeypatch numpy, lstmlib or builtins and make every test
pass. So, for the core functions of docs/FUNCTIONS.md, the grader also:
1. takes the student's solution cells (by grade_id) from their submission,
2. runs them in a fresh sandboxed Python process (no Jupyter, no lstmlib asserts) on hidden
   inputs drawn here, with a tiny driver per function; the process writes its raw arrays to
   an .npz file (loaded without pickle),
3. compares them, in the grader's own clean process, with the reference solution's outputs
   on the same inputs.

A function whose in-kernel tests all passed but whose raw outputs differ is flagged for review
in grades.csv (`review` column). Nothing here changes a score.
"""
from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..nbgrader.cells import defined_functions, function_test_cells, grade_id, is_solution, nbgrader_meta, without_magics
from ..sandbox.kernels import KernelLauncher

PREAMBLE = "import numpy as np\nimport math\n"


def _lstm_params(rng, D, H, scale=0.5):
    return {"W_ih": rng.normal(0, scale, (4 * H, D)), "W_hh": rng.normal(0, scale, (4 * H, H)),
            "b_ih": rng.normal(0, scale, 4 * H), "b_hh": rng.normal(0, scale, 4 * H)}


def _rnn_params(rng, D, H, scale=0.5):
    return {"W_ih": rng.normal(0, scale, (H, D)), "W_hh": rng.normal(0, scale, (H, H)),
            "b_ih": rng.normal(0, scale, H), "b_hh": rng.normal(0, scale, H)}


def _prefixed(prefix, d):
    return {f"{prefix}{k}": v for k, v in d.items()}


@dataclass(frozen=True)
class Case:
    function: str                                  # the graded function this case checks
    driver: str                                    # code using `inputs`, setting `out` (dict of arrays)
    inputs: Callable[[np.random.Generator], dict]  # hidden inputs (float64 arrays)
    rtol: float = 1e-6
    atol: float = 1e-8


P = "params = {k[2:]: inputs[k] for k in inputs if k.startswith('p_')}\n"
PF = "pf = {k[3:]: inputs[k] for k in inputs if k.startswith('pf_')}\npb = {k[3:]: inputs[k] for k in inputs if k.startswith('pb_')}\n"

SPECS: dict[str, list[Case]] = {
    "01_gates": [
        Case("sigmoid", "out = {'y': np.asarray(sigmoid(inputs['x']), dtype=float)}",
             lambda r: {"x": r.normal(0, 30, (6, 5))}),
    ],
    "02_rnn": [
        Case("rnn_step_forward", P + "h, _ = rnn_step_forward(inputs['x'], inputs['h'], params)\nout = {'h': h}",
             lambda r: {"x": r.normal(size=(3, 4)), "h": r.normal(size=(3, 5)), **_prefixed("p_", _rnn_params(r, 4, 5))}),
        Case("rnn_forward", P + "hs, _ = rnn_forward(inputs['x'], inputs['h'], params)\nout = {'hs': hs}",
             lambda r: {"x": r.normal(size=(3, 7, 4)), "h": r.normal(size=(3, 5)), **_prefixed("p_", _rnn_params(r, 4, 5))}),
        Case("rnn_backward", P + "hs, cache = rnn_forward(inputs['x'], inputs['h'], params)\n"
             "dx, dh0, g = rnn_backward(inputs['dhs'], cache)\nout = {'dx': dx, 'dh0': dh0, **{'d' + k: v for k, v in g.items()}}",
             lambda r: {"x": r.normal(size=(3, 7, 4)), "h": r.normal(size=(3, 5)), "dhs": r.normal(size=(3, 7, 5)),
                        **_prefixed("p_", _rnn_params(r, 4, 5))}),
    ],
    "03_lstm_forward": [
        Case("lstm_step_forward", P + "h, c, _ = lstm_step_forward(inputs['x'], inputs['h'], inputs['c'], params)\nout = {'h': h, 'c': c}",
             lambda r: {"x": r.normal(size=(3, 4)), "h": r.normal(size=(3, 5)), "c": r.normal(size=(3, 5)),
                        **_prefixed("p_", _lstm_params(r, 4, 5))}),
        Case("lstm_forward", P + "hs, (hT, cT), _ = lstm_forward(inputs['x'], inputs['h'], inputs['c'], params)\nout = {'hs': hs, 'hT': hT, 'cT': cT}",
             lambda r: {"x": r.normal(size=(3, 7, 4)), "h": r.normal(size=(3, 5)), "c": r.normal(size=(3, 5)),
                        **_prefixed("p_", _lstm_params(r, 4, 5))}),
    ],
    "04_lstm_backward": [
        Case("lstm_step_backward", P + "h, c, cache = lstm_step_forward(inputs['x'], inputs['h'], inputs['c'], params)\n"
             "dx, dh, dc, g = lstm_step_backward(inputs['dh'], inputs['dc'], cache)\n"
             "out = {'dx': dx, 'dh': dh, 'dc': dc, **{'d' + k: v for k, v in g.items()}}",
             lambda r: {"x": r.normal(size=(3, 4)), "h": r.normal(size=(3, 5)), "c": r.normal(size=(3, 5)),
                        "dh": r.normal(size=(3, 5)), "dc": r.normal(size=(3, 5)), **_prefixed("p_", _lstm_params(r, 4, 5))}),
        Case("lstm_backward", P + "hs, _, cache = lstm_forward(inputs['x'], inputs['h'], inputs['c'], params)\n"
             "dx, dh0, dc0, g = lstm_backward(inputs['dhs'], cache)\nout = {'dx': dx, 'dh0': dh0, 'dc0': dc0, **{'d' + k: v for k, v in g.items()}}",
             lambda r: {"x": r.normal(size=(3, 6, 4)), "h": r.normal(size=(3, 5)), "c": r.normal(size=(3, 5)),
                        "dhs": r.normal(size=(3, 6, 5)), **_prefixed("p_", _lstm_params(r, 4, 5))}),
    ],
    "08_bidirectional": [
        Case("bilstm_forward", PF + "hs, (hn, cn) = bilstm_forward(inputs['x'], inputs['h'], inputs['c'], pf, pb)\nout = {'hs': hs, 'hn': hn, 'cn': cn}",
             lambda r: {"x": r.normal(size=(3, 6, 4)), "h": r.normal(size=(2, 3, 5)), "c": r.normal(size=(2, 3, 5)),
                        **_prefixed("pf_", _lstm_params(r, 4, 5)), **_prefixed("pb_", _lstm_params(r, 4, 5))}),
    ],
}

RUNNER = r"""
import json, sys, traceback
import numpy as np
spec = json.load(open('spec.json'))
data = np.load('inputs.npz', allow_pickle=False)
results = {}
ns = {}
try:
    exec(compile(spec['code'], 'student', 'exec'), ns)
except BaseException as exc:
    results['__error__'] = 'defining the functions failed: ' + repr(exc)[:300]
for i, case in enumerate(spec['cases']):
    if '__error__' in results:
        break
    inputs = {k.split('/', 1)[1]: data[k] for k in data.files if k.startswith(f'{i}/')}
    local = dict(ns, inputs=inputs)
    try:
        exec(compile(case, f'driver{i}', 'exec'), local)
        for k, v in local['out'].items():
            results[f'{i}/{k}'] = np.asarray(v, dtype=float)
    except BaseException as exc:
        results[f'{i}/__error__'] = np.array(repr(exc)[:300])
np.savez('out.npz', **{k: (np.array(v) if isinstance(v, str) else v) for k, v in results.items()})
"""


ALLOWED_IMPORTS = {"numpy", *sys.stdlib_module_names}  # not torch, matplotlib or lstmlib: slow, and not needed


def given_code(source_nb) -> str:
    """From the instructor's locked, ungraded code cells: the top-level function definitions
    (e.g. a given `sigmoid`) and numpy/standard-library imports — what solution cells may call."""
    import ast
    keep = []
    for cell in source_nb.cells:
        m = nbgrader_meta(cell)
        if cell.cell_type != "code" or not m.get("locked") or m.get("grade") or m.get("solution"):
            continue
        try:
            tree = ast.parse(without_magics(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                keep.append(ast.unparse(node))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if all(mod.split(".")[0] in ALLOWED_IMPORTS for mod in mods):
                    keep.append(ast.unparse(node))
    return "\n\n".join(keep)


def solution_code(nb, solution_ids: set[str] | None = None, given: str = "") -> str:
    """The code of the notebook's solution cells (only those whose grade_id is in
    `solution_ids`, when given), in order, after a numpy preamble and the instructor's
    `given` code; magics dropped."""
    parts = [PREAMBLE, given]
    for cell in nb.cells:
        if is_solution(cell) and (solution_ids is None or grade_id(cell) in solution_ids):
            parts.append(without_magics(cell.source))
    return "\n\n".join(parts)


def run_student_code(code: str, cases: list[Case], inputs: list[dict], *, launcher: KernelLauncher,
                     timeout: int) -> dict:
    """Run the student's functions on `inputs` in a fresh process started by `launcher` (forked
    from the worker's fork server: a clean copy of a process that has only imported numpy & co.,
    so nothing a student's kernel did can reach it); their raw outputs, by "case/name", or
    {"__error__": why}."""
    spec = json.dumps({"code": code, "cases": [c.driver for c in cases]}).encode()
    buf = io.BytesIO()
    np.savez(buf, **{f"{i}/{k}": v for i, d in enumerate(inputs) for k, v in d.items()})
    got = launcher.run_python(RUNNER, {"spec.json": spec, "inputs.npz": buf.getvalue()}, ["out.npz"], timeout)
    if isinstance(got, str):
        return {"__error__": got}
    if "out.npz" not in got:
        return {"__error__": "no results (the process wrote none)"}
    try:
        with np.load(io.BytesIO(got["out.npz"]), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        return {"__error__": f"no results ({type(exc).__name__})"}


def reference_outputs(solutions_nb, cases: list[Case], inputs: list[dict]) -> list[dict]:
    """The reference solution's outputs, computed in this (trusted) process."""
    ns: dict = {}
    exec(compile(solution_code(solutions_nb, given=given_code(solutions_nb)), "reference", "exec"), ns)
    outs = []
    for case, inp in zip(cases, inputs):
        local = dict(ns, inputs={k: v.copy() for k, v in inp.items()})
        exec(compile(case.driver, "driver", "exec"), local)
        outs.append({k: np.asarray(v, dtype=float) for k, v in local["out"].items()})
    return outs


@dataclass(frozen=True)
class Reference:
    """What the crosscheck of one assignment notebook compares with: its cases, the hidden
    inputs drawn from `seed`, the reference outputs on them, and which test cells test each
    function. The same for every student of a run: a worker makes it once per notebook."""
    cases: list
    inputs: list
    want: list
    solution_ids: frozenset
    given: str
    tests: dict

    @classmethod
    def of(cls, assignment: str, solutions_nb, seed: int) -> "Reference | None":
        """None when the notebook has no core function to crosscheck."""
        defined = {f for cell in solutions_nb.cells if is_solution(cell) for f in defined_functions(cell.source)}
        cases = [c for c in SPECS.get(assignment, []) if c.function in defined]
        if not cases:
            return None
        rng = np.random.default_rng(seed)
        inputs = [c.inputs(rng) for c in cases]
        return cls(cases, inputs, reference_outputs(solutions_nb, cases, inputs),
                   frozenset(grade_id(c) for c in solutions_nb.cells if is_solution(c)), given_code(solutions_nb),
                   function_test_cells(solutions_nb))


def crosscheck(ref: Reference, submitted_nb, *, launcher: KernelLauncher, timeout: int = 60) -> dict[str, str]:
    """{function: problem} for each core function whose raw outputs differ from the reference
    outside the kernel (empty when all agree)."""
    got = run_student_code(solution_code(submitted_nb, ref.solution_ids, given=ref.given), ref.cases, ref.inputs,
                           launcher=launcher, timeout=timeout)
    problems = {}
    for i, (case, want) in enumerate(zip(ref.cases, ref.want)):
        if "__error__" in got:
            problems[case.function] = str(got["__error__"])
            continue
        if f"{i}/__error__" in got:
            problems[case.function] = f"raised {got[f'{i}/__error__']}"
            continue
        for k, v in want.items():
            a = got.get(f"{i}/{k}")
            if a is None or a.shape != v.shape or not np.allclose(a, v, rtol=case.rtol, atol=case.atol, equal_nan=False):
                problems[case.function] = f"output {k} differs from the reference outside the kernel"
                break
    return problems


def passed_in_kernel(ref: Reference, cells: list[dict], nb: str) -> set[str]:
    """The crosschecked functions whose in-kernel tests all passed: the only ones a crosscheck
    can flag. (None, e.g. for a notebook stuck in a loop from its first answer on: then no
    process need run the student's code again, to be stopped at the crosscheck's time limit.)"""
    scores = {c["grade_id"]: c for c in cells if c["notebook"] == nb}
    passed = set()
    for case in ref.cases:
        ids = ref.tests.get(case.function, {}).get("visible", []) + ref.tests.get(case.function, {}).get("hidden", [])
        if ids and all(scores.get(g, {}).get("score") == scores.get(g, {}).get("max_score") for g in ids):
            passed.add(case.function)
    return passed


def review(problems: dict[str, str], ref: Reference, cells: list[dict], nb: str) -> list[str]:
    """The crosscheck's disagreements whose in-kernel tests all passed: those need a human look."""
    passed = passed_in_kernel(ref, cells, nb)
    return [f"{function}: in-kernel tests pass but out of the kernel {problem}"
            for function, problem in problems.items() if function in passed]
