"""lstmlib.data.digits: scikit-learn's digits as row sequences, split with stratification."""

import numpy as np
import pytest

from lstmlib.data import digits


def test_shapes_dtypes_and_range():
    x_train, y_train, x_test, y_test = digits.load_digit_rows()
    assert x_train.shape[1:] == x_test.shape[1:] == (digits.T, digits.D) == (8, 8)
    assert len(x_train) + len(x_test) == 1797 and len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert len(x_test) == 450  # ceil(0.25 * 1797)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0 and x_train.max() == 1.0
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(digits.NUM_CLASSES))


def test_rows_are_time_steps():
    """x[n, t] is row t of image n: the sequences are the images themselves, scaled."""
    from sklearn.datasets import load_digits

    images = load_digits().images / 16.0
    x_train, _, x_test, _ = digits.load_digit_rows()
    every = np.concatenate([x_train, x_test]).reshape(len(images), -1)
    ours = {row.tobytes() for row in every.astype(np.float32)}
    theirs = {row.tobytes() for row in images.reshape(len(images), -1).astype(np.float32)}
    assert ours == theirs


def test_split_is_stratified_and_seeded():
    x1, y1, xt1, yt1 = digits.load_digit_rows(seed=3)
    x2, y2, xt2, yt2 = digits.load_digit_rows(seed=3)
    assert np.array_equal(x1, x2) and np.array_equal(yt1, yt2)
    _, y3, _, _ = digits.load_digit_rows(seed=4)
    assert not np.array_equal(y1, y3)
    share_train = np.bincount(y1, minlength=10) / len(y1)
    share_test = np.bincount(yt1, minlength=10) / len(yt1)
    assert np.abs(share_train - share_test).max() < 0.01


def test_test_size_checked():
    _, _, x_test, _ = digits.load_digit_rows(test_size=0.5)
    assert abs(len(x_test) - 1797 / 2) <= 1
    with pytest.raises(ValueError, match="test_size"):
        digits.load_digit_rows(test_size=1.5)
