"""Turning whatever a student returns into a numpy array (internal helper)."""

import numpy as np


def is_torch_tensor(x):
    """True for a ``torch.Tensor`` (checked without importing torch)."""
    cls = type(x)
    return any(c.__module__.split(".")[0] == "torch" and c.__name__ == "Tensor"
               for c in cls.__mro__)


def to_numpy(x):
    """Return ``x`` as a numpy array.

    Inputs:
    - x: numpy array, torch tensor (any device, requires_grad allowed), python scalar, list.

    Returns:
    - a numpy array; a torch tensor is detached and copied to the CPU (bfloat16 and other
      dtypes numpy lacks become float32). May raise ``ValueError``/``TypeError`` for ragged
      lists and the like.
    """
    if isinstance(x, np.ndarray):
        return x
    if is_torch_tensor(x):
        t = x.detach().cpu()
        if t.is_floating_point() and t.dtype not in _torch_numpy_floats():
            t = t.float()
        return t.numpy()
    return np.asarray(x)


def _torch_numpy_floats():
    import torch

    return (torch.float16, torch.float32, torch.float64)
