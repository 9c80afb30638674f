"""lstmlib.plots, lstmlib.train.fit and lstmlib.widgets.interactive."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lstmlib import plots, widgets  # noqa: E402
from lstmlib.train import fit  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures(monkeypatch):
    monkeypatch.delenv("LSTM_COURSE_MODE", raising=False)
    yield
    plt.close("all")


def test_line_plot():
    ax = plots.line_plot({"rnn": [3, 2, 1], "lstm": torch.tensor([3.0, 1.0, 0.5])},
                         xlabel="step", ylabel="loss", title="Loss", logy=True)
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    assert ax.get_title() == "Loss" and ax.get_xlabel() == "step"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["rnn", "lstm"]
    fig, given = plt.subplots()
    assert plots.line_plot({"a": np.arange(4)}, x=np.arange(4) * 10, ax=given) is given
    np.testing.assert_array_equal(given.get_lines()[0].get_xdata(), [0, 10, 20, 30])


def test_heatmap():
    m = np.arange(6.0).reshape(2, 3)
    ax = plots.heatmap(m, xlabels=list("abc"), ylabels=["r0", "r1"], title="W", cmap="magma")
    assert ax.get_title() == "W" and len(ax.figure.axes) == 2  # + colorbar
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), m)
    _, given = plt.subplots()
    assert plots.heatmap(m, ax=given, colorbar=False) is given
    assert len(given.figure.axes) == 1
    with pytest.raises(ValueError):
        plots.heatmap(np.zeros(3))


def test_gate_traces():
    rng = np.random.default_rng(0)
    gates = {g: rng.uniform(size=(10, 4)) for g in "ifo"}
    gates["g"] = np.tanh(rng.normal(size=(10, 4)))
    fig = plots.gate_traces(gates, title="gates")
    assert len(fig.axes) == 4
    assert [a.get_ylabel() for a in fig.axes] == ["i", "f", "o", "g"]
    assert all(len(a.get_lines()) == 4 for a in fig.axes)
    assert fig.axes[0].get_ylim() == (-0.05, 1.05)
    fig2, axes = plt.subplots(1, 4)
    assert plots.gate_traces(gates, ax=axes) is fig2


def test_plots_module_never_shows(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    plots.line_plot({"a": [1, 2]})
    plots.heatmap(np.eye(2))
    plots.gate_traces({"f": np.zeros((3, 2))})


def _regression(seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.tensor([[2.0], [-1.0], [0.5]])
    x = torch.randn(64, 3, generator=g)
    return x, x @ w


def test_fit_reduces_loss_with_a_callable(capsys):
    torch.manual_seed(0)
    x, y = _regression()
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = fit(model, lambda step: (x, y), torch.nn.functional.mse_loss, opt, steps=60,
                 clip=1.0, progress=False)
    assert len(losses) == 60 and all(isinstance(v, float) for v in losses)
    assert losses[-1] < 0.01 * losses[0]
    assert capsys.readouterr().err == ""


def test_fit_cycles_an_iterable_and_clips():
    torch.manual_seed(0)
    x, y = _regression()
    batches = [(x[:32], y[:32]), (x[32:], y[32:])]
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen_norms = []

    def loss_fn(out, target):
        loss = torch.nn.functional.mse_loss(out, target)
        return loss

    orig_step = opt.step

    def step(*a, **k):
        seen_norms.append(float(torch.cat([p.grad.reshape(-1) for p in model.parameters()])
                                .norm()))
        return orig_step(*a, **k)

    opt.step = step
    losses = fit(model, batches, loss_fn, opt, steps=7, clip=0.1, progress=False)
    assert len(losses) == 7 and losses[-1] < losses[0]
    assert max(seen_norms) <= 0.1 + 1e-6


def test_fit_rejects_an_exhausted_generator():
    x, y = _regression()
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    gen = ((x, y) for _ in range(2))
    with pytest.raises(ValueError, match="ran out after 2 steps"):
        fit(model, gen, torch.nn.functional.mse_loss, opt, steps=5, progress=False)


def test_fit_progress_bar_only_in_full_mode(monkeypatch, capsys):
    x, y = _regression()
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monkeypatch.setenv("LSTM_COURSE_MODE", "ci")
    fit(model, lambda s: (x, y), torch.nn.functional.mse_loss, opt, steps=3, desc="quiet")
    assert "quiet" not in capsys.readouterr().err
    monkeypatch.setenv("LSTM_COURSE_MODE", "full")
    fit(model, lambda s: (x, y), torch.nn.functional.mse_loss, opt, steps=3, desc="shown")
    assert "shown" in capsys.readouterr().err


def test_interactive_static_fallback(monkeypatch):
    import ipywidgets

    monkeypatch.setenv("LSTM_COURSE_MODE", "ci")
    calls = []

    def draw(T, forget, cell, scale, w, k=9):
        calls.append((T, forget, cell, scale, w, k))
        return "figure"

    out = widgets.interactive(draw, T=(10, 100, 10), forget=(0.0, 1.0), cell=["lstm", "rnn"],
                              scale=ipywidgets.FloatSlider(value=0.3), w=ipywidgets.fixed(4))
    assert out == "figure"
    assert calls == [(50, 0.5, "lstm", 0.3, 4, 9)]
    assert isinstance(calls[0][0], int)


def test_interactive_uses_ipywidgets_in_full_mode(monkeypatch):
    import ipywidgets

    seen = {}

    def fake_interact(fn, **controls):
        seen.update(controls)
        return "widget"

    monkeypatch.setattr(ipywidgets, "interact", fake_interact)
    assert widgets.interactive(lambda T: None, T=(1, 5)) == "widget"
    assert seen == {"T": (1, 5)}
