"""lstmlib.data.chorales: the piano-roll encoding, the committed cache of Bach chorales (checked
against music21 re-parsing a few chorales and against facts of four-part writing), the split and
the synthesiser."""

import numpy as np
import pytest

from lstmlib.data import chorales


@pytest.fixture(scope="module")
def cached():
    return chorales.load_chorales()


def test_key_numbering_is_the_piano():
    assert chorales.LOWEST_MIDI == 21 and chorales.N_KEYS == 88
    assert [chorales.key_name(k) for k in (0, 3, 39, 48, 87)] == ["A0", "C1", "C4", "A4", "C8"]
    f = chorales.key_frequency(np.array([0, 48, 87]))
    assert np.allclose(f, [27.5, 440.0, 4186.009], atol=1e-3)          # A0, A4, C8 in equal temperament
    assert np.isclose(chorales.key_frequency(60) / chorales.key_frequency(48), 2.0)   # an octave


def test_events_to_roll_by_hand():
    events = [(60, 0, 2), (64, 0, 1), (64, 0, 1),     # C4 half note, E4 twice (a unison)
              (62, 1.5, 0.5),                          # passing eighth: sounds at no frame time
              (21, 2, 1), (108, 2.5, 1)]               # A0 and C8, the latter from t = 2.5 to 3.5
    roll = chorales.events_to_roll(events)
    assert roll.shape == (4, 88) and roll.dtype == np.uint8 and roll.max() == 1
    expected = np.zeros((4, 88), dtype=np.uint8)
    expected[[0, 1], 39] = 1
    expected[0, 43] = 1
    expected[2, 0] = 1
    expected[3, 87] = 1
    assert np.array_equal(roll, expected)
    assert chorales.events_to_roll(events, frame=0.5).shape == (7, 88)
    assert chorales.events_to_roll(events, frame=0.5)[3, 41] == 1       # eighth frames see the passing D4
    with pytest.raises(ValueError, match="outside the piano"):
        chorales.events_to_roll([(20, 0, 1)])


def test_cache_size_and_shapes(cached):
    rolls, names = cached
    assert chorales.CACHE_PATH.stat().st_size < 2_000_000
    assert 350 <= len(rolls) <= 410 and len(names) == len(rolls) == len(set(names))
    assert all(name.startswith("bwv") for name in names)
    for roll in rolls:
        assert roll.ndim == 2 and roll.shape[1] == 88 and roll.dtype == np.uint8
        assert 8 <= len(roll) <= 300 and set(np.unique(roll)) <= {0, 1}
    assert len({r.tobytes() for r in rolls}) == len(rolls), "duplicate chorales were not removed"


def test_cache_looks_like_four_part_writing(cached):
    rolls, _ = cached
    frames = np.concatenate(rolls)
    notes = frames.sum(axis=1)
    assert np.mean(notes <= 4) > 0.97, "four voices: at most 4 notes in nearly every frame"
    assert np.mean(notes == 4) > 0.75, "most frames hold all four voices"
    assert np.mean(notes == 0) < 0.05, "all four voices rarely rest at once"
    used = np.flatnonzero(frames.any(axis=0))
    # SATB range: bass down to about C2 (MIDI 36, key 15), soprano up to about A5 (MIDI 81, key 60)
    assert 10 <= used.min() <= 20 and 55 <= used.max() <= 65
    lowest = np.array([np.flatnonzero(f)[0] for f in frames if f.any()])
    highest = np.array([np.flatnonzero(f)[-1] for f in frames if f.any()])
    assert 22 <= np.median(lowest) <= 32, "the bass sits around C3 (key 27)"
    assert 46 <= np.median(highest) <= 54, "the soprano sits around C5 (key 51)"


def test_cache_matches_music21(cached):
    """Re-parse a few chorales with music21, and read the sounding notes at every beat through
    music21's own offset queries (not through events_to_roll)."""
    music21 = pytest.importorskip("music21")
    rolls, names = cached
    by_name = dict(zip(names, rolls))
    for name in ["bwv1.6", "bwv10.7", names[len(names) // 2], names[-1]]:
        score = music21.corpus.parse(f"bach/{name}")
        roll = by_name[name]
        expected = np.zeros_like(roll)
        parts = [p for p in score.parts if any(v in (p.partName or "").lower() for v in chorales.VOICES)]
        assert len(parts) == 4, name
        for part in parts:
            flat = part.flatten().notes.stream()
            for t in range(len(roll)):
                for n in flat.getElementsByOffset(t, t, mustBeginInSpan=False, includeElementsThatEndAtStart=False):
                    for p in n.pitches:
                        expected[t, p.midi - 21] = 1
        assert np.array_equal(roll, expected), name
    assert by_name["bwv1.6"][0, 65 - 21] == 1, "bwv1.6 starts with F4 in the soprano"


def test_split_is_by_chorale():
    train, valid, test = chorales.split_chorales(100, seed=0)
    assert (len(train), len(valid), len(test)) == (60, 20, 20)
    together = np.concatenate([train, valid, test])
    assert np.array_equal(np.sort(together), np.arange(100))
    again = chorales.split_chorales(100, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (train, valid, test)))
    assert not np.array_equal(chorales.split_chorales(100, seed=1)[0], train)


def test_roll_to_audio_plays_the_right_pitch():
    roll = np.zeros((2, 88), dtype=np.uint8)
    roll[:, 48] = 1                                              # A4 for two frames
    wave = chorales.roll_to_audio(roll, sample_rate=16000, seconds_per_frame=0.25)
    assert wave.shape == (8000,) and wave.dtype == np.float32 and np.isclose(np.abs(wave).max(), 0.9)
    spectrum = np.abs(np.fft.rfft(wave))
    assert np.argmax(spectrum) * 16000 / len(wave) == pytest.approx(440, abs=2)
    silent = chorales.roll_to_audio(np.zeros((3, 88)), sample_rate=8000, seconds_per_frame=0.5)
    assert silent.shape == (12000,) and not silent.any()
