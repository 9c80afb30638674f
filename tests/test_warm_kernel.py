"""The mutant harness runs many variants of a notebook in one kernel: each variant must start
from an empty namespace and no figure, as a fresh kernel would, and its errors must read as
`ename: evalue` (what the harness matches against a mutant's expected message)."""
from __future__ import annotations

from nbformat.v4 import new_code_cell

from conftest import REPO
from autograder.authoring.warm_kernel import WarmKernel
from autograder.run import cell_errors


def _run(kernel, *sources):
    return [cell_errors(c) for c in kernel.execute([new_code_cell(s) for s in sources])]


def test_each_variant_starts_from_an_empty_namespace_and_no_figure():
    with WarmKernel(REPO / "solutions" / "01_gates", mode="ci") as k:
        first = _run(k, "import numpy as np\nx = np.ones(3)\ndef helper():\n    return x\nclass C: pass",
                     "import matplotlib.pyplot as plt\nplt.figure(); plt.figure()\nassert len(plt.get_fignums()) == 2",
                     "assert helper().sum() == 3")
        assert first == [[], [], []]
        second = _run(k, "x", "helper()", "np", "C",
                      "import matplotlib.pyplot as plt\nassert plt.get_fignums() == [], plt.get_fignums()",
                      "assert get_ipython() is not None and isinstance(In, list) and isinstance(Out, dict)")
        assert second[:4] == [["NameError: name 'x' is not defined"], ["NameError: name 'helper' is not defined"],
                              ["NameError: name 'np' is not defined"], ["NameError: name 'C' is not defined"]]
        assert second[4:] == [[], []]


def test_errors_read_as_name_and_value_in_every_cell_that_fails():
    with WarmKernel(REPO / "solutions" / "01_gates", mode="ci") as k:
        cells = k.execute([new_code_cell(s) for s in [
            "def check(v):\n    assert v == 2, f'expected 2, got {v}'",
            "check(3)",
            "raise ValueError('gate order')",
            "check(2)"]])
        assert [cell_errors(c) for c in cells] == [[], ["AssertionError: expected 2, got 3"],
                                                   ["ValueError: gate order"], []]
        tb = "\n".join(cells[1].outputs[0]["traceback"])
        assert "check(3)" in tb or "line" in tb  # a traceback is still there, only shorter
