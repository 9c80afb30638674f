"""Lines of real handwritten digits, read column by column (for CTC).

The digits are scikit-learn's ``load_digits`` images (8 x 8 pixels, 1797 of them, about 43
writers; see :mod:`lstmlib.data.digits` for provenance and licence). They are split into a
training and a test set of *images* first (``digits.load_digit_rows``), and the lines of each
set are strung together from that set's images only: every digit of a test line is an image no
model has seen during training.

A line of ``L`` digits (``min_digits <= L <= max_digits``) is drawn like handwriting on a strip
of paper ``HEIGHT = 10`` pixels high:

- a left margin of ``0 .. max_gap`` empty columns;
- each digit: a random image of a random class, 8 columns wide, shifted down by a random
  vertical jitter of ``0 .. HEIGHT - 8`` rows;
- between two digits a gap of ``-max_overlap .. max_gap`` columns: a positive gap is empty
  paper, a gap of 0 puts the two 8-column boxes side by side, and a negative gap makes them
  overlap by that many columns, as touching handwriting does (where two digits overlap, a pixel
  keeps the darker of the two inks, ``np.maximum``);
- a right margin of ``0 .. max_gap`` columns.

A line is stored **column by column**: ``x`` has shape ``(W, HEIGHT)`` and ``x[t]`` is column
``t`` of the strip (its pixels from top to bottom, in [0, 1]). Read as a sequence, a line is
``W`` time steps of ``HEIGHT`` features, and nothing tells the reader where a digit starts: that
is what CTC (Graves et al., 2006) learns.

- ``make_digit_lines(images, labels, n_lines, seed=0, ...)``: lines from a given set of images.
- ``load_digit_lines(n_train, n_test, seed=0, ...)``: train and test lines from disjoint images.
- ``pad_lines(lines)``: a padded batch ``(B, T_max, HEIGHT)`` and the widths ``(B,)``.
"""

import numpy as np

from . import digits

__all__ = ["HEIGHT", "DIGIT_WIDTH", "make_digit_lines", "load_digit_lines", "pad_lines"]

HEIGHT = 10        # pixels per column of a line (features per time step)
DIGIT_WIDTH = 8    # columns per digit image


def make_digit_lines(images, labels, n_lines, seed=0, min_digits=3, max_digits=8, max_gap=3, max_overlap=2):
    """String digit images into lines of handwriting, stored column by column.

    Inputs:
    - images: float array of shape (N, 8, 8), values in [0, 1]; images[n, r, c] is row r,
      column c of image n (as ``digits.load_digit_rows`` returns them)
    - labels: int array of shape (N,), the digit 0..9 of each image
    - n_lines: the number of lines to make
    - seed: seed of the random choices (the same seed gives the same lines)
    - min_digits, max_digits: each line has L digits, L uniform in [min_digits, max_digits]
    - max_gap: the margins are uniform in [0, max_gap] columns, the gaps between digits
      uniform in [-max_overlap, max_gap]
    - max_overlap: how far (columns) two neighbouring digit boxes may overlap, 0 <= max_overlap < 8

    Returns a dict with, for each of the n_lines lines:
    - "lines": list of float32 arrays of shape (W_i, HEIGHT); lines[i][t] is column t
    - "targets": list of int64 arrays of shape (L_i,), the digits of line i, left to right
    - "spans": list of int arrays of shape (L_i, 2), the first and one-past-last column of
      each digit's 8-column box in the line (boxes of neighbours overlap where the gap is
      negative)
    - "offsets": list of int arrays of shape (L_i,), the vertical jitter (rows) of each digit
    - "image_index": list of int arrays of shape (L_i,), the index into ``images`` of each
      digit
    """
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (8, 8) or len(images) != len(labels):
        raise ValueError(f"make_digit_lines: images must have shape (N, 8, 8) and labels (N,), "
                         f"got {images.shape} and {labels.shape}")
    if not 1 <= min_digits <= max_digits:
        raise ValueError(f"make_digit_lines: need 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    if not (0 <= max_overlap < DIGIT_WIDTH and max_gap >= 0):
        raise ValueError(f"make_digit_lines: need max_gap >= 0 and 0 <= max_overlap < {DIGIT_WIDTH}, "
                         f"got {max_gap}, {max_overlap}")
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(labels == d) for d in range(digits.NUM_CLASSES)]
    out = {"lines": [], "targets": [], "spans": [], "offsets": [], "image_index": []}
    for _ in range(n_lines):
        L = int(rng.integers(min_digits, max_digits + 1))
        target = rng.integers(0, digits.NUM_CLASSES, L)                  # classes first: uniform
        index = np.array([rng.choice(by_class[d]) for d in target], dtype=np.int64)
        gaps = rng.integers(-max_overlap, max_gap + 1, L + 1)            # margin, L-1 gaps, margin
        gaps[[0, L]] = rng.integers(0, max_gap + 1, 2)                   # margins are never negative
        offsets = rng.integers(0, HEIGHT - 8 + 1, L)
        width = int(gaps.sum()) + DIGIT_WIDTH * L
        strip = np.zeros((HEIGHT, width), dtype=np.float32)              # rows x columns
        spans = np.zeros((L, 2), dtype=np.int64)
        col = int(gaps[0])
        for k in range(L):
            box = strip[offsets[k]:offsets[k] + 8, col:col + DIGIT_WIDTH]   # a view into the strip
            np.maximum(box, images[index[k]], out=box)                        # overlapping inks: the darker
            spans[k] = col, col + DIGIT_WIDTH
            col += DIGIT_WIDTH + int(gaps[k + 1])
        out["lines"].append(np.ascontiguousarray(strip.T))             # (W, HEIGHT): column t is step t
        out["targets"].append(target.astype(np.int64))
        out["spans"].append(spans)
        out["offsets"].append(offsets.astype(np.int64))
        out["image_index"].append(index)
    return out


def load_digit_lines(n_train, n_test, seed=0, test_size=0.25, **line_options):
    """Train and test lines built from disjoint sets of digit images.

    Inputs:
    - n_train, n_test: the number of training and test lines
    - seed: seed of the image split and of the lines (the test lines use seed + 1)
    - test_size: the fraction of the 1797 images kept for the test lines
    - **line_options: min_digits, max_digits, max_gap, max_overlap, passed to make_digit_lines

    Returns a dict:
    - "train", "test": the dicts of make_digit_lines for each set of lines
    - "x_train", "y_train": the training images (N_train, 8, 8) and their digits (N_train,)
    - "x_test", "y_test": the test images (N_test, 8, 8) and their digits (N_test,);
      "image_index" of the test lines indexes x_test
    """
    x_train, y_train, x_test, y_test = digits.load_digit_rows(test_size=test_size, seed=seed)
    return {"train": make_digit_lines(x_train, y_train, n_train, seed=seed, **line_options),
            "test": make_digit_lines(x_test, y_test, n_test, seed=seed + 1, **line_options),
            "x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def pad_lines(lines):
    """Pad lines of different widths into one batch (empty paper on the right).

    Inputs:
    - lines: list of B float arrays of shapes (W_b, HEIGHT)

    Returns:
    - x: float32 array of shape (B, T_max, HEIGHT), T_max = max W_b, zeros beyond each line
    - widths: int64 array of shape (B,), the width W_b of each line
    """
    widths = np.array([len(line) for line in lines], dtype=np.int64)
    x = np.zeros((len(lines), int(widths.max()), lines[0].shape[1]), dtype=np.float32)
    for b, line in enumerate(lines):
        x[b, :len(line)] = line
    return x, widths
