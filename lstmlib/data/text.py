"""Jane Austen's *Lady Susan* as characters, for a character-level language model (notebook 09).

The text is read from a package already installed with the course, so nothing is downloaded
and no file is committed: music21 ships the Project Gutenberg etext of *Lady Susan* as the
English sample of its language detector (``music21/languageExcerpts/trainingData/en.txt``,
127 431 bytes, plain ASCII).

Provenance and licence:

- *Lady Susan* is an epistolary novella by Jane Austen (1775-1817), written about 1794 and
  first printed in 1871 in the second edition of J. E. Austen-Leigh's *A Memoir of Jane
  Austen*. The work is in the public domain everywhere (its author died more than 200 years
  ago).
- The file is Project Gutenberg's plain-text etext of it. Project Gutenberg distributes
  public-domain works; its licence terms cover only the "Project Gutenberg" trademark and the
  header and footer it adds. `load_text` removes that header and footer (one line each), so
  what the notebook uses is Austen's text alone.
- music21 (BSD-3-Clause, Michael Scott Asato Cuthbert and cuthbertLab) redistributes the file
  unchanged inside its wheel.

What the text is like: 41 letters and a conclusion (the etext lacks the heading of letter
XVI, not the letter), 23 050 words and 127 293 characters over 67 distinct symbols (letters
of both cases but Q and Z, the digits 0 and 1 once each, space, newline, punctuation). Lines are wrapped at about 75 characters, as in the etext; paragraphs
are separated by a blank line.

- ``source_path()``: where the installed file is (raises ``FileNotFoundError`` with the reason
  when music21 or the file is missing).
- ``load_text()``: the novella without the Project Gutenberg header and footer, ``str``.
- ``vocabulary(text)``: the sorted distinct characters of ``text``, one ``str``.
- ``encode(text, vocab)`` / ``decode(ids, vocab)``: characters to ``int64`` ids and back.
- ``split_text(text, test_fraction)``: the first part for training, the last for testing,
  cut at a line break so that no word is split.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

TITLE = "Lady Susan"
AUTHOR = "Jane Austen"
PACKAGE = "music21"
RELATIVE_PATH = ("languageExcerpts", "trainingData", "en.txt")
_HEADER = "***The Project Gutenberg Etext of Lady Susan, by Jane Austen***"
_FOOTER = "End of The Project Gutenberg Etext of Lady Susan, by Jane Austen"


def source_path() -> Path:
    """The path of the etext inside the installed music21 package (music21 is not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{PACKAGE} is not installed: it ships the text of {TITLE} "
                                f"(run `make setup` to install the course's dependencies)")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*RELATIVE_PATH)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: this version of {PACKAGE} does not ship {TITLE}")
    return path


def load_text() -> str:
    """Austen's *Lady Susan*: the etext without its Project Gutenberg header and footer.

    Returns:
    - text: str, starting with "LADY SUSAN" and ending with "than herself.\\n"; lines end
      with "\\n" (no "\\r"), trailing spaces removed.
    """
    raw = source_path().read_text(encoding="ascii").replace("\r\n", "\n")
    lines = [line.rstrip() for line in raw.split("\n")]
    if lines[0].strip() != _HEADER or _FOOTER not in lines:
        raise ValueError(f"{source_path()} is not the expected etext of {TITLE} (header or footer differs)")
    body = lines[1:lines.index(_FOOTER)]
    return "\n".join(body).strip("\n") + "\n"


def vocabulary(text: str) -> str:
    """The distinct characters of `text`, sorted by code point, as one string (id k = vocab[k])."""
    return "".join(sorted(set(text)))


def encode(text: str, vocab: str) -> np.ndarray:
    """Character ids of `text`: int64 array of shape (len(text),), ids[i] = vocab.index(text[i]).

    Raises ValueError naming the first character that is not in `vocab`.
    """
    index = {ch: k for k, ch in enumerate(vocab)}
    try:
        return np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))
    except KeyError as err:
        raise ValueError(f"character {err.args[0]!r} is not in the vocabulary") from None


def decode(ids, vocab: str) -> str:
    """The text of a sequence of ids (any integer array-like of shape (N,))."""
    return "".join(vocab[int(k)] for k in np.asarray(ids).reshape(-1))


def split_text(text: str, test_fraction: float = 0.1) -> tuple[str, str]:
    """Cut `text` in two at the first line break after (1 - test_fraction) of its length.

    Returns:
    - train: the beginning, ending with "\\n"
    - test: the rest (the last letters and the conclusion for the default fraction)

    train + test == text. The cut is contiguous, not random: held-out text is text the model
    has never read, not shuffled lines whose neighbours it has seen.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    cut = text.find("\n", int(len(text) * (1.0 - test_fraction)))
    cut = len(text) if cut < 0 else cut + 1
    return text[:cut], text[cut:]
