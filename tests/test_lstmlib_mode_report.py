"""lstmlib top level: run mode, budgets, seeding, report(), and a light import."""

import json
import math
import random
import subprocess
import sys

import numpy as np
import pytest

import lstmlib
from lstmlib import budget, mode, report, seed_everything


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("LSTM_COURSE_MODE", raising=False)
    monkeypatch.delenv("LSTM_COURSE_RESULTS", raising=False)


def test_import_does_not_load_torch_or_matplotlib():
    code = ("import sys, lstmlib; "
            "bad = [m for m in ('torch', 'matplotlib', 'tqdm', 'ipywidgets') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_submodules_load_lazily():
    assert lstmlib.testing.assert_close is not None
    assert lstmlib.gradcheck.grad_check is not None
    with pytest.raises(AttributeError):
        lstmlib.no_such_thing  # noqa: B018


def test_mode_default_and_values(monkeypatch):
    assert mode() == "full"
    for value in ("full", "ci", "grading"):
        monkeypatch.setenv("LSTM_COURSE_MODE", value)
        assert mode() == value
    monkeypatch.setenv("LSTM_COURSE_MODE", " CI ")
    assert mode() == "ci"


def test_invalid_mode_names_the_allowed_ones(monkeypatch):
    monkeypatch.setenv("LSTM_COURSE_MODE", "fast")
    with pytest.raises(ValueError) as info:
        mode()
    msg = str(info.value)
    assert "'fast'" in msg and "'full'" in msg and "'ci'" in msg and "'grading'" in msg
    with pytest.raises(ValueError):
        budget(full=1, ci=2)


def test_budget_follows_the_mode(monkeypatch):
    assert budget(full=3000, ci=30) == 3000
    monkeypatch.setenv("LSTM_COURSE_MODE", "ci")
    assert budget(full=3000, ci=30) == 30
    assert budget(3000, 30, grading=60) == 30
    monkeypatch.setenv("LSTM_COURSE_MODE", "grading")
    assert budget(full=3000, ci=30) == 30
    assert budget(full=3000, ci=30, grading=60) == 60


def test_seed_everything_is_reproducible():
    import torch

    rng = seed_everything(7)
    first = (random.random(), np.random.rand(), torch.rand(1).item(), rng.normal())
    rng = seed_everything(7)
    second = (random.random(), np.random.rand(), torch.rand(1).item(), rng.normal())
    assert first == second
    assert isinstance(rng, np.random.Generator)
    assert seed_everything(8).normal() != first[3]


def test_device_is_a_torch_device():
    import torch

    assert isinstance(lstmlib.device(), torch.device)
    assert lstmlib.device().type in ("cpu", "cuda")


def test_report_converts_prints_and_writes_json(tmp_path, monkeypatch, capsys):
    import torch

    target = tmp_path / "deep" / "results" / "07.json"
    monkeypatch.setenv("LSTM_COURSE_RESULTS", str(target))
    monkeypatch.setenv("LSTM_COURSE_MODE", "ci")
    out = report(accuracy=np.float32(0.93125), steps=np.int64(30), converged=np.bool_(True),
                 model="lstm", losses=np.array([1.0, 0.5]), pair=(1, 2.5),
                 missing=float("nan"), nested={"mse": 0.1, "by_len": [1, 2]},
                 loss=torch.tensor(0.25))
    assert out["accuracy"] == 0.93125 and type(out["steps"]) is int
    assert out["converged"] is True and out["losses"] == [1.0, 0.5]
    assert out["pair"] == [1, 2.5] and math.isnan(out["missing"]) and out["loss"] == 0.25
    data = json.loads(target.read_text())
    assert data["mode"] == "ci"
    assert data["figures"]["missing"] is None
    assert data["figures"]["nested"] == {"mse": 0.1, "by_len": [1, 2]}
    assert data["figures"]["accuracy"] == 0.93125
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert "mode: ci" in lines[0]
    assert any(line.split()[0] == "accuracy" and "0.93125" in line for line in lines[1:])
    # values start in one column
    starts = {line.index(line.split()[1]) for line in lines[1:]}
    assert len(starts) == 1


def test_report_without_env_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert report(x=1) == {"x": 1}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [object(), {1: 2}, [1, {3}], np.zeros((2, 2)),
                                 np.array(["a"]), lambda: 0])
def test_report_rejects_unserialisable_values(bad, tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    monkeypatch.setenv("LSTM_COURSE_RESULTS", str(target))
    with pytest.raises(TypeError, match="'weird"):
        report(fine=1.0, weird=bad)
    assert not target.exists()
