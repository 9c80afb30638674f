"""lstmlib.plots, lstmlib.train.fit (and its progress bar, lstmlib.progress) and lstmlib.widgets.interactive."""

import os

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


def test_interactive_outside_a_kernel_is_static_in_full_mode(monkeypatch):
    """Without a Jupyter kernel (a script, these tests) there is nothing to show widgets in."""
    import ipywidgets

    monkeypatch.setattr(ipywidgets, "interact", lambda *a, **k: pytest.fail("widgets outside a kernel"))
    monkeypatch.setattr(ipywidgets, "interactive", lambda *a, **k: pytest.fail("widgets outside a kernel"))
    assert widgets.interactive(lambda T: T * 2, T=(1, 5)) == 6


def test_progress_bar_outside_a_kernel_is_tqdm_text(capsys):
    from tqdm.std import tqdm

    from lstmlib.progress import in_kernel, progress_bar

    assert not in_kernel()
    with progress_bar(total=3, desc="plain") as bar:
        assert type(bar) is tqdm
        bar.update(3)
    assert "plain: 100%" in capsys.readouterr().err
    assert list(progress_bar(range(3), disable=True)) == [0, 1, 2]


def _run_notebook(cells, tmp_path, mode="full"):
    """Execute code cells in a fresh Jupyter kernel (as `lstm-course run` does); the executed
    notebook as it would be saved."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = {**os.environ, "LSTM_COURSE_MODE": mode}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   extra_arguments=["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
                   ).execute(env=env)
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, str(path))
    return nbformat.read(str(path), as_version=4)


@pytest.mark.slow
def test_saved_notebook_keeps_the_figure_and_the_final_progress(tmp_path):
    """In a kernel, full mode: the interactive figure is an ordinary output (saved, redrawn in
    place when a control moves), and a training progress bar is saved in its final state."""
    nb = _run_notebook([
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport torch\n"
        "from lstmlib import widgets\nfrom lstmlib.train import fit",
        "def draw(f, i):\n    print(f'f = {f:.1f}, i = {i:.1f}')\n    plt.figure(figsize=(2, 2))\n"
        "    plt.plot([0, 1], [f, i])\n    plt.show()\n    return f + i\n"
        "w = widgets.interactive(draw, f=(0.0, 1.0, 0.1), i=(0.0, 1.0, 0.1))",
        "first = w.result\nw.kwargs_widgets[0].value = 0.9      # what moving the slider does\n"
        "print(first, round(w.result, 2))",
        "model = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "x, y = torch.randn(8, 2), torch.randn(8, 1)\n"
        "losses = fit(model, lambda s: (x, y), torch.nn.functional.mse_loss, opt, steps=7, desc='tiny')",
    ], tmp_path)
    slider_cell, moved, training = nb.cells[1].outputs, nb.cells[2].outputs, nb.cells[3].outputs
    kinds = [sorted(o.get("data", {})) for o in slider_cell]
    assert "application/vnd.jupyter.widget-view+json" in kinds[0], kinds          # the sliders first
    texts = [o.data.get("text/plain", "").strip() for o in slider_cell]
    pngs = [o for o in slider_cell if "image/png" in o.get("data", {})]
    assert len(pngs) == 1, kinds                                                    # then the figure, saved
    assert "f = 0.9, i = 0.5" in texts, texts                                       # redrawn after the move
    assert moved[0].text.split() == ["1.0", "1.4"]
    shown = [o for o in training if o.output_type != "stream" or o.text.strip()]
    assert len(shown) == 1 and shown[0].output_type == "display_data", training
    assert sorted(shown[0].data) == ["text/plain"], shown[0].data                   # no widget left behind
    final = shown[0].data["text/plain"]
    assert final.startswith("tiny: 100%") and "7/7" in final and "loss=" in final, final


@pytest.mark.slow
def test_interactive_in_a_kernel_in_ci_mode_is_static(tmp_path):
    nb = _run_notebook(["%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom lstmlib import widgets",
                        "def draw(f):\n    plt.plot([0, f])\n    plt.show()\n"
                        "widgets.interactive(draw, f=(0.0, 1.0))"], tmp_path, mode="ci")
    kinds = [sorted(o.get("data", {})) for o in nb.cells[1].outputs]
    assert kinds == [["image/png", "text/plain"]], kinds
