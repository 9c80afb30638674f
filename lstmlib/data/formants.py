"""Synthetic speech: phoneme strings and their per-frame acoustic parameters.

No speech corpus with aligned acoustic parameters can be installed offline here, and a speech
engine would be a new dependency (most need system libraries too), so this module *generates*
utterances with a small, documented parametric model of a source-filter synthesiser (Fant
1960; Klatt 1980): for every 10 ms frame, the fundamental frequency F0, the first three formant
frequencies and the amplitudes of a voiced and of a noise source. The audio is made from these
parameters by the vocoder that notebook 17 builds (a phase-accumulating glottal oscillator and
a cascade of second-order formant resonators); this module only supplies the source's pulse
shape, `glottal_pulse`. The data are **synthetic**: a model that learns them learns this
generator's rules, not real speech.

The generative model, in four steps (every number is a module constant):

1. **Text.** An utterance is 1-3 "words" between pauses ``"_"``; a word is 1-3 syllables,
   a syllable an optional onset consonant (probability 0.8), a vowel and an optional coda
   consonant (0.3), all drawn uniformly from ``SYMBOLS``. The first vowel of each word is
   **stressed**.
2. **Durations.** Frames of 10 ms (``HOP = 160`` samples at ``FS = 16000`` Hz). Each phoneme
   lasts ``round(mean * exp(0.25 z))`` frames, ``z ~ N(0, 1)``, at least 3, with the means of
   `MEAN_FRAMES` (stressed vowels ×1.4).
3. **Targets.** Each phoneme has a target for every parameter of ``PARAMS``:
   ``F0, F1, F2, F3`` in Hz and the amplitudes of the voiced source ``AV`` and of the noise
   source ``AN`` (0 to 1). Vowels take F1-F3 and their intrinsic F0 from Peterson & Barney's
   (1952) averages for men (`PETERSON_BARNEY_MEN`); consonants take approximate formant loci
   after Klatt (1980) (`CONSONANTS`, not a measured table). F0 is ``BASE_F0`` times the
   vowel's intrinsic ratio (1 for consonants and pauses), times 1.15 on stressed vowels, times a
   declination from 1.1 at the start of the utterance to 0.9 at its end, times a random
   pitch scale of the utterance (uniform in 0.93 to 1.07).
4. **Coarticulation.** The step function of targets is smoothed by a normalised Hann window
   (`SMOOTHING`: 11 frames for the formants, 21 for F0, 5 for the amplitudes), so each
   phoneme blends into its neighbours on both sides (anticipatory and carry-over
   coarticulation, Öhman 1966) and short phonemes do not reach their targets (undershoot,
   Lindblom 1963).

What is *not* modelled: bursts and stops, formant bandwidths that vary (``BANDWIDTHS`` are
fixed), nasal zeros, the parallel fricative branch of Klatt's synthesiser, speaker variation
beyond the pitch scale, and real prosody. Rendered, it sounds like a robot, but its vowels are
recognisable.

- ``SYMBOLS``, ``VOWELS``, ``PARAMS``, ``FS``, ``HOP``, ``BANDWIDTHS``: the constants.
- ``make_utterance(rng)`` / ``make_utterances(n, seed)``: utterances as dicts.
- ``phoneme_targets()``: the ``(len(SYMBOLS), 6)`` table of targets (F0 without prosody).
- ``glottal_pulse(phase)``: Rosenberg's glottal flow pulse, the shape of the voiced source.

References:
- G. E. Peterson and H. L. Barney (1952). Control methods used in a study of the vowels.
  *J. Acoust. Soc. Am.* 24(2), 175-184 (Table II: averages of 33 men).
- D. H. Klatt (1980). Software for a cascade/parallel formant synthesizer. *J. Acoust. Soc.
  Am.* 67(3), 971-995 (digital resonators, consonant parameters).
- G. Fant (1960). *Acoustic Theory of Speech Production*. Mouton.
- A. E. Rosenberg (1971). Effect of glottal pulse shape on the quality of natural vowels.
  *J. Acoust. Soc. Am.* 49(2B), 583-590.
- S. E. G. Öhman (1966). Coarticulation in VCV utterances: spectrographic measurements.
  *J. Acoust. Soc. Am.* 39(1), 151-168.
- B. Lindblom (1963). Spectrographic study of vowel reduction. *J. Acoust. Soc. Am.* 35(11),
  1773-1781.
"""

import numpy as np

__all__ = ["FS", "HOP", "PARAMS", "SYMBOLS", "VOWELS", "CONSONANTS", "PETERSON_BARNEY_MEN",
           "BANDWIDTHS", "BASE_F0", "MEAN_FRAMES", "SMOOTHING", "phoneme_targets",
           "make_utterance", "make_utterances", "glottal_pulse"]

FS = 16000          # samples per second
HOP = 160           # samples per frame: 10 ms
PARAMS = ("F0", "F1", "F2", "F3", "AV", "AN")

# Peterson & Barney (1952), Table II, men: (F0, F1, F2, F3) in Hz. Keys are ARPAbet symbols.
PETERSON_BARNEY_MEN = {
    "iy": (136, 270, 2290, 3010),   # heed
    "ih": (135, 390, 1990, 2550),   # hid
    "eh": (130, 530, 1840, 2480),   # head
    "ae": (127, 660, 1720, 2410),   # had
    "ah": (130, 640, 1190, 2390),   # hud
    "aa": (124, 730, 1090, 2440),   # hod
    "ao": (129, 570, 840, 2410),    # hawed
    "uh": (137, 440, 1020, 2240),   # hood
    "uw": (141, 300, 870, 2240),    # who'd
    "er": (133, 490, 1350, 1690),   # heard
}
VOWELS = tuple(PETERSON_BARNEY_MEN)

# Consonants: (F1, F2, F3) loci in Hz, approximate, after Klatt (1980); (AV, AN) amplitudes.
CONSONANTS = {
    "m": ((480, 1270, 2130), (0.6, 0.0)),
    "n": ((480, 1340, 2470), (0.6, 0.0)),
    "l": ((310, 1050, 2880), (0.8, 0.0)),
    "r": ((310, 1060, 1380), (0.8, 0.0)),
    "w": ((290, 610, 2150), (0.8, 0.0)),
    "y": ((260, 2070, 3020), (0.8, 0.0)),
    "s": ((320, 1390, 2530), (0.0, 0.5)),
    "sh": ((300, 1840, 2750), (0.0, 0.5)),
    "f": ((340, 1100, 2080), (0.0, 0.4)),
}
PAUSE = ((500, 1500, 2500), (0.0, 0.0))          # a neutral tract, silent

SYMBOLS = ("_",) + VOWELS + tuple(CONSONANTS)    # 20 symbols; "_" is the pause

BANDWIDTHS = (60.0, 90.0, 150.0)                 # B1, B2, B3 in Hz, fixed
BASE_F0 = 120.0                                  # Hz, a male voice
MEAN_FRAMES = {"vowel": 11.0, "sonorant": 6.0, "fricative": 9.0, "pause_edge": 15.0,
               "pause_inner": 8.0}
STRESS_LENGTHENING = 1.4
STRESS_F0 = 1.15
DECLINATION = (1.1, 0.9)                         # F0 factor at the first and last frame
PITCH_SCALE = (0.93, 1.07)                       # uniform, per utterance
SMOOTHING = {"F0": 21, "F1": 11, "F2": 11, "F3": 11, "AV": 5, "AN": 5}   # Hann lengths, frames


def phoneme_targets():
    """The target of every symbol, before prosody and smoothing.

    Returns:
    - targets: float64 array of shape (len(SYMBOLS), 6), columns ``PARAMS``: F0 (``BASE_F0``
      times the intrinsic ratio of the vowel: its Peterson & Barney F0 over their mean; 1 for
      consonants and the pause), F1, F2, F3 in Hz, AV and AN.
    """
    mean_f0 = np.mean([v[0] for v in PETERSON_BARNEY_MEN.values()])
    rows = []
    for s in SYMBOLS:
        if s in PETERSON_BARNEY_MEN:
            f0, f1, f2, f3 = PETERSON_BARNEY_MEN[s]
            rows.append((BASE_F0 * f0 / mean_f0, f1, f2, f3, 1.0, 0.0))
        else:
            (f1, f2, f3), (av, an) = PAUSE if s == "_" else CONSONANTS[s]
            rows.append((BASE_F0, f1, f2, f3, av, an))
    return np.array(rows, dtype=np.float64)


def _kind(symbol):
    if symbol in PETERSON_BARNEY_MEN:
        return "vowel"
    if symbol == "_":
        return "pause"
    return "fricative" if CONSONANTS[symbol][1][1] > 0 else "sonorant"


def _smooth(x, length):
    """Convolve a (T,) track with a normalised Hann window of `length` frames, edges held."""
    if length <= 1:
        return x.copy()
    window = np.hanning(length + 2)[1:-1]                      # (length,), no zero ends
    window /= window.sum()
    half = length // 2
    padded = np.concatenate([np.full(half, x[0]), x, np.full(length - 1 - half, x[-1])])
    return np.convolve(padded, window, mode="valid")


def _text(rng):
    """Symbol ids and stress flags of one utterance, pauses included."""
    consonants, vowels = list(CONSONANTS), list(VOWELS)
    symbols, stressed = ["_"], [False]
    n_words = int(rng.integers(1, 4))
    for w in range(n_words):
        if w:
            symbols.append("_")
            stressed.append(False)
        for syllable in range(int(rng.integers(1, 4))):
            if rng.random() < 0.8:
                symbols.append(consonants[rng.integers(len(consonants))])
                stressed.append(False)
            symbols.append(vowels[rng.integers(len(vowels))])
            stressed.append(syllable == 0)
            if rng.random() < 0.3:
                symbols.append(consonants[rng.integers(len(consonants))])
                stressed.append(False)
    symbols.append("_")
    stressed.append(False)
    # two consonants of the same symbol side by side would be one long one: merge them
    keep = [0] + [i for i in range(1, len(symbols)) if symbols[i] != symbols[i - 1]]
    ids = np.array([SYMBOLS.index(symbols[i]) for i in keep], dtype=np.int64)
    return ids, np.array([stressed[i] for i in keep])


def make_utterance(rng):
    """One random utterance with its per-frame acoustic parameters.

    Inputs:
    - rng: a ``numpy.random.Generator``.

    Returns a dict with:
    - "ids": int64 array of shape (N,), the symbols (indices into ``SYMBOLS``), starting and
      ending with the pause
    - "durations": int64 array of shape (N,), frames per symbol, each >= 3
    - "stressed": bool array of shape (N,), True at the first vowel of each word
    - "params": float64 array of shape (T, 6), ``T = durations.sum()``, columns ``PARAMS``
    - "pitch_scale": float, the random pitch factor of this utterance
    """
    ids, stressed = _text(rng)
    n = len(ids)
    last = n - 1
    means = []
    for k, i in enumerate(ids):
        kind = _kind(SYMBOLS[i])
        if kind == "pause":
            kind = "pause_edge" if k in (0, last) else "pause_inner"
        means.append(MEAN_FRAMES[kind] * (STRESS_LENGTHENING if stressed[k] else 1.0))
    durations = np.maximum(3, np.round(np.array(means) * np.exp(0.25 * rng.standard_normal(n))))
    durations = durations.astype(np.int64)
    targets = phoneme_targets()[ids]                                      # (N, 6)
    targets[stressed, 0] *= STRESS_F0
    steps = np.repeat(targets, durations, axis=0)                         # (T, 6)
    T = len(steps)
    pitch_scale = float(rng.uniform(*PITCH_SCALE))
    steps[:, 0] *= np.linspace(DECLINATION[0], DECLINATION[1], T) * pitch_scale
    params = np.stack([_smooth(steps[:, j], SMOOTHING[p]) for j, p in enumerate(PARAMS)], axis=1)
    return {"ids": ids, "durations": durations, "stressed": stressed, "params": params,
            "pitch_scale": pitch_scale}


def make_utterances(n, seed=0):
    """``n`` utterances, reproducible from ``seed`` (a list of ``make_utterance`` dicts)."""
    rng = np.random.default_rng(seed)
    return [make_utterance(rng) for _ in range(int(n))]


def glottal_pulse(phase, open_fraction=0.4, closing_fraction=0.16):
    """Rosenberg's (1971) glottal flow pulse as a function of the phase in the period.

    Inputs:
    - phase: array of any shape, in cycles, in [0, 1)
    - open_fraction, closing_fraction: the opening and closing parts of the period

    Returns:
    - flow: array like ``phase``, 0 to 1: rising as ``(1 - cos)/2`` while the glottis opens,
      falling as a quarter cosine while it closes, 0 while it is closed
    """
    phase = np.asarray(phase, dtype=np.float64)
    closing_end = open_fraction + closing_fraction
    rising = 0.5 * (1.0 - np.cos(np.pi * phase / open_fraction))
    falling = np.cos(0.5 * np.pi * (phase - open_fraction) / closing_fraction)
    return np.where(phase < open_fraction, rising, np.where(phase < closing_end, falling, 0.0))
