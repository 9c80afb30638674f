"""Interactive figures that degrade to a static figure outside a student's notebook."""

import numbers

from .mode import mode

__all__ = ["interactive"]


def interactive(fn, **controls):
    """Show ``fn`` with sliders/dropdowns, or call it once with default values.

    In ``full`` mode with ipywidgets installed this is ``ipywidgets.interact(fn,
    **controls)``. Otherwise (``ci``/``grading`` mode, or no ipywidgets) ``fn`` is called
    once with each control's default value, so the cell still draws a static figure.

    Inputs:
    - fn: function drawing a figure from keyword arguments, e.g. ``fn(T=20, forget=0.9)``.
    - **controls: name -> control, as ``ipywidgets.interact`` accepts them:
      a widget (default: its ``value``; ``ipywidgets.fixed(v)`` gives ``v``), a tuple
      ``(min, max)`` or ``(min, max, step)`` of numbers (a slider; default: the midpoint,
      rounded down to the step grid and to an int for int bounds), a list, tuple or dict of
      options (a dropdown; default: the first option, or its value for ``(label, value)``
      pairs and dicts), or a plain number, string or bool (default: itself).

    Returns:
    - what ``ipywidgets.interact`` returns, or what ``fn`` returned in the static case.
    """
    if mode() == "full":
        try:
            import ipywidgets
        except ImportError:
            ipywidgets = None
        if ipywidgets is not None:
            return ipywidgets.interact(fn, **controls)
    return fn(**{name: default_value(control) for name, control in controls.items()})


def default_value(control):
    """The value ``interact`` would start a control at (see ``interactive``).

    Inputs:
    - control: a widget, ``(min, max[, step])`` tuple, list/tuple/dict of options, or value.

    Returns:
    - the default value of that control.
    """
    if hasattr(control, "value") and not isinstance(control, (numbers.Number, str)):
        return control.value
    if isinstance(control, tuple) and 2 <= len(control) <= 3 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in control):
        return _slider_default(*control)
    if isinstance(control, dict):
        return next(iter(control.values()))
    if isinstance(control, (list, tuple)):
        first = control[0]
        if isinstance(first, tuple) and len(first) == 2 and isinstance(first[0], str):
            return first[1]  # (label, value) pairs
        return first
    return control


def _slider_default(lo, hi, step=None):
    mid = lo + (hi - lo) / 2
    if step:
        mid = lo + int((mid - lo) / step) * step
    if all(isinstance(v, numbers.Integral) for v in (lo, hi) + ((step,) if step else ())):
        return int(mid)
    return float(mid)
