"""Translation pairs of number words (English -> German, French or Spanish), made offline.

Every pair is genuine: both sides are written by ``num2words`` (Savoir-faire Linux, LGPL), the
package that spells numbers in some fifty languages, so no data is downloaded. The pairs are
small and exact, yet they hold what makes translation hard for a word-by-word model:

- **reordering**: English "thirty-four" is German "vierunddreißig", four-and-thirty;
- **one word for several**: German writes a number as one word, which we split into its
  morphemes (``"vier und dreißig"``) so that both sides are sequences of a few tokens;
- **words that depend on context**: German "eins" alone but "ein" in "einundzwanzig"; French
  "quatre-vingts" (80) but "quatre-vingt-un" (81).

- ``tokenize(n, lang)``: the tokens of the number ``n`` in language ``lang``.
- ``split_german(word)``: a German number word split into morphemes (greedy longest match
  over ``GERMAN_MORPHEMES``).
- ``split_numbers(high, n_test, seed)``: disjoint training and test numbers from ``0 .. high-1``.
- ``make_pairs(numbers, src, tgt)``: ``[(src_tokens, tgt_tokens), ...]``.
- ``Vocab``: token <-> id with ``PAD = 0``, ``BOS = 1``, ``EOS = 2``.
- ``pad_batch(sequences)``: ids padded into an ``(N, L)`` int64 array, with the lengths.
- Baselines: ``copy_translate`` (output the source) and ``learn_lookup`` /
  ``lookup_translate`` (a word-by-word dictionary learned from the training pairs).

References:
- num2words, https://github.com/savoirfairelinux/num2words (the spelling of every number).
- P. F. Brown et al. (1993). The mathematics of statistical machine translation: parameter
  estimation. Computational Linguistics 19(2). (Word-by-word translation with a dictionary.)
- L. R. Dice (1945). Measures of the amount of ecologic association between species. Ecology
  26(3). (The association score of ``learn_lookup``.)
- I. D. Melamed (2000). Models of translational equivalence among words. Computational
  Linguistics 26(2). (Competitive linking.)
"""

from collections import Counter

import numpy as np

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "</s>")
LANGUAGES = ("en", "de", "fr", "es")

# Every morpheme of a German number word below one million, longest first within a prefix
# so that greedy matching takes "sechzehn" before "sechs" and "eins" before "ein".
GERMAN_MORPHEMES = (
    "null", "eins", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
    "zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
    "achtzehn", "neunzehn", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig",
    "achtzig", "neunzig", "und", "hundert", "tausend",
)


def split_german(word):
    """Split a German number word into morphemes by greedy longest match.

    Inputs:
    - word: str, a German number word such as "vierunddreißig" or "eintausendeins"

    Returns:
    - morphemes: list of str, e.g. ["vier", "und", "dreißig"]; "".join(morphemes) == word

    Raises:
    - ValueError when some part of the word is not one of GERMAN_MORPHEMES.
    """
    by_length = sorted(GERMAN_MORPHEMES, key=len, reverse=True)
    out, i = [], 0
    while i < len(word):
        match = next((m for m in by_length if word.startswith(m, i)), None)
        if match is None:
            raise ValueError(f"split_german: no morpheme matches {word[i:]!r} in {word!r}")
        out.append(match)
        i += len(match)
    return out


def tokenize(n, lang):
    """The tokens of the number n written out in language lang (by num2words).

    Inputs:
    - n: int, 0 <= n < 1_000_000
    - lang: "en", "de", "fr" or "es"

    Returns:
    - tokens: list of str. English, French and Spanish are split at spaces and hyphens
      (commas dropped): 34 -> ["thirty", "four"], ["trente", "quatre"]; German is split into
      morphemes: 34 -> ["vier", "und", "dreißig"].
    """
    from num2words import num2words

    if lang not in LANGUAGES:
        raise ValueError(f"tokenize: lang must be one of {LANGUAGES}, got {lang!r}")
    if not 0 <= int(n) < 1_000_000:
        raise ValueError(f"tokenize: n must be in [0, 1000000), got {n}")
    text = num2words(int(n), lang=lang).lower().replace(",", " ").replace("-", " ")
    words = text.split()
    if lang == "de":
        return [m for w in words for m in split_german(w)]
    return words


def split_numbers(high, n_test, seed=0):
    """Disjoint training and test numbers, drawn from 0 .. high - 1 without replacement.

    Inputs:
    - high: int, numbers are taken from range(high)
    - n_test: int, how many numbers are held out for testing
    - seed: int, seed of the shuffle

    Returns:
    - train: int64 array of shape (high - n_test,), sorted
    - test: int64 array of shape (n_test,), sorted; no number is in both
    """
    if not 0 < n_test < high:
        raise ValueError(f"split_numbers: need 0 < n_test < high, got n_test={n_test}, high={high}")
    order = np.random.default_rng(seed).permutation(high)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def make_pairs(numbers, src="en", tgt="de"):
    """Translation pairs for the given numbers.

    Inputs:
    - numbers: iterable of ints
    - src, tgt: source and target languages (see tokenize)

    Returns:
    - pairs: list of (src_tokens, tgt_tokens), two lists of str per number
    """
    return [(tokenize(n, src), tokenize(n, tgt)) for n in numbers]


class Vocab:
    """Token <-> id. Ids 0, 1, 2 are PAD, BOS and EOS; the tokens follow in sorted order.

    - Vocab(token_lists): the vocabulary of all tokens in the lists of tokens.
    - vocab.itos: list of str, id -> token; len(vocab) tokens including the specials.
    - vocab.encode(tokens): list of ids (unknown tokens raise KeyError).
    - vocab.decode(ids): list of tokens, stopping at the first EOS and skipping PAD and BOS.
    """

    def __init__(self, token_lists):
        words = sorted({t for tokens in token_lists for t in tokens})
        self.itos = list(SPECIALS) + words
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, tokens):
        return [self.stoi[t] for t in tokens]

    def decode(self, ids):
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i not in (PAD, BOS):
                out.append(self.itos[i])
        return out


def pad_batch(sequences, pad=PAD):
    """Pad lists of ids to one array.

    Inputs:
    - sequences: list of N lists of ints (each of length >= 1)
    - pad: the id written after the end of each sequence

    Returns:
    - ids: int64 array of shape (N, L), L the longest length; ids[i, :len_i] = sequences[i]
    - lengths: int64 array of shape (N,)
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    ids = np.full((len(sequences), int(lengths.max())), pad, dtype=np.int64)
    for i, s in enumerate(sequences):
        ids[i, :len(s)] = s
    return ids, lengths


def copy_translate(src_tokens):
    """The copy baseline: the translation is the source itself (a list of str)."""
    return list(src_tokens)


def learn_lookup(pairs, min_dice=0.3):
    """A word-by-word dictionary learned from training pairs by co-occurrence.

    Association by the Dice coefficient 2 c(s, t) / (c(s) + c(t)) over pairs (c counts the
    pairs that contain the source word s, the target token t, or both), then *competitive
    linking* (Melamed 2000): the pairs (s, t) are linked in order of decreasing Dice, each
    source word and each target token at most once, so that a frequent token such as German
    "hundert" is not also the translation of English "and". A source word left without a link
    of Dice >= min_dice is mapped to None (dropped when translating).

    Inputs:
    - pairs: list of (src_tokens, tgt_tokens)
    - min_dice: float, the smallest association linked

    Returns:
    - table: dict source word -> target token or None, one entry per source word seen
    """
    c_src, c_tgt, c_both = Counter(), Counter(), Counter()
    for src, tgt in pairs:
        s_set, t_set = set(src), set(tgt)
        c_src.update(s_set)
        c_tgt.update(t_set)
        c_both.update((s, t) for s in s_set for t in t_set)
    scored = sorted(((2 * c / (c_src[s] + c_tgt[t]), s, t) for (s, t), c in c_both.items()),
                    key=lambda x: (-x[0], x[1], x[2]))
    table, used = {s: None for s in c_src}, set()
    for dice, s, t in scored:
        if dice < min_dice:
            break
        if table[s] is None and t not in used:
            table[s] = t
            used.add(t)
    return table


def lookup_translate(src_tokens, table):
    """Translate word by word with a learn_lookup table, in the source order.

    Inputs:
    - src_tokens: list of str
    - table: dict from learn_lookup

    Returns:
    - tokens: list of str; words mapped to None or missing from the table are dropped
    """
    return [table[w] for w in src_tokens if table.get(w) is not None]
