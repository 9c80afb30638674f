"""`WarmKernel`: one kernel that executes many variants of a notebook (the mutant harness)."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from ..run import kernel_env, student_client

# Between variants: figures closed, every name the cells defined deleted (IPython's own names
# kept). Not `%reset -f`: it runs the garbage collector twice, ~0.2-0.35 s with torch loaded,
# more than most variants' cells take together.
RESET = """import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as _plt
_plt.close('all')
[get_ipython().user_ns.pop(_k, None) for _k in [_k for _k in get_ipython().user_ns if _k not in get_ipython().user_ns_hidden]];
"""
# Errors are read as `ename: evalue` only: plain tracebacks, without the source context
# IPython otherwise formats for every frame (~60 ms per failing cell).
START = "%xmode Plain"


class WarmKernel:
    """One kernel that executes many variants of a notebook, resetting the namespace between
    them (imports stay loaded, so each variant costs only its own cells).

        with WarmKernel(path.parent, mode="ci") as k:
            cells = k.execute(variant_nb)      # the executed cells, outputs filled in
    """

    def __init__(self, cwd: Path, mode: str = "ci", timeout: int = 120):
        self.mode, self.timeout = mode, timeout
        self._client = student_client(nbformat.v4.new_notebook(), cwd, timeout)
        self._ctx = None

    def __enter__(self):
        self._ctx = self._client.setup_kernel(env=kernel_env(self.mode))
        self._ctx.__enter__()
        start = new_code_cell(START)
        self._client.nb.cells = [start]
        self._client.execute_cell(start, 0)
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)

    def execute(self, cells: list) -> list:
        """Reset the namespace, then run `cells` (copies) in order; returns them executed."""
        cells = [nbformat.from_dict(dict(c)) for c in cells]
        reset = new_code_cell(RESET)
        self._client.nb.cells = [reset, *cells]
        self._client.execute_cell(reset, 0)
        for i, cell in enumerate(cells, start=1):
            if cell.cell_type == "code":
                cell.outputs = []
                self._client.execute_cell(cell, i)
        return cells
