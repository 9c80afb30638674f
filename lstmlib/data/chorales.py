"""Bach's four-part chorales as piano rolls (notebook 12), parsed from the music21 corpus.

The chorales ship with music21 (``music21.corpus.getComposer("bach")``: MusicXML files of the
Riemenschneider chorales, public domain; music21 itself is BSD-licensed). Parsing them all
takes about two minutes, so the rolls are parsed once by `build_cache` and committed as a
small compressed file, ``datasets/bach_chorales/chorales_quarter.npz``; `load_chorales` reads
it in a fraction of a second and needs neither music21 nor a writable home directory.

The encoding, in three rules (every constant is a module constant below):

1. **Voices.** Only the four sung parts, soprano, alto, tenor and bass, found by part name;
   instrumental parts (horns, strings doubling a voice) are left out, and a file without all
   four voices is skipped.
2. **Keys.** The 88 keys of a piano, MIDI notes 21 (A0) to 108 (C8): MIDI note ``m`` is key
   ``m - LOWEST_MIDI``, so key 0 is A0, key 39 middle C (C4, MIDI 60) and key 48 is A4 (440 Hz).
3. **Frames.** One frame per quarter note (``FRAME_QUARTERS = 1``), as in the JSB Chorales set of
   Boulanger-Lewandowski et al. (2012). Frame ``t`` holds the keys *sounding* at time
   ``t * FRAME_QUARTERS`` (in quarter notes from the start of the score, pickup included):
   a note with onset ``o`` and duration ``d`` is on in frame ``t`` when
   ``o <= t * FRAME_QUARTERS < o + d``. Shorter notes that fall between two frame times
   (passing eighths) are not seen, and a note held over several frames is on in each of
   them, exactly as a note repeated on every beat would be (the roll has no onsets).

Files whose rolls are identical to an earlier file's (the corpus holds a few chorales twice)
are kept once, so that no chorale lands in both the training and the test set. Chorales are
kept in their original keys (no transposition).

- ``LOWEST_MIDI``, ``N_KEYS``, ``FRAME_QUARTERS``, ``VOICES``, ``CACHE_PATH``.
- ``events_to_roll(events, frame=FRAME_QUARTERS)``: ``(midi, onset, duration)`` notes to a roll.
- ``chorale_paths()``: the MusicXML files of the Bach corpus in music21 (needs music21).
- ``note_events(score)``: the notes of the four voices of a parsed score (needs music21).
- ``parse_chorale(path)``: one chorale's roll, or None when it lacks the four voices.
- ``build_cache(path=CACHE_PATH)``: parse every chorale and write the cache (about 2 minutes).
- ``load_chorales(path=CACHE_PATH)``: the cached rolls and their names.
- ``split_chorales(n, seed=0)``: train / valid / test indices, by chorale.
- ``key_frequency(key)``: the pitch of a piano key in Hz (equal temperament, A4 = 440 Hz).
- ``roll_to_audio(roll, sample_rate, seconds_per_frame)``: a roll synthesised as a waveform.

References:
- M. S. Cuthbert and C. Ariza (2010). music21: a toolkit for computer-aided musicology and
  symbolic music data. *ISMIR 2010*, 637–642.
- N. Boulanger-Lewandowski, Y. Bengio and P. Vincent (2012). Modeling temporal dependencies
  in high-dimensional sequences: application to polyphonic music generation and
  transcription. *ICML 2012*.
"""

from pathlib import Path

import numpy as np

__all__ = ["LOWEST_MIDI", "N_KEYS", "FRAME_QUARTERS", "VOICES", "CACHE_PATH", "events_to_roll",
           "chorale_paths", "note_events", "parse_chorale", "build_cache", "load_chorales",
           "split_chorales", "key_name", "key_frequency", "roll_to_audio"]

LOWEST_MIDI = 21           # A0, the lowest key of a piano: key 0
N_KEYS = 88                # A0 (MIDI 21) .. C8 (MIDI 108)
FRAME_QUARTERS = 1.0       # one frame per quarter note
VOICES = ("soprano", "alto", "tenor", "bass")
CACHE_PATH = Path(__file__).resolve().parents[2] / "datasets" / "bach_chorales" / "chorales_quarter.npz"

_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def key_name(key):
    """Scientific pitch name of piano key ``key`` (0 -> 'A0', 39 -> 'C4', 87 -> 'C8')."""
    midi = int(key) + LOWEST_MIDI
    return f"{_NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def events_to_roll(events, frame=FRAME_QUARTERS, n_frames=None):
    """Piano roll of a list of notes, sampled at the frame times.

    Inputs:
    - events: iterable of (midi, onset, duration): MIDI note number (21..108), onset and
      duration in quarter notes (floats; durations > 0)
    - frame: frame length in quarter notes (1.0: one frame per quarter note)
    - n_frames: number of frames; default ceil(max(onset + duration) / frame)

    Returns:
    - roll: uint8 array of shape (T, 88); roll[t, m - 21] = 1 when a note of MIDI number m
      sounds at time t * frame, i.e. onset <= t * frame < onset + duration
    """
    events = [(int(m), float(o), float(d)) for m, o, d in events]
    if n_frames is None:
        end = max((o + d for _, o, d in events), default=0.0)
        n_frames = int(np.ceil(end / frame - 1e-9))
    roll = np.zeros((n_frames, N_KEYS), dtype=np.uint8)
    times = np.arange(n_frames) * frame
    eps = 1e-9                                                     # offsets are exact fractions
    for midi, onset, duration in events:
        key = midi - LOWEST_MIDI
        if not 0 <= key < N_KEYS:
            raise ValueError(f"MIDI note {midi} is outside the piano (21..108)")
        on = (times >= onset - eps) & (times < onset + duration - eps)
        roll[on, key] = 1
    return roll


def chorale_paths():
    """The MusicXML files of Bach's works in the music21 corpus, sorted by name (needs music21)."""
    from music21 import corpus

    paths = [Path(p) for p in corpus.getComposer("bach")]
    return sorted((p for p in paths if p.suffix in (".mxl", ".xml")), key=lambda p: p.name)


def _voice_of(part):
    """'soprano', 'alto', 'tenor', 'bass' from a part's name or id, else None."""
    label = f"{part.partName or ''} {part.id or ''}".lower()
    for voice in VOICES:
        if voice in label:
            return voice
    return None


def note_events(score):
    """The notes of the four voices of a parsed music21 score.

    Inputs:
    - score: a music21 ``Score``

    Returns:
    - events: list of (midi, onset, duration) in quarter notes from the start of the score,
      or None when the score does not have exactly one part for each of the four voices.
      Tied notes stay separate notes (they cover adjacent time spans, so the roll is the same).
    """
    parts = {}
    for part in score.parts:
        voice = _voice_of(part)
        if voice is not None:
            if voice in parts:
                return None
            parts[voice] = part
    if set(parts) != set(VOICES):
        return None
    events = []
    for voice in VOICES:
        for note in parts[voice].flatten().notes:
            onset = float(note.offset)
            duration = float(note.quarterLength)
            if duration <= 0:                                      # grace notes
                continue
            for pitch in note.pitches:
                events.append((int(round(pitch.ps)), onset, duration))
    return events


def parse_chorale(path, frame=FRAME_QUARTERS):
    """The piano roll (T, 88) uint8 of one chorale file, or None without the four voices."""
    from music21 import converter

    events = note_events(converter.parse(str(path)))
    if not events:
        return None
    return events_to_roll(events, frame)


def build_cache(path=CACHE_PATH, frame=FRAME_QUARTERS, progress=True):
    """Parse every chorale of the music21 corpus and write the compressed cache (about 2 min).

    The file holds ``bits`` (all frames one after the other, np.packbits along the keys:
    (sum T, 11) uint8), ``lengths`` (N,), ``names`` (N,) file names, and ``frame``.

    Returns:
    - path: the file written
    """
    from ..progress import progress_bar

    rolls, names, seen = [], [], set()
    for p in progress_bar(chorale_paths(), desc="parsing chorales", disable=not progress):
        roll = parse_chorale(p, frame)
        if roll is None or len(roll) == 0:
            continue
        digest = roll.tobytes()
        if digest in seen:                                          # the same chorale twice
            continue
        seen.add(digest)
        rolls.append(roll)
        names.append(p.stem)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, bits=np.packbits(np.concatenate(rolls), axis=1),
                        lengths=np.array([len(r) for r in rolls]), names=np.array(names), frame=frame)
    return path


def load_chorales(path=CACHE_PATH):
    """The cached chorales.

    Returns:
    - rolls: list of N uint8 arrays of shape (T_n, 88), one per chorale
    - names: list of N file names (e.g. 'bwv1.6': BWV number and movement)
    """
    with np.load(path) as data:
        frames = np.unpackbits(data["bits"], axis=1, count=N_KEYS)
        lengths, names = data["lengths"], [str(n) for n in data["names"]]
    rolls = np.split(frames, np.cumsum(lengths)[:-1])
    return rolls, names


def split_chorales(n, seed=0, fractions=(0.6, 0.2, 0.2)):
    """Split n chorales at random into train / valid / test, by whole chorale.

    Returns:
    - train, valid, test: sorted int arrays of chorale indices, disjoint, covering range(n)
    """
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(fractions[0] * n))
    n_valid = int(round(fractions[1] * n))
    parts = order[:n_train], order[n_train:n_train + n_valid], order[n_train + n_valid:]
    return tuple(np.sort(p) for p in parts)


def key_frequency(key):
    """Equal-tempered frequency in Hz of piano key ``key`` (array or int): A4 (key 48) is 440 Hz."""
    midi = np.asarray(key, dtype=np.float64) + LOWEST_MIDI
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def roll_to_audio(roll, sample_rate=16000, seconds_per_frame=0.5, harmonics=(1.0, 0.4, 0.15)):
    """Synthesise a piano roll as a soft organ-like sound (additive sines), for listening.

    A run of consecutive frames with a key on is one note (held, not repeated): a sine at the
    key's frequency plus overtones at 2x and 3x it (amplitudes ``harmonics``), with a 10 ms
    fade in and a 30 ms fade out so that notes do not click.

    Inputs:
    - roll: array of shape (T, 88) of 0 and 1
    - sample_rate: samples per second (overtones above sample_rate / 2 are left out)
    - seconds_per_frame: duration of one frame (0.5 s: a quarter note at 120 beats per minute)

    Returns:
    - wave: float32 array of shape (round(T * seconds_per_frame * sample_rate),), peak 0.9
    """
    roll = np.asarray(roll) > 0
    n_per_frame = int(round(seconds_per_frame * sample_rate))
    wave = np.zeros(len(roll) * n_per_frame, dtype=np.float64)
    fade_in, fade_out = int(0.01 * sample_rate), int(0.03 * sample_rate)
    for key in np.flatnonzero(roll.any(axis=0)):
        on = np.concatenate([[False], roll[:, key], [False]]).astype(np.int8)
        starts, ends = np.flatnonzero(np.diff(on) == 1), np.flatnonzero(np.diff(on) == -1)
        f = float(key_frequency(key))
        for start, end in zip(starts, ends):
            a, b = start * n_per_frame, end * n_per_frame
            t = np.arange(b - a) / sample_rate
            tone = sum(amp * np.sin(2 * np.pi * (h + 1) * f * t) for h, amp in enumerate(harmonics)
                       if (h + 1) * f < sample_rate / 2)
            envelope = np.minimum(1.0, np.minimum(np.arange(b - a) / max(fade_in, 1),
                                                  np.arange(b - a)[::-1] / max(fade_out, 1)))
            wave[a:b] += tone * envelope
    peak = np.abs(wave).max()
    if peak > 0:
        wave *= 0.9 / peak
    return wave.astype(np.float32)


if __name__ == "__main__":                                          # python -m lstmlib.data.chorales
    print("wrote", build_cache())
