"""lstmlib.data.clips: moving-digit clips and their sentences. The sentence of every clip is
re-derived from its pixels (where the digit is in each frame, which digit it is), independently
of the generator's bookkeeping."""

import numpy as np
import pytest

from lstmlib.data import clips as C


@pytest.fixture(scope="module")
def train():
    return C.make_clips(300, seed=0, split="train")


def _direction(delta):
    return {(0, -1): "left", (0, 1): "right", (-1, 0): "up", (1, 0): "down"}[tuple(int(v) for v in delta)]


def test_shapes_dtypes_and_determinism(train):
    assert train["clips"].shape == (300, C.N_FRAMES, C.SIZE, C.SIZE) == (300, 9, 16, 16)
    assert train["clips"].dtype == np.float32
    assert 0 <= train["clips"].min() and train["clips"].max() <= 1
    assert len(train["sentences"]) == 300
    assert train["digits"].shape == (300,) and train["directions"].shape == (300, 2)
    again = C.make_clips(300, seed=0, split="train")
    assert np.array_equal(again["clips"], train["clips"]) and again["sentences"] == train["sentences"]
    other = C.make_clips(300, seed=1, split="train")
    assert not np.array_equal(other["clips"], train["clips"])


def test_sentence_rederived_from_pixels(train):
    """The motion in the pixels gives the directions; the sentence must say them."""
    for i in range(60):
        frames = train["clips"][i]
        assert all(np.isclose(f.sum(), frames[0].sum(), rtol=1e-5) for f in frames), "the digit stays whole"
        # the exact offset between consecutive frames: the shift that maps frame t onto frame t + 1
        moves = []
        for t in range(C.N_FRAMES - 1):
            found = [(dr, dc) for dr, dc in [(0, -1), (0, 1), (-1, 0), (1, 0)]
                     if np.allclose(np.roll(frames[t], (dr, dc), axis=(0, 1)), frames[t + 1])]
            assert len(found) == 1, f"clip {i}: frame {t} -> {t + 1} is not a one-pixel move"
            moves.append(_direction(found[0]))
        half = C.STEPS_PER_SEGMENT
        assert len(set(moves[:half])) == 1 and len(set(moves[half:])) == 1, f"clip {i}: two straight segments"
        d1, d2 = moves[0], moves[-1]
        words = train["sentences"][i].split()
        assert words[0] == "a" and words[2] == "moves" and words[3] == d1
        if d1 == d2:
            assert len(words) == 4, f"clip {i}: a straight clip is 'a <digit> moves <dir>'"
        else:
            assert words[4:] == ["then", d2]


def test_digit_rederived_by_nearest_image(train):
    """The digit in the frame is one of the pool's images of the digit the sentence names."""
    images, labels = C.digit_pools()["train"]
    for i in range(40):
        r, c = train["starts"][i]
        patch = train["clips"][i, 0, r:r + 8, c:c + 8]
        match = np.flatnonzero(np.all(np.isclose(images, patch), axis=(1, 2)))
        assert len(match) >= 1, f"clip {i}: the digit is not an image of the pool"
        assert str(labels[match[0]]) == train["sentences"][i].split()[1]


def test_pools_disjoint_and_test_split_uses_unseen_images():
    pools = C.digit_pools()
    (tr_x, tr_y), (te_x, te_y) = pools["train"], pools["test"]
    assert len(tr_y) + len(te_y) == 1797 and abs(len(te_y) - 449) <= 1
    flat_train = {x.tobytes() for x in tr_x}
    test = C.make_clips(30, seed=0, split="test")
    for i in range(30):
        r, c = test["starts"][i]
        patch = np.ascontiguousarray(test["clips"][i, 0, r:r + 8, c:c + 8])
        assert any(np.array_equal(patch, x) for x in te_x)
    assert sum(x.tobytes() in flat_train for x in te_x) < 10     # load_digits has a few duplicate images
    with pytest.raises(ValueError):
        C.make_clips(3, split="valid")


def test_balance_of_slots():
    big = C.make_clips(4000, seed=5, split="train")
    digit_share = np.bincount(big["digits"], minlength=10) / 4000
    assert np.all(np.abs(digit_share - 0.1) < 0.025)
    d1 = np.bincount(big["directions"][:, 0], minlength=4) / 4000
    assert np.all(np.abs(d1 - 0.25) < 0.03)
    straight = np.mean(big["directions"][:, 0] == big["directions"][:, 1])
    assert abs(straight - C.P_STRAIGHT) < 0.03
    assert len(set(big["sentences"])) == 160


def test_encode_and_decode_tokens():
    ids = C.encode_sentences(["a 3 moves left then down", "a 0 moves up"])
    assert ids.shape == (2, C.MAX_LEN) and ids.dtype == np.int64
    assert [C.VOCAB[i] for i in ids[0]] == ["a", "3", "moves", "left", "then", "down", "<eos>"]
    assert [C.VOCAB[i] for i in ids[1]] == ["a", "0", "moves", "up", "<eos>", "<pad>", "<pad>"]
    assert (C.PAD, C.BOS, C.EOS) == (0, 1, 2) and C.VOCAB[:3] == ("<pad>", "<bos>", "<eos>")
    assert C.decode_tokens(ids[0]) == "a 3 moves left then down"
    assert C.decode_tokens([C.BOS, *ids[1], 7, 7]) == "a 0 moves up"           # stops at <eos>
    assert C.describe(3, "left", "left") == "a 3 moves left"
    with pytest.raises(ValueError):
        C.describe(3, "left", "sideways")
    with pytest.raises(ValueError):
        C.encode_sentences(["a 3 moves left then down"], max_len=6)


def test_render_clip_refuses_to_leave_the_canvas():
    image = np.ones((8, 8), dtype=np.float32)
    frames = C.render_clip(image, (0, 8), "left", "down")
    assert frames[0, 0:8, 8:16].all() and frames[-1, 4:12, 4:12].all()
    with pytest.raises(ValueError, match="leaves the canvas"):
        C.render_clip(image, (0, 0), "left", "down")
