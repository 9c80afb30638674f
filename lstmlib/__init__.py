"""lstmlib: the helper library that the course notebooks import.

Importing ``lstmlib`` is cheap and has no side effects: it imports numpy only. torch and
matplotlib are imported by the submodules that need them (``train``, ``plots``), and those
submodules are themselves loaded on first use (``lstmlib.plots`` works after a plain
``import lstmlib``).

Top-level names:

- ``mode()``: the run mode, ``"full"``, ``"ci"`` or ``"grading"`` (env ``LSTM_COURSE_MODE``).
- ``budget(full, ci, grading=None)``: the value for the current mode.
- ``seed_everything(seed=0)``: seeds ``random``, numpy and torch; returns a numpy Generator.
- ``report(**figures)``: shows a notebook's final figures and hands them to the runner.
- ``device()``: ``torch.device("cuda")`` when available, else cpu.

Submodules: ``testing``, ``gradcheck``, ``plots``, ``train``, ``progress``, ``widgets``, ``data``.
"""

import importlib

from .mode import budget, device, mode
from .report import report
from .seed import seed_everything

__all__ = ["mode", "budget", "seed_everything", "report", "device"]

_SUBMODULES = ("testing", "gradcheck", "plots", "train", "progress", "widgets", "data")


def __getattr__(name):
    """Load a submodule on first access, so ``import lstmlib`` stays light."""
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lstmlib' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
