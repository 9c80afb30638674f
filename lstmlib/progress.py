"""Progress bars that keep their final state in a saved notebook.

tqdm's notebook bar is a widget: a saved notebook keeps only the widget's reference and, for
viewers that cannot show widgets (nbconvert, GitHub, a notebook reopened without its widget
state), the text it had when it was first displayed, ``0%``. ``progress_bar`` shows that widget
while the bar runs and, when it closes, replaces it by one line of text with its final state
(``train: 100%|██████████| 3000/3000 [00:31<00:00, loss=0.0123]``, or where it stopped): what
every viewer of the saved notebook shows. Outside a Jupyter kernel it is tqdm's text bar.
"""

import sys

__all__ = ["progress_bar", "in_kernel"]


def in_kernel():
    """Whether this code runs in a Jupyter (IPython) kernel."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress_bar(iterable=None, **kwargs):
    """A tqdm progress bar (same arguments as ``tqdm.tqdm``).

    In a Jupyter kernel with ipywidgets: tqdm's widget bar while it runs, replaced by its final
    state as one line of text when it closes. In a kernel without ipywidgets: tqdm's text bar on
    stdout (updated in place; the last update is what a saved notebook shows). Elsewhere: tqdm's
    text bar on stderr. ``disable=True`` shows nothing.
    """
    from tqdm.std import tqdm as text_tqdm

    if kwargs.get("disable") or not in_kernel():
        return text_tqdm(iterable, **kwargs)
    try:
        import ipywidgets  # noqa: F401
        bar_class = _notebook_bar_class()
    except ImportError:
        kwargs.setdefault("file", sys.stdout)
        return text_tqdm(iterable, **kwargs)
    return bar_class(iterable, **kwargs)


_BAR_CLASS = None


def _notebook_bar_class():
    """tqdm's notebook bar, displayed with a display id so that closing it can replace the widget
    by its final state in text (built on first use: tqdm.notebook imports ipywidgets)."""
    global _BAR_CLASS
    if _BAR_CLASS is not None:
        return _BAR_CLASS
    from IPython.display import display
    from tqdm.notebook import tqdm as notebook_tqdm

    class NotebookBar(notebook_tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["display"] = False
            self._handle = None
            super().__init__(*args, **kwargs)
            if not self.disable:
                self._handle = display(self.container, display_id=True)

        def close(self):
            if self.disable:
                return
            super().close()
            handle, self._handle = self._handle, None
            if handle is not None:
                text = self.format_meter(**self.format_dict) if self.leave else ""
                try:
                    handle.update({"text/plain": text}, raw=True)
                    self.container.close()   # the widget is gone from the output: free its comm
                except Exception:            # the kernel is shutting down: nothing to show any more
                    pass

    _BAR_CLASS = NotebookBar
    return NotebookBar
