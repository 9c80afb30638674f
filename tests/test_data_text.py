"""lstmlib.data.text: Jane Austen's Lady Susan, read from the etext that music21 ships."""

import re
import subprocess
import sys

import numpy as np
import pytest

from lstmlib.data import text


@pytest.fixture(scope="module")
def book():
    return text.load_text()


def test_source_is_the_etext_in_music21():
    path = text.source_path()
    assert path.parts[-4:] == ("music21", "languageExcerpts", "trainingData", "en.txt")
    raw = path.read_text(encoding="ascii")
    assert raw.startswith("***The Project Gutenberg Etext of Lady Susan, by Jane Austen***")
    assert "End of The Project Gutenberg Etext of Lady Susan" in raw


def test_header_and_footer_removed(book):
    assert book.startswith("LADY SUSAN\n\nby\n\nJane Austen\n")
    assert book.endswith("by a woman ten years older\nthan herself.\n")
    assert "Gutenberg" not in book and "\r" not in book
    assert all(line == line.rstrip() for line in book.split("\n"))


def test_the_story_is_all_there(book):
    # 41 letters, numbered in Roman numerals on lines of their own, then the conclusion. The
    # etext lacks the heading "XVI" (the letter itself is there, between XV and XVII).
    def roman(k):
        tens, units = divmod(k, 10)
        return ["", "X", "XX", "XXX", "XL"][tens] + ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][units]

    numerals = re.findall(r"^([IVXL]+)$", book, flags=re.M)
    assert numerals == [roman(k) for k in range(1, 42) if k != 16]
    between = book[book.index("\nXV\n"):book.index("\nXVII\n")]
    assert re.findall(r"^[A-Z .]+ TO [A-Z .]+$", between, flags=re.M) == ["MRS. VERNON TO LADY DE COURCY",
                                                                          "LADY SUSAN TO MRS. JOHNSON"]
    assert book.count("\nCONCLUSION\n") == 1
    assert book.index("\nCONCLUSION\n") > book.index("\nXLI\n")
    assert 22_000 < len(book.split()) < 24_000 and 125_000 < len(book) < 128_000
    for name in ["Lady Susan", "Frederica", "Reginald", "Mrs. Vernon", "Sir James", "Mrs. Johnson"]:
        assert name in book


def test_vocabulary_and_round_trip(book):
    vocab = text.vocabulary(book)
    assert vocab == "".join(sorted(set(book))) and len(vocab) == len(set(vocab)) == 67
    assert vocab[0] == "\n" and vocab[1] == " " and set("abcdefghijklmnopqrstuvwxyz") <= set(vocab)
    ids = text.encode(book, vocab)
    assert ids.dtype == np.int64 and ids.shape == (len(book),)
    assert text.decode(ids, vocab) == book
    # the ids are indices into vocab, checked character by character on a sample
    for i in range(0, len(book), 997):
        assert vocab[ids[i]] == book[i]
    # the frequencies are those of English prose: space, then e, t
    counts = np.bincount(ids, minlength=len(vocab))
    order = [vocab[k] for k in np.argsort(-counts)[:3]]
    assert order == [" ", "e", "t"]
    with pytest.raises(ValueError, match="'#'"):
        text.encode("ab#", vocab)


def test_split_is_contiguous_at_a_line_break(book):
    train, test = text.split_text(book, test_fraction=0.1)
    assert train + test == book
    assert train.endswith("\n") and abs(len(test) / len(book) - 0.1) < 0.001
    assert "CONCLUSION" in test and "XLI" in test and "Langford" in train
    train2, test2 = text.split_text(book, test_fraction=0.25)
    assert train2 + test2 == book and len(test2) > len(test)
    assert text.split_text("ab\ncd\nef", 0.5) == ("ab\ncd\n", "ef")
    assert text.split_text("abcdef", 0.5) == ("abcdef", "")            # no line break: all training
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError):
            text.split_text(book, bad)


def test_loading_is_deterministic_and_light():
    assert text.load_text() == text.load_text()
    # neither music21 nor torch is imported to read the text
    code = ("import sys; from lstmlib.data import text; text.load_text(); "
            "print('music21' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_baselines_from_the_counts(book):
    """The bigram model needs fewer bits than the unigram model, which needs fewer than uniform."""
    vocab = text.vocabulary(book)
    train, test = (text.encode(part, vocab) for part in text.split_text(book))
    V = len(vocab)
    p1 = (np.bincount(train, minlength=V) + 1.0) / (len(train) + V)
    unigram = -np.log2(p1[test[1:]]).mean()
    counts = np.ones((V, V))
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    p2 = counts / counts.sum(axis=1, keepdims=True)
    bigram = -np.log2(p2[test[:-1], test[1:]]).mean()
    assert 4.3 < unigram < 4.6 and 3.3 < bigram < 3.7 and bigram < unigram < np.log2(V)
