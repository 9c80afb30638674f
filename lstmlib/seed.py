"""Seeding every random number generator a notebook uses."""

import importlib.util
import random

import numpy as np


def seed_everything(seed=0):
    """Seed Python's ``random``, numpy's legacy global RNG and torch (if installed).

    Inputs:
    - seed: a non-negative integer.

    Returns:
    - rng: ``np.random.default_rng(seed)``, the generator notebooks should draw from.
    """
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.manual_seed(seed)  # seeds the CPU and every CUDA device
    return np.random.default_rng(seed)
