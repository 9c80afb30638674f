"""Executing notebooks with nbclient: the `lstm-course run` command and the warm-kernel runner
that the mutant harness uses to execute many variants of one notebook quickly."""
from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell

from .config import ensure_venv_on_path
from .course import CourseError, check_assignments

MODES = ("full", "ci", "grading")
QUIET_KERNEL = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]


@contextlib.contextmanager
def environ(**values):
    """Temporarily set (value) or unset (None) environment variables; kernels inherit them."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cell_errors(cell) -> list[str]:
    """'ename: evalue' of each error output of a cell."""
    return [f"{o.get('ename', '')}: {o.get('evalue', '')}" for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


# --------------------------------------------------------------------------- lstm-course run

@dataclass
class RunResult:
    assignment: str
    notebook: str
    status: str
    seconds: float
    figures: dict = field(default_factory=dict)


def run_notebook(path: Path, mode: str, *, timeout: int = 600, executed_to: Path | None = None) -> RunResult:
    """Execute one notebook top to bottom in a fresh kernel with LSTM_COURSE_MODE=mode."""
    ensure_venv_on_path()
    nb = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory(prefix="lstm-course-run-") as tmp:
        results_file = Path(tmp) / "results.json"
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                extra_arguments=QUIET_KERNEL, resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        with environ(LSTM_COURSE_MODE=mode, LSTM_COURSE_RESULTS=str(results_file), MPLBACKEND="Agg"):
            try:
                client.execute()
                errors = [(i, e) for i, c in enumerate(nb.cells) for e in cell_errors(c)]
                status = "ok" if not errors else f"error in cell {errors[0][0]}: {errors[0][1]}"[:300]
            except DeadKernelError as exc:
                status = f"kernel died: {exc}"[:300]
            except Exception as exc:  # timeouts and kernel start failures end up here
                status = f"failed: {type(exc).__name__}: {exc}"[:300]
        seconds = time.perf_counter() - start
        figures = json.loads(results_file.read_text())["figures"] if results_file.exists() else {}
    if executed_to is not None:
        executed_to.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(executed_to))
    return RunResult(path.parent.name, path.stem, status, round(seconds, 2), figures)


def run(root: Path, mode: str, out: Path, only: list[str] | None = None, *, timeout: int = 600,
        progress: bool = True) -> list[RunResult]:
    """`lstm-course run`: execute the notebooks of `root` (solutions/ or notebooks/)."""
    if mode not in MODES:
        raise CourseError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    root, out = Path(root), Path(out)
    if not root.is_dir():
        raise CourseError(f"folder not found: {root}")
    names = check_assignments(only, root)
    if not names:
        raise CourseError(f"no assignments (folders with notebooks) in {root}")
    from tqdm.auto import tqdm

    paths = [p for a in names for p in sorted((root / a).glob("*.ipynb"))]
    results = []
    for path in tqdm(paths, desc=f"running ({mode})", unit="notebook", disable=not progress, file=sys.stderr):
        results.append(run_notebook(path, mode, timeout=timeout,
                                    executed_to=out / "executed" / path.parent.name / path.name))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "notebook", "status", "seconds"])
        for r in results:
            w.writerow([r.assignment, r.notebook, r.status, r.seconds])
    by_assignment: dict[str, dict] = {}
    for r in results:
        if r.figures:
            by_assignment.setdefault(r.assignment, {}).update(r.figures)
    for a, figs in by_assignment.items():
        (out / "results").mkdir(exist_ok=True)
        (out / "results" / f"{a}.json").write_text(json.dumps({"assignment": a, "mode": mode, "figures": figs}, indent=2))
    return results


# --------------------------------------------------------------------------- warm kernel

class WarmKernel:
    """One kernel that executes many variants of a notebook, resetting the namespace between
    them (imports stay loaded, so each variant costs only its own cells).

        with WarmKernel(path.parent, mode="ci") as k:
            cells = k.execute(variant_nb)      # the executed cells, outputs filled in
    """

    def __init__(self, cwd: Path, mode: str = "ci", timeout: int = 120):
        ensure_venv_on_path()
        self.mode, self.timeout = mode, timeout
        self._nb = nbformat.v4.new_notebook()
        self._client = NotebookClient(self._nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                      extra_arguments=QUIET_KERNEL, resources={"metadata": {"path": str(cwd)}})
        self._env = environ(LSTM_COURSE_MODE=mode, LSTM_COURSE_RESULTS=None, MPLBACKEND="Agg")
        self._ctx = None

    def __enter__(self):
        self._env.__enter__()
        self._ctx = self._client.setup_kernel()
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self._ctx.__exit__(*exc)
        finally:
            self._env.__exit__(*exc)

    def execute(self, cells: list) -> list:
        """Reset the namespace, then run `cells` (copies) in order; returns them executed."""
        cells = [nbformat.from_dict(dict(c)) for c in cells]
        reset = new_code_cell("%reset -f\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt")
        self._client.nb.cells = [reset, *cells]
        self._client.execute_cell(reset, 0)
        for i, cell in enumerate(cells, start=1):
            if cell.cell_type == "code":
                cell.outputs = []
                self._client.execute_cell(cell, i)
        return cells
