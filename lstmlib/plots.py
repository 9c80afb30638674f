"""Figures used across the course, built with matplotlib's object API.

Each function draws on the ``ax`` it is given (or on a new figure when ``ax`` is None) and
returns what it drew on; nothing calls ``plt.show()`` (Jupyter shows figures by itself).

- ``line_plot(series, ...)``: curves such as losses, one per name.
- ``heatmap(matrix, ...)``: a matrix such as weights or attention, with a colorbar.
- ``gate_traces(gates, ...)``: LSTM gate activations over time, one row per gate.
"""

import matplotlib.pyplot as plt
import numpy as np

from ._arrays import to_numpy

__all__ = ["line_plot", "heatmap", "gate_traces"]


def line_plot(series, *, x=None, xlabel=None, ylabel=None, title=None, logy=False, ax=None):
    """Plot one curve per entry of ``series``.

    Inputs:
    - series: dict label -> 1-D array (list, tensor) of values, e.g. ``{"LSTM": losses}``.
    - x: 1-D array of x values shared by all curves; default ``0, 1, 2, ...``.
    - xlabel, ylabel, title: axis labels and title (strings or None).
    - logy: draw the y axis on a log scale.
    - ax: matplotlib Axes to draw on; a new figure when None.

    Returns:
    - ax: the matplotlib Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, values in series.items():
        y = np.asarray(to_numpy(values), dtype=float).reshape(-1)
        xs = np.arange(len(y)) if x is None else np.asarray(to_numpy(x)).reshape(-1)[:len(y)]
        ax.plot(xs, y, label=str(label))
    if logy:
        ax.set_yscale("log")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if series:
        ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def heatmap(matrix, *, xlabels=None, ylabels=None, title=None, cmap="viridis", ax=None,
            colorbar=True):
    """Show a matrix as an image, row 0 at the top.

    Inputs:
    - matrix: 2-D array (list, tensor) of shape (R, C).
    - xlabels: C labels for the columns, or None; ylabels: R labels for the rows, or None.
    - title: the title, or None.
    - cmap: a matplotlib colormap name.
    - ax: matplotlib Axes to draw on; a new figure when None.
    - colorbar: add a colorbar beside the image.

    Returns:
    - ax: the matplotlib Axes.
    """
    m = np.asarray(to_numpy(matrix), dtype=float)
    if m.ndim != 2:
        raise ValueError(f"heatmap: matrix must be 2-D, got shape {m.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3, min(10, 0.4 * m.shape[1] + 2)),
                                      max(2.5, min(8, 0.4 * m.shape[0] + 1.5))))
    image = ax.imshow(m, aspect="auto", cmap=cmap, interpolation="nearest")
    if xlabels is not None:
        ax.set_xticks(range(m.shape[1]), [str(s) for s in xlabels], rotation=90)
    if ylabels is not None:
        ax.set_yticks(range(m.shape[0]), [str(s) for s in ylabels])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    return ax


def gate_traces(gates, *, title=None, ax=None):
    """Plot gate activations over time: one row of small plots per gate.

    Each row shows every hidden unit's activation as a thin line over time, so one sees
    which units open and close and when.

    Inputs:
    - gates: dict gate name -> array (tensor) of shape (T, H), e.g.
      ``{"i": i_t, "f": f_t, "g": g_t, "o": o_t}``; (T,) is read as (T, 1).
    - title: the figure title, or None.
    - ax: a sequence of one Axes per gate to draw on; a new figure when None.

    Returns:
    - fig: the matplotlib Figure.
    """
    names = list(gates)
    if not names:
        raise ValueError("gate_traces: no gates given")
    if ax is None:
        fig, axes = plt.subplots(len(names), 1, sharex=True,
                                 figsize=(7, 1.4 * len(names) + 0.6), squeeze=False)
        axes = list(axes[:, 0])
    else:
        axes = list(np.atleast_1d(np.asarray(ax, dtype=object)).reshape(-1))
        if len(axes) != len(names):
            raise ValueError(f"gate_traces: got {len(axes)} Axes for {len(names)} gates")
        fig = axes[0].figure
    for name, a in zip(names, axes):
        values = np.asarray(to_numpy(gates[name]), dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise ValueError(f"gate_traces: gate {name!r} must have shape (T, H), got "
                             f"{values.shape}")
        a.plot(np.arange(values.shape[0]), values, linewidth=0.8, alpha=0.7)
        a.set_ylabel(str(name))
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        if lo >= 0 and hi <= 1:
            a.set_ylim(-0.05, 1.05)
        elif lo >= -1 and hi <= 1:
            a.set_ylim(-1.05, 1.05)
        a.grid(True, alpha=0.3)
    axes[-1].set_xlabel("t")
    if title:
        fig.suptitle(title)
    return fig
