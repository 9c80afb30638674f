"""Interactive figures that degrade to a static figure outside a student's notebook."""

import numbers

from .mode import mode

__all__ = ["interactive"]


def interactive(fn, **controls):
    """Show ``fn`` with sliders/dropdowns, or call it once with default values.

    In ``full`` mode, in a Jupyter kernel with ipywidgets installed, the controls are
    ``ipywidgets.interactive(fn, **controls)`` and ``fn``'s figure (whatever it displays and
    prints) is an ordinary output of the cell below them, drawn for the default values and
    redrawn in place when a control moves. So the figure is there wherever the notebook is
    read: in a saved notebook, in nbconvert's HTML or a headless run, where the widgets
    themselves cannot be shown. Otherwise (``ci``/``grading`` mode, no ipywidgets, no kernel)
    ``fn`` is called once with each control's default value: a static figure.

    Inputs:
    - fn: function drawing a figure from keyword arguments, e.g. ``fn(T=20, forget=0.9)``.
    - **controls: name -> control, as ``ipywidgets.interact`` accepts them:
      a widget (default: its ``value``; ``ipywidgets.fixed(v)`` gives ``v``), a tuple
      ``(min, max)`` or ``(min, max, step)`` of numbers (a slider; default: the midpoint,
      rounded down to the step grid and to an int for int bounds), a list, tuple or dict of
      options (a dropdown; default: the first option, or its value for ``(label, value)``
      pairs and dicts), or a plain number, string or bool (default: itself).

    Returns:
    - the ``ipywidgets.interactive`` widget (its ``result`` is what ``fn`` last returned), or
      what ``fn`` returned in the static case.
    """
    if mode() == "full":
        from .progress import in_kernel
        try:
            import ipywidgets
        except ImportError:
            ipywidgets = None
        if ipywidgets is not None and in_kernel():
            return _live(ipywidgets, fn, controls)
    return fn(**{name: default_value(control) for name, control in controls.items()})


def _live(ipywidgets, fn, controls):
    """The controls, then fn's outputs as display outputs with ids, redrawn in place.

    fn is not run inside the widget's Output area (where ``ipywidgets.interactive`` would run
    it): what is displayed there exists only as long as the widget is shown, and a frontend
    keeps there the display updates it receives too. The widget built here has only the
    controls; fn runs when they change.
    """
    import functools
    import traceback

    from IPython.display import display
    from IPython.utils.capture import capture_output
    from ipywidgets.widgets.interaction import show_inline_matplotlib_plots

    def run(values):
        """fn(**values) -> (result, [(data, metadata), ...]): what it printed and displayed."""
        with capture_output(stdout=True, stderr=False, display=True) as captured:
            result = fn(**values)
            show_inline_matplotlib_plots()              # a figure drawn without plt.show()
        printed = [({"text/plain": captured.stdout}, {})] if captured.stdout else []
        return result, printed + [(o.data, o.metadata) for o in captured.outputs]

    # The same controls, defaults and signature checks as ipywidgets.interact(fn, **controls).
    widget = ipywidgets.interactive(functools.wraps(fn)(lambda *args, **kwargs: None), **controls)

    def values():
        return {w._kwarg: w.get_interact_value() for w in widget.kwargs_widgets}

    widget.result, outputs = run(values())
    display(widget)
    handles = [display(data, metadata=metadata, raw=True, display_id=True) for data, metadata in outputs]

    def redraw(change):
        try:
            widget.result, outputs = run(values())
        except Exception:
            outputs = [({"text/plain": traceback.format_exc()}, {})]
        for k, handle in enumerate(handles):            # fewer outputs than before: empty the rest
            data, metadata = outputs[k] if k < len(outputs) else ({"text/plain": ""}, {})
            handle.update(data, metadata=metadata, raw=True)
        for data, metadata in outputs[len(handles):]:    # more: show them below
            handles.append(display(data, metadata=metadata, raw=True, display_id=True))

    for w in widget.kwargs_widgets:
        if isinstance(w, ipywidgets.ValueWidget):
            w.observe(redraw, names="value")
    return widget


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
