"""``report(**figures)``: the figures a notebook states, shown and handed to the runner."""

import json
import math
import numbers
import os
from pathlib import Path

import numpy as np

from ._arrays import is_torch_tensor
from .mode import mode

ENV_VAR = "LSTM_COURSE_RESULTS"
_MAX_LIST_SHOWN = 6


def report(**figures):
    """Show a notebook's final figures as a table and, for the runner, save them as JSON.

    Call it once, at the end of a notebook: ``report(test_accuracy=acc, losses=history)``.

    Inputs:
    - **figures: name -> value. A value is a number (python or numpy scalar; NaN allowed),
      a string, a bool, None, a list/tuple/1-D array of those, or a dict (string keys) of
      any of these. 0-d arrays and torch scalars count as numbers.

    Returns:
    - figures: dict name -> value, converted to plain python types (numpy scalars become
      ``float``/``int``/``bool``, arrays and tuples become lists).

    Side effects:
    - prints a small aligned table to stdout;
    - when the environment variable ``LSTM_COURSE_RESULTS`` names a file, writes
      ``{"mode": mode(), "figures": {...}}`` there as JSON (parent folders are created;
      NaN and infinities are written as ``null``).

    Raises:
    - TypeError naming the figure whose value is not one of the above.
    """
    clean = {name: _clean(value, name) for name, value in figures.items()}
    current = mode()
    _print_table(clean, current)
    target = os.environ.get(ENV_VAR)
    if target:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"mode": current, "figures": _json_safe(clean)}
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
        os.replace(tmp, path)
    return clean


def _clean(value, key):
    """Return ``value`` as plain python data, or raise TypeError naming ``key``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return float(str(value))  # float32 0.93125 stays 0.93125, not 0.9312499761...
    if isinstance(value, numbers.Real):
        return float(value)
    if is_torch_tensor(value):
        value = value.detach().cpu().tolist()
        return _clean(value, key)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.ndim > 1:
            raise TypeError(
                f"report(): {key!r} is an array of dtype {value.dtype} and shape "
                f"{value.shape}; report numbers or a 1-D array of numbers."
            )
        return _clean(value.tolist(), key)
    if isinstance(value, (list, tuple)):
        return [_clean(item, f"{key}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(
                    f"report(): {key!r} is a dict with a non-string key {k!r}; "
                    f"use string keys."
                )
            out[k] = _clean(v, f"{key}.{k}")
        return out
    raise TypeError(
        f"report(): {key!r} has a value of type {type(value).__name__}; report numbers, "
        f"strings, bools, or lists/dicts of them (e.g. float(x), or x.item() for a tensor)."
    )


def _json_safe(value):
    """Replace NaN and infinities by None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def _format(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        shown = ", ".join(_format(v) for v in value[:_MAX_LIST_SHOWN])
        if len(value) > _MAX_LIST_SHOWN:
            return f"[{shown}, ...] ({len(value)} values)"
        return f"[{shown}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_format(v)}" for k, v in value.items()) + "}"
    return str(value)


def _print_table(figures, current):
    rows = []
    for name, value in figures.items():
        if isinstance(value, dict) and value:
            rows += [(f"{name}.{k}", _format(v)) for k, v in value.items()]
        else:
            rows.append((name, _format(value)))
    print(f"Results (mode: {current})")
    if not rows:
        print("  (no figures)")
        return
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"  {name.ljust(width)}  {text}")
