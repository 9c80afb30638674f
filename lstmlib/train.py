"""A small torch training loop with a progress bar and a loss history."""

import torch

from .mode import mode
from .progress import progress_bar

__all__ = ["fit"]


def fit(model, batches, loss_fn, optimizer, *, steps, clip=None, desc="train", progress=True):
    """Train ``model`` for ``steps`` optimizer steps and return the loss of every step.

    Each step: ``x, y = next batch``; ``out = model(x)``; ``loss = loss_fn(out, y)``;
    ``loss.backward()``; clip the global gradient norm to ``clip`` (if given);
    ``optimizer.step()``. Tensors in the batch are moved to the device of the model's
    parameters.

    The progress bar (``lstmlib.progress.progress_bar``: in a notebook, a widget while it runs,
    its final state as a line of text once training ends, so a saved notebook shows how training
    ended) is shown only when ``progress`` is true and ``mode() == "full"``. Outside a notebook
    it writes to stderr, which nbgrader counts against a test cell: call ``fit`` in ordinary
    cells, never in a test cell (or pass ``progress=False``).

    Inputs:
    - model: a ``torch.nn.Module``; it is put in training mode.
    - batches: either a callable ``batches(step) -> (x, y)`` (step = 0, 1, ...), or an
      iterable of ``(x, y)`` pairs (e.g. a DataLoader), cycled when it runs out.
    - loss_fn: ``loss_fn(model(x), y) -> scalar tensor``.
    - optimizer: a ``torch.optim.Optimizer`` over the model's parameters.
    - steps: the number of optimizer steps (use ``lstmlib.budget(full=..., ci=...)``).
    - clip: the largest global gradient norm (``torch.nn.utils.clip_grad_norm_``), or None.
    - desc: the label of the progress bar.
    - progress: show a progress bar (in ``full`` mode).

    Returns:
    - losses: list of ``steps`` python floats, the training loss at each step (NaN entries
      if training diverged).
    """
    steps = int(steps)
    next_batch = batches if callable(batches) else _cycle(batches)
    params = [p for p in model.parameters()]
    target = params[0].device if params else None
    model.train()
    losses = []
    show = bool(progress) and mode() == "full"
    every = max(1, steps // 100)
    with progress_bar(total=steps, desc=desc, disable=not show, leave=True) as bar:
        for step in range(steps):
            x, y = next_batch(step)
            x, y = _to(x, target), _to(y, target)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(params, max_norm=float(clip))
            optimizer.step()
            losses.append(float(loss.detach()))
            bar.update(1)
            if show and (step % every == 0 or step == steps - 1):
                bar.set_postfix(loss=f"{losses[-1]:.4g}")
    return losses


def _cycle(iterable):
    """Return ``next_batch(step)`` drawing from ``iterable``, restarting it when exhausted."""
    state = {"it": iter(iterable)}

    def next_batch(step):
        try:
            return next(state["it"])
        except StopIteration:
            state["it"] = iter(iterable)
            try:
                return next(state["it"])
            except StopIteration:
                raise ValueError(
                    f"fit: batches ran out after {step} steps and cannot be restarted (a "
                    f"generator?): pass a list, a DataLoader or a callable batches(step)."
                ) from None

    return next_batch


def _to(value, device):
    if device is None:
        return value
    if isinstance(value, (torch.Tensor, torch.nn.utils.rnn.PackedSequence)):
        return value.to(device)
    if type(value) in (tuple, list):
        return type(value)(_to(v, device) for v in value)
    return value
