"""lstmlib.data.digit_lines: lines of load_digits images read column by column (for CTC)."""

import numpy as np
import pytest

from lstmlib.data import digit_lines, digits


@pytest.fixture(scope="module")
def data():
    return digit_lines.load_digit_lines(150, 60, seed=0)


def test_shapes_and_ranges(data):
    for part in ("train", "test"):
        lines, targets = data[part]["lines"], data[part]["targets"]
        assert len(lines) == len(targets) == (150 if part == "train" else 60)
        for line, target, spans, offsets in zip(lines, targets, data[part]["spans"], data[part]["offsets"]):
            assert line.dtype == np.float32 and line.ndim == 2 and line.shape[1] == digit_lines.HEIGHT
            assert 0.0 <= line.min() and line.max() <= 1.0
            assert target.dtype == np.int64 and 3 <= len(target) <= 8 and set(target) <= set(range(10))
            assert spans.shape == (len(target), 2) and np.all(spans[:, 1] - spans[:, 0] == digit_lines.DIGIT_WIDTH)
            assert np.all((0 <= offsets) & (offsets <= digit_lines.HEIGHT - 8))
            gaps = spans[1:, 0] - spans[:-1, 1]
            assert np.all((-2 <= gaps) & (gaps <= 3)), "gaps between digits lie in [-max_overlap, max_gap]"
            assert 0 <= spans[0, 0] <= 3 and 0 <= len(line) - spans[-1, 1] <= 3, "margins lie in [0, max_gap]"


def test_lines_redraw_the_images(data):
    """Re-derive every line from the images, spans and offsets it reports (np.maximum where boxes overlap)."""
    for part, images in (("train", data["x_train"]), ("test", data["x_test"])):
        d = data[part]
        for i in range(40):
            strip = np.zeros((digit_lines.HEIGHT, len(d["lines"][i])), dtype=np.float32)
            for (start, end), off, idx in zip(d["spans"][i], d["offsets"][i], d["image_index"][i]):
                strip[off:off + 8, start:end] = np.maximum(strip[off:off + 8, start:end], images[idx])
            assert np.array_equal(d["lines"][i], strip.T), "line i is column t = strip[:, t]"
            labels = data["y_train"] if part == "train" else data["y_test"]
            assert np.array_equal(labels[d["image_index"][i]], d["targets"][i]), "targets are the images' digits"


def test_test_lines_use_only_held_out_images(data):
    """No image of a test line occurs among the training images (compare pixels, not indices)."""
    train_images = {img.tobytes() for img in data["x_train"]}
    used = np.concatenate(data["test"]["image_index"])
    assert all(data["x_test"][k].tobytes() not in train_images for k in np.unique(used))
    x_train, y_train, x_test, y_test = digits.load_digit_rows(seed=0)
    assert np.array_equal(x_test, data["x_test"]) and np.array_equal(y_train, data["y_train"])


def test_overlaps_happen_and_digits_are_uniform():
    d = digit_lines.make_digit_lines(*digits.load_digit_rows(seed=0)[:2], n_lines=400, seed=3)
    gaps = np.concatenate([s[1:, 0] - s[:-1, 1] for s in d["spans"]])
    assert (gaps < 0).mean() > 0.2 and (gaps > 0).mean() > 0.4, "overlaps and gaps both occur"
    counts = np.bincount(np.concatenate(d["targets"]), minlength=10)
    assert counts.min() > 0.7 * counts.mean(), "digit classes are drawn uniformly"
    lengths = np.bincount([len(t) for t in d["targets"]], minlength=9)[3:]
    assert lengths.min() > 0.5 * lengths.mean(), "line lengths uniform in [3, 8]"


def test_determinism_and_options():
    images, labels = digits.load_digit_rows(seed=0)[:2]
    a = digit_lines.make_digit_lines(images, labels, 10, seed=5)
    b = digit_lines.make_digit_lines(images, labels, 10, seed=5)
    c = digit_lines.make_digit_lines(images, labels, 10, seed=6)
    assert all(np.array_equal(x, y) for x, y in zip(a["lines"], b["lines"]))
    assert not all(len(x) == len(y) and np.array_equal(x, y) for x, y in zip(a["lines"], c["lines"]))
    short = digit_lines.make_digit_lines(images, labels, 30, seed=1, min_digits=1, max_digits=2, max_gap=0,
                                         max_overlap=0)
    for line, target in zip(short["lines"], short["targets"]):
        assert len(line) == digit_lines.DIGIT_WIDTH * len(target) and 1 <= len(target) <= 2
    with pytest.raises(ValueError):
        digit_lines.make_digit_lines(images, labels, 1, max_overlap=8)
    with pytest.raises(ValueError):
        digit_lines.make_digit_lines(images[:, :4], labels, 1)


def test_pad_lines():
    lines = [np.ones((5, digit_lines.HEIGHT), np.float32), 2 * np.ones((3, digit_lines.HEIGHT), np.float32)]
    x, widths = digit_lines.pad_lines(lines)
    assert x.shape == (2, 5, digit_lines.HEIGHT) and x.dtype == np.float32 and widths.tolist() == [5, 3]
    assert np.all(x[1, :3] == 2) and np.all(x[1, 3:] == 0) and np.all(x[0] == 1)


def test_importing_does_not_import_torch():
    import subprocess
    import sys
    code = "import lstmlib.data.digit_lines, sys; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
