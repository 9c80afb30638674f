"""Handwritten digits read row by row: scikit-learn's ``load_digits`` as sequences.

The 1797 images of 8 x 8 pixels (grey levels 0..16, ten classes, about 180 each) ship with
scikit-learn, so nothing is downloaded. They are the test set of the UCI "Optical Recognition
of Handwritten Digits" data (Alpaydin & Kaynak, 1998; CC BY 4.0), which scikit-learn
redistributes under its BSD licence.

An image becomes a sequence of ``T = 8`` steps, one per row from top to bottom, each step a
vector of ``D = 8`` features (the row's pixels, scaled to [0, 1]): ``x[n, t]`` is row ``t`` of
image ``n``. So an array of sequences, shape ``(N, 8, 8)``, is also an array of images.

- ``load_digit_rows(test_size=0.25, seed=0)``: a stratified train/test split.
"""

import numpy as np

__all__ = ["load_digit_rows", "T", "D", "NUM_CLASSES"]

T = 8             # steps per sequence: the rows of an image
D = 8             # features per step: the pixels of a row
NUM_CLASSES = 10  # the digits 0..9


def load_digit_rows(test_size=0.25, seed=0):
    """The digits as row sequences, split into train and test sets with the same class mix.

    Inputs:
    - test_size: the fraction of the 1797 images in the test set, in (0, 1).
    - seed: the seed of the split (the same seed gives the same split).

    Returns:
    - x_train: float32 array of shape (N_train, T, D) = (N_train, 8, 8), values in [0, 1]
    - y_train: int64 array of shape (N_train,), the digit 0..9 of each sequence
    - x_test: float32 array of shape (N_test, 8, 8)
    - y_test: int64 array of shape (N_test,)
    """
    if not 0 < test_size < 1:
        raise ValueError(f"load_digit_rows: test_size must lie in (0, 1), got {test_size}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)  # (N, 8, 8): row t of image n is step t
    y = digits.target.astype(np.int64)             # (N,)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y)
    return x_train, y_train, x_test, y_test
