"""The course's nbgrader configuration, in one place.

`nbgrader_config.py` at the repository root calls `apply(c)`, so stock `nbgrader` commands
run by hand in the repo use the same settings as `lstm-course`.
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from traitlets.config import Config

COURSE_ID = "lstm-course"
# The course folder: this checkout, or another copy of the course named by LSTM_COURSE_ROOT.
REPO = Path(os.environ.get("LSTM_COURSE_ROOT") or Path(__file__).resolve().parent.parent).resolve()
SOLUTIONS = REPO / "solutions"
RELEASE = REPO / "notebooks"

# Per-cell limits while grading (seconds / lines). A cell that runs out of time gets an error
# output (0 points for a test cell) and execution goes on with the next cell.
CELL_TIMEOUT = 120
MAX_OUTPUT_LINES = 1000
MAX_TRACEBACK_LINES = 100


def venv_bin() -> str:
    """The bin/ folder of the Python running us (nbgrader calls `alembic` by name)."""
    return str(Path(sys.executable).parent)


def ensure_venv_on_path() -> None:
    bin_dir = venv_bin()
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bin_dir not in parts:
        os.environ["PATH"] = os.pathsep.join([bin_dir, *parts])


def apply(c: Config, *, cell_timeout: int = CELL_TIMEOUT, sandbox: bool | None = None) -> Config:
    """Set the course layout and the hardened grading settings on an nbgrader config.

    `sandbox`: run each kernel in bubblewrap (True), not (False), or when available (None).
    """
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.egg-info", ".DS_Store"]

    # Solutions and hidden tests use nbgrader's default markers.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

    # Execution: per-cell timeout; a secret tag name, so a `skip-execution` tag added by a
    # student cannot skip a locked test cell (tags are stripped as well, see StripTags).
    c.Execute.timeout = cell_timeout
    c.Execute.skip_cells_with_tag = "lstm-course-skip-" + secrets.token_hex(8)
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
    c.LimitOutput.max_lines = MAX_OUTPUT_LINES
    c.LimitOutput.max_traceback = MAX_TRACEBACK_LINES

    # Deleted test cells come back from the gradebook.
    c.OverwriteCells.add_missing_cells = True

    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, LimitOutput,
        OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from .preprocessors import HideHiddenTests, StderrToStdout, StripTags
    from . import sandbox as sbx

    if sandbox is None:
        sandbox = sbx.available() is None
    execute = sbx.SandboxedExecute if sandbox else sbx.CappedExecute

    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, StripTags, CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        execute, StderrToStdout, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties, CheckCellMetadata,
    ]
    c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
    return c


def course_config(root: Path | str = REPO, **kwargs) -> Config:
    """A fresh nbgrader Config for a course rooted at `root`."""
    c = Config()
    c.CourseDirectory.root = str(root)
    return apply(c, **kwargs)
