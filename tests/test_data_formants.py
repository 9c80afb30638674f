"""lstmlib.data.formants: synthetic utterances (phoneme ids, durations, per-frame F0, formants
and source amplitudes) from Peterson & Barney's vowel table and a documented coarticulation
model. The parameters are re-derived here by an independent loop."""

import sys
import subprocess

import numpy as np
import pytest

from lstmlib.data import formants


@pytest.fixture(scope="module")
def utterances():
    return formants.make_utterances(300, seed=0)


def test_peterson_barney_table_is_the_published_one():
    # Peterson & Barney (1952), Table II, men: F0, F1, F2, F3 (Hz)
    pb = formants.PETERSON_BARNEY_MEN
    assert pb["iy"] == (136, 270, 2290, 3010)
    assert pb["ae"] == (127, 660, 1720, 2410)
    assert pb["aa"] == (124, 730, 1090, 2440)
    assert pb["ah"] == (130, 640, 1190, 2390)
    assert pb["uw"] == (141, 300, 870, 2240)
    assert pb["er"] == (133, 490, 1350, 1690)
    assert len(pb) == 10 and formants.VOWELS == tuple(pb)
    assert formants.SYMBOLS[0] == "_" and len(set(formants.SYMBOLS)) == len(formants.SYMBOLS) == 20
    targets = formants.phoneme_targets()
    assert targets.shape == (20, 6) and targets.dtype == np.float64
    for k, v in enumerate(formants.VOWELS):
        assert np.array_equal(targets[1 + k, 1:4], pb[v][1:])
        assert targets[1 + k, 4] == 1.0 and targets[1 + k, 5] == 0.0
    # intrinsic F0: the vowels keep Peterson & Barney's ratios, around BASE_F0
    f0 = np.array([pb[v][0] for v in formants.VOWELS], dtype=float)
    assert np.allclose(targets[1:11, 0] / targets[1:11, 0].mean(), f0 / f0.mean())
    assert np.isclose(targets[1:11, 0].mean(), formants.BASE_F0)
    # fricatives are noise, sonorants voiced, the pause silent
    for s, ((f1, f2, f3), (av, an)) in formants.CONSONANTS.items():
        row = targets[formants.SYMBOLS.index(s)]
        assert np.array_equal(row[1:], [f1, f2, f3, av, an]) and (av == 0) != (an == 0)
    assert np.array_equal(targets[0, 4:], [0.0, 0.0])


def test_shapes_and_dtypes(utterances):
    for u in utterances:
        n = len(u["ids"])
        assert u["ids"].dtype == np.int64 and u["durations"].dtype == np.int64
        assert u["durations"].shape == u["stressed"].shape == (n,) and u["stressed"].dtype == bool
        assert u["params"].shape == (int(u["durations"].sum()), 6) and u["params"].dtype == np.float64
        assert np.isfinite(u["params"]).all()
        assert formants.PITCH_SCALE[0] <= u["pitch_scale"] <= formants.PITCH_SCALE[1]


def test_deterministic_by_seed():
    a, b = formants.make_utterances(5, seed=3), formants.make_utterances(5, seed=3)
    c = formants.make_utterances(5, seed=4)
    for u, v in zip(a, b):
        assert all(np.array_equal(u[k], v[k]) for k in ("ids", "durations", "stressed", "params"))
    assert any(len(u["ids"]) != len(w["ids"]) or not np.array_equal(u["ids"], w["ids"]) for u, w in zip(a, c))


def test_text_structure(utterances):
    for u in utterances:
        symbols = [formants.SYMBOLS[i] for i in u["ids"]]
        assert symbols[0] == symbols[-1] == "_"
        assert all(a != b for a, b in zip(symbols, symbols[1:])), "repeated symbols must be merged"
        assert (u["durations"] >= 3).all()
        # words lie between pauses; each has 1-3 syllables (vowels) and exactly one stress, on
        # its first vowel
        words, word = [], []
        for s, st in zip(symbols[1:], u["stressed"][1:]):
            if s == "_":
                words.append(word)
                word = []
            else:
                word.append((s, st))
        assert 1 <= len(words) <= 3
        for word in words:
            vowels = [(s, st) for s, st in word if s in formants.VOWELS]
            assert 1 <= len(vowels) <= 3
            assert vowels[0][1] and not any(st for _, st in vowels[1:])
            assert not any(st for s, st in word if s not in formants.VOWELS)


def _hann_smooth_loop(x, length):
    """Independent reimplementation: centred normalised Hann average, edges held."""
    if length <= 1:
        return x.copy()
    w = np.array([np.sin(np.pi * (k + 1) / (length + 1)) ** 2 for k in range(length)])
    w /= w.sum()
    half = length // 2
    out = np.empty_like(x)
    for t in range(len(x)):
        acc = 0.0
        for k in range(length):
            acc += w[k] * x[min(max(t + k - half, 0), len(x) - 1)]
        out[t] = acc
    return out


def test_params_rederived_from_the_story(utterances):
    targets = formants.phoneme_targets()
    for u in utterances[:40]:
        rows = []
        for i, d, st in zip(u["ids"], u["durations"], u["stressed"]):
            row = targets[i].copy()
            if st:
                row[0] *= formants.STRESS_F0
            rows += [row] * int(d)
        steps = np.array(rows)
        T = len(steps)
        start, end = formants.DECLINATION
        steps[:, 0] *= (start + (end - start) * np.arange(T) / (T - 1)) * u["pitch_scale"]
        expected = np.stack([_hann_smooth_loop(steps[:, j], formants.SMOOTHING[p])
                             for j, p in enumerate(formants.PARAMS)], axis=1)
        assert np.allclose(u["params"], expected, rtol=1e-10, atol=1e-8)


def test_coarticulation_reaches_targets_only_in_long_phonemes(utterances):
    targets = formants.phoneme_targets()
    half = formants.SMOOTHING["F1"] // 2
    reached = missed = 0
    for u in utterances:
        starts = np.concatenate([[0], np.cumsum(u["durations"])[:-1]])
        for i, s, d in zip(u["ids"], starts, u["durations"]):
            centre = u["params"][s + d // 2, 1:4]
            if d >= 2 * half + 1:      # the whole window lies inside the phoneme
                assert np.allclose(centre, targets[i, 1:4])
                reached += 1
            elif np.abs(centre - targets[i, 1:4]).max() > 1.0:
                missed += 1
    assert reached > 100 and missed > 100    # both cases occur: long vowels, short consonants
    # formants are blends of targets, so they stay within the table's range
    allp = np.concatenate([u["params"] for u in utterances])
    assert (allp[:, 1:4] >= targets[:, 1:4].min(0) - 1e-9).all()
    assert (allp[:, 1:4] <= targets[:, 1:4].max(0) + 1e-9).all()


def test_durations_follow_the_means(utterances):
    factor = np.exp(0.25 ** 2 / 2)      # mean of exp(0.25 z)
    d = {"vowel": [], "stressed": []}
    for u in utterances:
        for i, dur, st in zip(u["ids"], u["durations"], u["stressed"]):
            if formants.SYMBOLS[i] in formants.VOWELS:
                d["stressed" if st else "vowel"].append(dur)
    assert abs(np.mean(d["vowel"]) - formants.MEAN_FRAMES["vowel"] * factor) < 0.6
    assert abs(np.mean(d["stressed"]) - formants.MEAN_FRAMES["vowel"] * formants.STRESS_LENGTHENING
               * factor) < 0.8


def test_glottal_pulse_shape():
    phase = np.linspace(0, 1, 1001, endpoint=False)
    g = formants.glottal_pulse(phase)
    assert g.shape == phase.shape and g.min() >= 0 and g.max() <= 1 + 1e-12
    assert g[0] == 0 and np.isclose(formants.glottal_pulse(0.4), 1.0)
    assert np.all(g[phase >= 0.56] == 0)                    # closed phase
    assert np.abs(np.diff(g)).max() < 0.02                  # continuous (no jump at closure)
    assert np.all(np.diff(g[phase < 0.4]) > 0) and np.all(np.diff(g[(phase > 0.4) & (phase < 0.56)]) < 0)


def test_import_has_no_side_effects():
    code = "import sys, lstmlib.data.formants; assert 'torch' not in sys.modules and 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
