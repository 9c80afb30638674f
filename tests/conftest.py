"""Shared fixtures: the repository, the course's assignments, the venv on PATH."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# nbgrader calls `alembic` by name; kernels and CLIs must come from this venv.
os.environ["PATH"] = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("LSTM_COURSE_MODE", None)
os.environ.pop("LSTM_COURSE_RESULTS", None)

sys.path.insert(0, str(REPO))
from autograder.course import assignments  # noqa: E402

ASSIGNMENTS = assignments(REPO / "solutions")


def lstm_course() -> list[str]:
    """The installed CLI (as students and instructors run it)."""
    return [str(BIN / "lstm-course")]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
