"""lstmlib.data.number_words: English -> German (French, Spanish) number words from num2words,
German split into morphemes, vocabularies, padding, and the copy and lookup baselines."""

import numpy as np
import pytest

from lstmlib.data import number_words as nw

# Independent readers of the token sequences: each turns the words back into the number, so a
# pair is checked to be a genuine translation (both sides denote the same number).
_EN = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_EN.update({w: 10 * k for k, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
_DE = {w: i for i, w in enumerate(
    "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn "
    "sechzehn siebzehn achtzehn neunzehn".split())}
_DE["ein"] = 1
_DE.update({w: 10 * k for k, w in enumerate("zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig".split(), 2)})


def _value(tokens, words, hundred, thousand, filler):
    total, current = 0, 0
    for t in tokens:
        if t in words:
            current += words[t]
        elif t == hundred:
            current = max(current, 1) * 100
        elif t == thousand:
            total, current = total + max(current, 1) * 1000, 0
        elif t != filler:
            raise ValueError(t)
    return total + current


def english_value(tokens):
    return _value(tokens, _EN, "hundred", "thousand", "and")


def german_value(tokens):
    return _value(tokens, _DE, "hundert", "tausend", "und")


def test_known_translations():
    assert nw.tokenize(34, "en") == ["thirty", "four"]
    assert nw.tokenize(34, "de") == ["vier", "und", "dreißig"]            # four-and-thirty
    assert nw.tokenize(21, "de") == ["ein", "und", "zwanzig"]             # "ein", not "eins"
    assert nw.tokenize(1, "de") == ["eins"]
    assert nw.tokenize(80, "fr") == ["quatre", "vingts"] and nw.tokenize(81, "fr") == ["quatre", "vingt", "un"]
    assert nw.tokenize(1234, "en") == ["one", "thousand", "two", "hundred", "and", "thirty", "four"]
    assert nw.tokenize(1234, "de") == ["ein", "tausend", "zwei", "hundert", "vier", "und", "dreißig"]


def test_pairs_denote_the_same_number():
    rng = np.random.default_rng(0)
    numbers = np.concatenate([np.arange(0, 1200), rng.integers(0, 1_000_000, 800), [999_999, 100_000]])
    for n, (en, de) in zip(numbers, nw.make_pairs(numbers, "en", "de")):
        assert english_value(en) == n, (n, en)
        assert german_value(de) == n, (n, de)
        assert 1 <= len(en) <= 13 and 1 <= len(de) <= 13


def test_split_german_is_exact():
    from num2words import num2words

    for n in [0, 7, 16, 17, 60, 70, 99, 101, 666, 1001, 77_777, 123_456, 999_999]:
        word = num2words(n, lang="de").lower()
        parts = nw.split_german(word)
        assert "".join(parts) == word and all(p in nw.GERMAN_MORPHEMES for p in parts)
    assert nw.split_german("sechzehn") == ["sechzehn"] and nw.split_german("sechshundert") == ["sechs", "hundert"]
    with pytest.raises(ValueError, match="no morpheme"):
        nw.split_german("vierundzwanzigmillionen")


def test_tokenize_errors():
    with pytest.raises(ValueError, match="lang"):
        nw.tokenize(3, "xx")
    with pytest.raises(ValueError, match="n must be"):
        nw.tokenize(1_000_000, "en")
    with pytest.raises(ValueError, match="n must be"):
        nw.tokenize(-1, "de")


def test_split_numbers_disjoint_and_seeded():
    train, test = nw.split_numbers(1000, 200, seed=3)
    assert train.shape == (800,) and test.shape == (200,)
    assert not set(train) & set(test) and set(train) | set(test) == set(range(1000))
    assert (np.diff(train) > 0).all() and (np.diff(test) > 0).all()
    again = nw.split_numbers(1000, 200, seed=3)
    assert (again[1] == test).all()
    assert not (nw.split_numbers(1000, 200, seed=4)[1] == test).all()
    with pytest.raises(ValueError, match="n_test"):
        nw.split_numbers(10, 10)


def test_vocab_and_padding():
    pairs = nw.make_pairs(range(100))
    vocab = nw.Vocab([t for _, t in pairs])
    assert vocab.itos[:3] == ["<pad>", "<s>", "</s>"] and (nw.PAD, nw.BOS, nw.EOS) == (0, 1, 2)
    assert len(vocab) == 3 + len({t for _, ts in pairs for t in ts})
    ids = vocab.encode(["vier", "und", "dreißig"])
    assert min(ids) >= 3 and vocab.decode(ids) == ["vier", "und", "dreißig"]
    assert vocab.decode([nw.BOS] + ids + [nw.EOS] + ids) == ["vier", "und", "dreißig"]   # stops at EOS
    with pytest.raises(KeyError):
        vocab.encode(["tausend"])
    padded, lengths = nw.pad_batch([[5, 6, 7], [8], [9, 10]])
    assert padded.dtype == np.int64 and padded.shape == (3, 3) and lengths.tolist() == [3, 1, 2]
    assert padded.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]


def test_baselines():
    train, test = nw.split_numbers(10_000, 1000, seed=0)
    table = nw.learn_lookup(nw.make_pairs(train))
    # the dictionary finds the word-for-word translations ...
    for en, de in [("four", "vier"), ("thirty", "dreißig"), ("hundred", "hundert"), ("thousand", "tausend"),
                   ("seventeen", "siebzehn"), ("zero", "null")]:
        assert table[en] == de, (en, table[en])
    # ... but cannot reorder: "thirty four" comes out as "dreißig vier"
    assert nw.lookup_translate(["thirty", "four"], table) == ["dreißig", "vier"]
    assert nw.lookup_translate(["unknown", "four"], table) == ["vier"]
    test_pairs = nw.make_pairs(test)
    exact = np.mean([nw.lookup_translate(s, table) == t for s, t in test_pairs])
    assert exact < 0.1                                    # word-by-word translation rarely gets a number right
    assert nw.copy_translate(["a", "b"]) == ["a", "b"]
    assert np.mean([nw.copy_translate(s) == t for s, t in test_pairs]) == 0.0
