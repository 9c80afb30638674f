"""lstmlib.data.scenes: generated images with captions (14).

The checks read the pixels back, independently of how the generator drew them: the colours
and positions found in an image must agree with its captions.
"""

import numpy as np
import pytest

from lstmlib.data import scenes

COLOUR_RGB = {name: np.array(rgb) for name, rgb in scenes.COLOURS.items()}


def _blobs(image):
    """Objects found in an image, by colour: dict colour -> (pixel count, centre (row, col))."""
    rgb = image.transpose(1, 2, 0)                               # (H, W, 3)
    found = {}
    for name, ref in COLOUR_RGB.items():
        mask = np.linalg.norm(rgb - ref, axis=-1) < 0.3
        if mask.sum() >= 20:
            rows, cols = np.nonzero(mask)
            found[name] = (int(mask.sum()), (rows.mean(), cols.mean()))
    return found


@pytest.fixture(scope="module")
def scene_data():
    return scenes.make_scenes(300, seed=0)


def test_scene_shapes_range_and_reproducible(scene_data):
    images, captions, objects = scene_data
    assert images.shape == (300, 3, 32, 32) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert len(captions) == len(objects) == 300 and all(len(c) == 2 for c in captions)
    again = scenes.make_scenes(5, seed=7)
    assert np.array_equal(again[0], scenes.make_scenes(5, seed=7)[0]) and again[1] == scenes.make_scenes(5, seed=7)[1]
    assert not np.array_equal(again[0], scenes.make_scenes(5, seed=8)[0])


def test_captions_are_grammatical_and_each_others_inverse(scene_data):
    _, captions, objects = scene_data
    inverse = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
    for (first, second), (c1, s1, rel, c2, s2) in zip(captions, objects):
        assert first == f"a {c1} {s1} {rel} a {c2} {s2}"
        assert second == f"a {c2} {s2} {inverse[rel]} a {c1} {s1}"
        assert (c1, s1) != (c2, s2)
        assert set(first.split()) <= set(scenes.SCENE_VOCAB)
    relations = [o[2] for o in objects]
    for rel in inverse:                              # all four relations, none rare
        assert relations.count(rel) > 40


def test_pixels_agree_with_the_captions(scene_data):
    """Where both objects have different colours, find them by colour and check the relation."""
    images, _, objects = scene_data
    checked = 0
    for image, (c1, s1, rel, c2, s2) in zip(images, objects):
        if c1 == c2:
            continue
        blobs = _blobs(image)
        assert set(blobs) == {c1, c2}, f"expected {c1} and {c2} objects, found {sorted(blobs)}"
        (r1, k1), (r2, k2) = blobs[c1][1], blobs[c2][1]
        if rel == "left of":
            assert k2 - k1 > 9 and abs(r2 - r1) < 6
        elif rel == "right of":
            assert k1 - k2 > 9 and abs(r2 - r1) < 6
        elif rel == "above":
            assert r2 - r1 > 9 and abs(k2 - k1) < 6
        else:
            assert r1 - r2 > 9 and abs(k2 - k1) < 6
        checked += 1
    assert checked > 150


def test_same_colour_scenes_show_two_objects_in_the_stated_order(scene_data):
    """Where both objects share a colour, cut the colour's mask along the relation's axis: there
    are exactly two runs of occupied rows (or columns), separated by a gap, and the run of the
    object named first lies on the side the caption says."""
    images, _, objects = scene_data
    checked = 0
    for image, (c1, s1, rel, c2, s2) in zip(images, objects):
        if c1 != c2:
            continue
        rgb = image.transpose(1, 2, 0)
        mask = np.linalg.norm(rgb - COLOUR_RGB[c1], axis=-1) < 0.3          # (H, W)
        axis = 0 if rel in ("left of", "right of") else 1                      # sum over rows -> columns
        occupied = mask.sum(axis=axis) >= 2
        edges = np.flatnonzero(np.diff(np.r_[0, occupied.astype(int), 0]))
        runs = list(zip(edges[::2], edges[1::2]))                              # [start, stop) of each run
        assert len(runs) == 2, f"{c1} {s1} {rel} {c2} {s2}: expected two separate objects, found runs {runs}"
        first_is_low = rel in ("left of", "above")          # smaller column / row index for the first object
        pieces = [mask[:, a:b] if axis == 0 else mask[a:b] for a, b in runs]

        def pointed(piece):
            """Triangles point up: their top rows are much narrower than their bottom rows."""
            widths = piece.sum(axis=1)[piece.any(axis=1)]
            k = max(1, len(widths) // 3)
            return widths[:k].mean() < 0.6 * widths[-k:].mean()

        if (s1 == "triangle") != (s2 == "triangle"):   # exactly one triangle: it tells the objects apart
            low, high = [pointed(p) for p in pieces]
            assert low != high, f"{c1} {s1} {rel} {c2} {s2}: cannot tell the triangle from the other object"
            first_piece_is_triangle = low if first_is_low else high
            assert first_piece_is_triangle == (s1 == "triangle"), f"{c1} {s1} {rel} {c2} {s2}: objects swapped"
        checked += 1
    assert checked > 40


def test_shapes_have_their_areas():
    """A circle of width d covers about pi d^2 / 4 pixels, a square (0.85 d)^2, a triangle d^2 / 2."""
    d = 40
    for shape, area in [("circle", np.pi * d * d / 4), ("square", (0.85 * d) ** 2), ("triangle", d * d / 2)]:
        image = np.zeros((3, 60, 60))
        mask = scenes.draw_shape(image, shape, (1, 0, 0), (30, 30), d)
        assert abs(mask.sum() - area) < 0.08 * area, (shape, mask.sum(), area)
        assert np.all(image[0][mask] == 1) and np.all(image[1:] == 0)
    image = np.zeros((3, 60, 60))
    tri = scenes.draw_shape(image, "triangle", (1, 1, 1), (30, 30), d)
    rows = np.nonzero(tri)[0]
    assert tri[rows.max()].sum() > 3 * tri[rows.min()].sum()    # wide base at the bottom, apex on top


def test_encode_decode_round_trip():
    vocab = scenes.SCENE_VOCAB
    assert vocab[:3] == ["<pad>", "<bos>", "<eos>"] and len(set(vocab)) == len(vocab)
    ids = scenes.encode(["a red circle above a blue square", "a green triangle left of a red circle"], vocab)
    assert ids.shape == (2, 10) and ids.dtype == np.int64
    assert ids[0, 0] == scenes.BOS and ids[0, 8] == scenes.EOS and ids[0, 9] == scenes.PAD
    assert ids[1, 9] == scenes.EOS
    assert scenes.decode(ids[0], vocab) == "a red circle above a blue square".split()
    assert scenes.decode([1, 3, 2, 4, 4], vocab) == ["a"]                 # stops at EOS
    with pytest.raises(ValueError):
        scenes.encode(["a red circle"], vocab, length=4)
