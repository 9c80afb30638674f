"""Generated scenes with captions that describe them (image captioning, notebook 14).

Offline and exact: the caption of every image is known from how it was drawn, so no
annotation is needed and a model's description can be checked word by word.

**Images** (``make_scenes``, for ``14_image_captioning``). Each image is ``SIZE x SIZE = 32 x 32``
RGB on a dark background with two objects, each a shape (circle, square, triangle) in a colour
(red, green, blue), about 9-11 pixels wide, placed so that one spatial relation holds clearly:
the first object is left of, right of, above or below the second (offset along the relation's
axis at least 12 pixels, across it at most 3). The two objects differ in colour or shape, so a
caption names them unambiguously. Every image has **two reference captions**, the relation
read from either object::

    "a red circle left of a blue square"      "a blue square right of a red circle"

Tokens: sentences are lists of words; ``encode`` turns them into id arrays
``[BOS, w_1, ..., w_L, EOS, PAD, ...]`` over a fixed vocabulary (``SCENE_VOCAB``), with ``PAD = 0``, ``BOS = 1``, ``EOS = 2``.
"""

import numpy as np

__all__ = [
    "SIZE", "COLOURS", "SHAPES", "RELATIONS", "SCENE_VOCAB", "make_scenes", "draw_shape",
    "PAD", "BOS", "EOS", "encode", "decode",
]

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ["<pad>", "<bos>", "<eos>"]

SIZE = 32
COLOURS = {"red": (0.9, 0.15, 0.1), "green": (0.15, 0.8, 0.2), "blue": (0.2, 0.3, 0.95)}
SHAPES = ("circle", "square", "triangle")
# relation -> (unit vector from the first object's centre to the second's, in (row, col)),
# the relation read from the other object
RELATIONS = {"left of": ((0, 1), "right of"), "right of": ((0, -1), "left of"),
             "above": ((1, 0), "below"), "below": ((-1, 0), "above")}
SCENE_VOCAB = SPECIALS + ["a", *COLOURS, *SHAPES, "left", "right", "of", "above", "below"]


def encode(sentences, vocab, length=None):
    """Token ids of sentences: BOS, the words, EOS, then PAD up to a common length.

    Inputs:
    - sentences: list of N sentences, each a list of words (or a str, split on spaces)
    - vocab: list of V words; vocab[0:3] = ["<pad>", "<bos>", "<eos>"]
    - length: the number of columns L (default: the longest sentence + 2)

    Returns:
    - ids: int64 array of shape (N, L); ids[n] = [BOS, w_1, ..., w_k, EOS, PAD, ..., PAD]
    """
    index = {w: k for k, w in enumerate(vocab)}
    sentences = [s.split() if isinstance(s, str) else list(s) for s in sentences]
    L = max(len(s) for s in sentences) + 2 if length is None else int(length)
    ids = np.full((len(sentences), L), PAD, dtype=np.int64)
    for n, words in enumerate(sentences):
        if len(words) + 2 > L:
            raise ValueError(f"encode: sentence {n} has {len(words)} words, too long for length {L}")
        ids[n, :len(words) + 2] = [BOS, *[index[w] for w in words], EOS]
    return ids


def decode(ids, vocab):
    """Words of one id sequence, without BOS and PAD, stopping at the first EOS.

    Inputs:
    - ids: sequence of int token ids (list or 1-D array)
    - vocab: list of V words

    Returns:
    - words: list of str
    """
    words = []
    for k in ids:
        k = int(k)
        if k == EOS:
            break
        if k not in (PAD, BOS):
            words.append(vocab[k])
    return words


def draw_shape(image, shape, colour, centre, size):
    """Paint one filled shape into an RGB image, in place.

    Inputs:
    - image: float array of shape (3, H, W), channels first
    - shape: "circle", "square" or "triangle" (pointing up)
    - colour: (r, g, b) in [0, 1]
    - centre: (row, col) of the shape's centre, floats
    - size: the shape's width in pixels

    Returns:
    - mask: bool array of shape (H, W), the pixels painted
    """
    H, W = image.shape[1:]
    rows, cols = np.mgrid[0:H, 0:W] + 0.5
    dr, dc = rows - centre[0], cols - centre[1]
    half = size / 2
    if shape == "circle":
        mask = dr ** 2 + dc ** 2 <= half ** 2
    elif shape == "square":
        mask = (np.abs(dr) <= half * 0.85) & (np.abs(dc) <= half * 0.85)
    elif shape == "triangle":  # apex at the top, base at the bottom
        mask = (dr >= -half) & (dr <= half) & (np.abs(dc) <= (dr + half) / 2)
    else:
        raise ValueError(f"draw_shape: unknown shape {shape!r}")
    image[:, mask] = np.asarray(colour, dtype=image.dtype)[:, None]
    return mask


def make_scenes(n, seed=0):
    """Images of two coloured shapes in a spatial relation, with two reference captions each.

    Inputs:
    - n: the number of images
    - seed: the seed (the same seed gives the same scenes)

    Returns:
    - images: float32 array of shape (n, 3, SIZE, SIZE) = (n, 3, 32, 32), values in [0, 1]
    - captions: list of n lists of 2 reference captions (str), e.g.
      ["a red circle left of a blue square", "a blue square right of a red circle"];
      the first is the one the scene was drawn from
    - objects: list of n tuples (colour_1, shape_1, relation, colour_2, shape_2)
    """
    rng = np.random.default_rng(seed)
    colours, relations = list(COLOURS), list(RELATIONS)
    images = np.zeros((n, 3, SIZE, SIZE), dtype=np.float32)
    captions, objects = [], []
    for i in range(n):
        while True:
            c1, c2 = rng.choice(colours, 2)
            s1, s2 = rng.choice(SHAPES, 2)
            if (c1, s1) != (c2, s2):
                break
        relation = relations[rng.integers(4)]
        (du, dv), inverse = RELATIONS[relation]
        size1, size2 = rng.uniform(9, 11, size=2)
        along = rng.uniform(13, 19)      # distance between the centres along the relation's axis
        across = rng.uniform(-3, 3)      # offset across it
        offset = np.array([du * along + dv * across, dv * along + du * across])   # (row, col)
        lo = np.maximum(6.0, 6.0 - offset)
        hi = np.minimum(SIZE - 6.0, SIZE - 6.0 - offset)
        first = rng.uniform(lo, hi)
        image = images[i]
        image += rng.uniform(0.0, 0.08, size=(3, 1, 1)).astype(np.float32)   # background tint
        jitter = lambda c: np.clip(np.array(COLOURS[c]) + rng.normal(0, 0.05, 3), 0, 1)
        draw_shape(image, s1, jitter(c1), first, size1)
        draw_shape(image, s2, jitter(c2), first + offset, size2)
        image += rng.normal(0, 0.03, size=image.shape).astype(np.float32)
        np.clip(image, 0, 1, out=image)
        captions.append([f"a {c1} {s1} {relation} a {c2} {s2}", f"a {c2} {s2} {inverse} a {c1} {s1}"])
        objects.append((str(c1), str(s1), relation, str(c2), str(s2)))
    return images, captions, objects

