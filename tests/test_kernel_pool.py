"""The grader's kernel pool (autograder/sandbox.py, issue #9): a sandboxed kernel started
ahead of time is used for exactly one notebook, sees that notebook's own files and nothing
of the notebook before it, and the grader falls back to a normal start when none is ready."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder import sandbox

pytestmark = pytest.mark.skipif(sandbox.available() is not None,
                                reason=f"needs bubblewrap: {sandbox.available()}")


def _run(folder, source: str) -> str:
    nb = new_notebook(cells=[new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ep = sandbox.SandboxedExecute(config=Config(), timeout=60)
    ep.preprocess(nb, {"metadata": {"path": str(folder)}})
    out = nb.cells[0].outputs
    assert all(o.output_type != "error" for o in out), out
    return "".join(o.get("text", "") for o in out)


def test_pooled_kernels_are_fresh_and_see_their_own_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "data.txt").write_text("alice")
    (b / "data.txt").write_text("bob")
    pool = sandbox.KernelPool.enable(Config())
    try:
        first = _run(a, "import sys\n"
                        "print(open('data.txt').read(), 'numpy' in sys.modules)\n"
                        "open('left_behind.txt', 'w').write('x'); secret = 42")
        assert first.split() == ["alice", "True"], first  # its own file; numpy imported ahead
        second = _run(b, "import os\nprint(open('data.txt').read(), os.path.exists('left_behind.txt'),"
                         " 'secret' in globals())")
        assert second.split() == ["bob", "False", "False"], second  # nothing of the one before
        assert pool.taken == 2, f"the pool handed out {pool.taken} kernels, expected 2"
        assert not (a / "left_behind.txt").exists()  # the submission's folder is never written
    finally:
        sandbox.KernelPool.disable()
    assert sandbox.KernelPool.current is None


def test_without_a_ready_kernel_the_usual_start_is_used(tmp_path, monkeypatch):
    (tmp_path / "data.txt").write_text("carol")
    monkeypatch.setattr(sandbox.KernelPool, "_start_one", lambda self: None)  # the pool never fills
    pool = sandbox.KernelPool.enable(Config())
    try:
        assert _run(tmp_path, "print(open('data.txt').read())").strip() == "carol"
        assert pool.taken == 0
    finally:
        sandbox.KernelPool.disable()


def test_a_pool_with_other_kernel_arguments_or_limits_is_not_used(tmp_path):
    pool = sandbox.KernelPool.enable(Config())
    try:
        assert not pool.matches("python3", Config(), ["--some-other-flag"])
        assert pool.matches("python3", Config(), ["--HistoryManager.hist_file=:memory:"])
        assert not pool.matches("ir", Config(), [])
        other = Config()
        other.SandboxedKernelManager.memory_bytes = 1024**3  # other limits: never a pooled kernel
        assert not pool.matches("python3", other, [])
    finally:
        sandbox.KernelPool.disable()
    assert not pool.matches("python3", Config(), [])  # closed


def test_pool_only_where_cores_would_idle(monkeypatch):
    from autograder.grade import use_pool
    monkeypatch.delenv("LSTM_COURSE_PRESTART", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert use_pool(1) and not use_pool(2) and not use_pool(4)
    monkeypatch.setenv("LSTM_COURSE_PRESTART", "1")
    assert use_pool(2)
    monkeypatch.setenv("LSTM_COURSE_PRESTART", "0")
    assert not use_pool(1)
