"""Run mode and training budgets.

The course runs in one of three modes, read from the environment variable
``LSTM_COURSE_MODE``:

- ``"full"`` (the default): a student's run; training reaches the figures the text states.
- ``"ci"``: continuous integration; every cell runs, budgets are tiny.
- ``"grading"``: the autograder; like ``ci`` unless a notebook says otherwise.

Every training budget in a notebook goes through :func:`budget`, e.g.
``steps = budget(full=3000, ci=30)``.
"""

import os

ENV_VAR = "LSTM_COURSE_MODE"
MODES = ("full", "ci", "grading")


def mode():
    """Return the current run mode.

    Returns:
    - one of ``"full"``, ``"ci"``, ``"grading"``: ``LSTM_COURSE_MODE`` (case and surrounding
      spaces ignored); ``"full"`` when it is unset or empty.

    Raises:
    - ValueError when ``LSTM_COURSE_MODE`` is set to anything else.
    """
    raw = os.environ.get(ENV_VAR)
    if raw is None or not raw.strip():
        return "full"
    value = raw.strip().lower()
    if value not in MODES:
        allowed = ", ".join(repr(m) for m in MODES)
        raise ValueError(
            f"{ENV_VAR}={raw!r} is not a run mode: use one of {allowed} "
            f"(unset means 'full')."
        )
    return value


def budget(full, ci, grading=None):
    """Return the value meant for the current run mode.

    Inputs:
    - full: the value for students (``mode() == "full"``), e.g. a number of training steps.
    - ci: the value for continuous integration.
    - grading: the value for the autograder; ``None`` means the same as ``ci``.

    Returns:
    - ``full``, ``ci`` or ``grading`` (``ci`` when ``grading`` is None), unchanged.
    """
    current = mode()
    if current == "full":
        return full
    if current == "grading" and grading is not None:
        return grading
    return ci


def device():
    """Return the torch device to compute on.

    Returns:
    - ``torch.device("cuda")`` when a CUDA GPU is available, else ``torch.device("cpu")``.
      torch is imported here, not when ``lstmlib`` is imported.
    """
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
