"""Short clips of a handwritten digit moving on a blank canvas, each described in a sentence
(notebook 16): "a 3 moves left then down".

The digits are scikit-learn's ``load_digits`` images (8 x 8 pixels, grey levels 0..16, scaled to
[0, 1]; the UCI "Optical Recognition of Handwritten Digits" test set, Alpaydin & Kaynak, 1998,
CC BY 4.0, redistributed by scikit-learn under its BSD licence), so nothing is downloaded. The
1797 images are split once, by a fixed seeded permutation, into a pool for training clips and a
pool for test clips (``IMAGE_SPLIT_SEED``): a test clip shows a handwritten digit never seen in
training.

A clip, in four rules (every constant is a module constant below):

1. **Canvas.** ``N_FRAMES = 9`` frames of ``SIZE x SIZE = 16 x 16`` pixels, background 0; the
   8 x 8 digit is pasted with its top-left corner at ``(row, col)``, both in ``0 .. SIZE - 8``.
2. **Motion.** Two segments of ``STEPS_PER_SEGMENT = 4`` moves each: from frame 0 to frame 4 the
   digit moves ``STEP = 1`` pixel per frame in direction ``d1``, from frame 4 to frame 8 in
   direction ``d2`` (``DIRECTIONS``: left, right, up, down; "up" is towards row 0). The start is
   drawn uniformly among the positions that keep the whole path on the canvas.
3. **Sentence.** ``"a <digit> moves <d1> then <d2>"``, or ``"a <digit> moves <d1>"`` when
   ``d2 == d1`` (one straight movement). The digit is written as a numeral (``"3"``).
4. **Balance.** The digit class is uniform over 0..9; ``d1`` is uniform; ``d2`` equals ``d1``
   with probability 1/4 (``P_STRAIGHT``), else it is one of the other three, uniformly. So there
   are 10 x 16 = 160 different sentences, and each word slot is balanced.

Tokens (``VOCAB``): ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, then the words. A sentence is
encoded as its word ids followed by ``<eos>`` and padded with ``<pad>`` to ``MAX_LEN = 7``.

- ``make_clips(n, seed=0, split="train")``: clips, sentences and their parts.
- ``encode_sentences(sentences, max_len=MAX_LEN)``, ``decode_tokens(ids)``.
- ``describe(digit, d1, d2)``: the sentence of a clip.
- ``render_clip(image, start, d1, d2)``: the frames of one clip.
- ``digit_pools()``: the train / test split of the 1797 digit images.

References:
- E. Alpaydin and C. Kaynak (1998). Optical Recognition of Handwritten Digits. UCI Machine
  Learning Repository, doi:10.24432/C50P49.
- N. Srivastava, E. Mansimov and R. Salakhutdinov (2015). Unsupervised learning of video
  representations using LSTMs. *ICML 2015*. (Moving MNIST, the model for these clips.)
"""

import functools

import numpy as np

__all__ = ["SIZE", "DIGIT_SIZE", "N_FRAMES", "STEP", "STEPS_PER_SEGMENT", "DIRECTIONS", "MOVES",
           "P_STRAIGHT", "VOCAB", "PAD", "BOS", "EOS", "MAX_LEN", "IMAGE_SPLIT_SEED", "describe",
           "render_clip", "digit_pools", "make_clips", "encode_sentences", "decode_tokens"]

SIZE = 16                 # canvas height and width, pixels
DIGIT_SIZE = 8            # the load_digits images are 8 x 8
STEPS_PER_SEGMENT = 4     # moves per segment; frames 0..4 segment 1, frames 4..8 segment 2
N_FRAMES = 2 * STEPS_PER_SEGMENT + 1
STEP = 1                  # pixels per frame
DIRECTIONS = ("left", "right", "up", "down")
MOVES = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}   # (d row, d col)
P_STRAIGHT = 0.25         # chance that the second direction repeats the first
IMAGE_SPLIT_SEED = 16     # the fixed permutation that splits the digit images into two pools
TEST_IMAGE_SHARE = 0.25

VOCAB = ("<pad>", "<bos>", "<eos>", "a", "moves", "then",
         "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", *DIRECTIONS)
PAD, BOS, EOS = 0, 1, 2
MAX_LEN = 7               # "a 3 moves left then down" + <eos>
_INDEX = {w: i for i, w in enumerate(VOCAB)}


def describe(digit, d1, d2):
    """The sentence of a clip: 'a 3 moves left then down', or 'a 3 moves left' when d1 == d2."""
    if d1 not in MOVES or d2 not in MOVES:
        raise ValueError(f"directions must be in {DIRECTIONS}, got {d1!r}, {d2!r}")
    words = ["a", str(int(digit)), "moves", d1]
    if d2 != d1:
        words += ["then", d2]
    return " ".join(words)


def _path(start, d1, d2):
    """Top-left corners (N_FRAMES, 2) of the digit in every frame."""
    moves = [MOVES[d1]] * STEPS_PER_SEGMENT + [MOVES[d2]] * STEPS_PER_SEGMENT
    steps = np.array([(0, 0)] + moves) * STEP
    return np.asarray(start) + np.cumsum(steps, axis=0)


def render_clip(image, start, d1, d2):
    """The frames of one clip.

    Inputs:
    - image: (8, 8) array, the digit, values in [0, 1]
    - start: (row, col) of the digit's top-left corner in frame 0
    - d1, d2: the directions of the two segments (in DIRECTIONS)

    Returns:
    - frames: float32 array of shape (N_FRAMES, SIZE, SIZE)
    """
    path = _path(start, d1, d2)
    if path.min() < 0 or path.max() > SIZE - DIGIT_SIZE:
        raise ValueError(f"the path from {tuple(start)} moving {d1} then {d2} leaves the canvas")
    frames = np.zeros((N_FRAMES, SIZE, SIZE), dtype=np.float32)
    for t, (r, c) in enumerate(path):
        frames[t, r:r + DIGIT_SIZE, c:c + DIGIT_SIZE] = image
    return frames


def digit_pools():
    """The 1797 load_digits images split into a training pool and a test pool (fixed, seeded).

    Returns:
    - pools: dict split -> (images float32 (N, 8, 8) in [0, 1], labels int64 (N,)), fresh copies
    """
    images, labels, train, test = _pools()
    return {"train": (images[train], labels[train]), "test": (images[test], labels[test])}


@functools.lru_cache(maxsize=1)
def _pools():
    """load_digits once per process (it takes seconds), and the fixed split of its images."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(IMAGE_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(TEST_IMAGE_SHARE * len(labels)))
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    for a in (images, labels, train, test):
        a.flags.writeable = False
    return images, labels, train, test


def make_clips(n, seed=0, split="train"):
    """Generate n clips with their sentences.

    Inputs:
    - n: number of clips
    - seed: seed of the generator (the same seed and split give the same clips)
    - split: "train" or "test": which pool of digit images the clips draw from

    Returns a dict:
    - "clips": float32 array (n, N_FRAMES, SIZE, SIZE), values in [0, 1]
    - "sentences": list of n strings
    - "digits": int64 (n,), the digit shown
    - "directions": int64 (n, 2), indices into DIRECTIONS of d1 and d2
    - "starts": int64 (n, 2), (row, col) of the digit in frame 0
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images, labels = digit_pools()[split]
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    rng = np.random.default_rng(seed)
    clips = np.zeros((n, N_FRAMES, SIZE, SIZE), dtype=np.float32)
    digits = rng.integers(0, 10, n)
    directions = np.zeros((n, 2), dtype=np.int64)
    starts = np.zeros((n, 2), dtype=np.int64)
    sentences = []
    top = SIZE - DIGIT_SIZE
    for i in range(n):
        k1 = int(rng.integers(4))
        k2 = k1 if rng.random() < P_STRAIGHT else int((k1 + rng.integers(1, 4)) % 4)
        d1, d2 = DIRECTIONS[k1], DIRECTIONS[k2]
        offsets = _path((0, 0), d1, d2)
        low, high = -offsets.min(axis=0), top - offsets.max(axis=0)      # feasible starts, per axis
        start = np.array([rng.integers(low[0], high[0] + 1), rng.integers(low[1], high[1] + 1)])
        image = images[rng.choice(by_digit[digits[i]])]
        clips[i] = render_clip(image, start, d1, d2)
        directions[i] = k1, k2
        starts[i] = start
        sentences.append(describe(digits[i], d1, d2))
    return {"clips": clips, "sentences": sentences, "digits": digits.astype(np.int64),
            "directions": directions, "starts": starts}


def encode_sentences(sentences, max_len=MAX_LEN):
    """Word ids of sentences, each followed by <eos> and padded with <pad>.

    Returns:
    - ids: int64 array (N, max_len)
    """
    ids = np.full((len(sentences), max_len), PAD, dtype=np.int64)
    for i, sentence in enumerate(sentences):
        words = sentence.split()
        if len(words) + 1 > max_len:
            raise ValueError(f"sentence {sentence!r} needs {len(words) + 1} tokens, max_len is {max_len}")
        ids[i, :len(words) + 1] = [_INDEX[w] for w in words] + [EOS]
    return ids


def decode_tokens(ids):
    """The sentence of a row of token ids: words up to the first <eos> (<pad> and <bos> skipped)."""
    words = []
    for i in np.asarray(ids).tolist():
        if i == EOS:
            break
        if i not in (PAD, BOS):
            words.append(VOCAB[i])
    return " ".join(words)
