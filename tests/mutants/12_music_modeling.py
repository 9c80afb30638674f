"""Real student mistakes for 12_music_modeling (piano rolls, next-frame targets, the frame-level
negative log-likelihood, smoothed key frequencies, Bernoulli sampling).

Each mutant redefines one graded function of solutions/12_music_modeling/12_music_modeling.ipynb.
`expect` is text that must appear in the message of a failing test cell: the hint that names
the mistake.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).
"""

MUTANTS = [
    # ------------------------------------------------------------------ notes_to_roll
    dict(
        name="roll_pitch_offset_off_by_one",
        replaces="notes_to_roll",
        source='''
def notes_to_roll(notes, n_frames):
    roll = np.zeros((n_frames, 88), dtype=np.float32)
    t = np.arange(n_frames)
    for midi, onset, duration in notes:
        roll[(t >= onset) & (t < onset + duration), midi - 20] = 1.0     # A0 counted as key 1
    return roll
''',
        expect="MIDI 21 = A0 is key 0",
    ),
    dict(
        name="roll_note_end_inclusive",
        replaces="notes_to_roll",
        source='''
def notes_to_roll(notes, n_frames):
    roll = np.zeros((n_frames, 88), dtype=np.float32)
    t = np.arange(n_frames)
    for midi, onset, duration in notes:
        roll[(t >= onset) & (t <= onset + duration), midi - 21] = 1.0
    return roll
''',
        expect="off at t = onset + duration",
    ),
    dict(
        name="roll_onsets_rounded_down",
        replaces="notes_to_roll",
        source='''
def notes_to_roll(notes, n_frames):
    roll = np.zeros((n_frames, 88), dtype=np.float32)
    for midi, onset, duration in notes:
        start, end = int(onset), int(np.ceil(onset + duration))
        roll[start:end, midi - 21] = 1.0
    return roll
''',
        expect="do not round",
    ),
    dict(
        name="roll_unison_adds_up",
        replaces="notes_to_roll",
        source='''
def notes_to_roll(notes, n_frames):
    roll = np.zeros((n_frames, 88), dtype=np.float32)
    t = np.arange(n_frames)
    for midi, onset, duration in notes:
        roll[(t >= onset) & (t < onset + duration), midi - 21] += 1.0
    return roll
''',
        expect="unison",
    ),
    dict(
        name="roll_transposed",
        replaces="notes_to_roll",
        source='''
def notes_to_roll(notes, n_frames):
    roll = np.zeros((88, n_frames), dtype=np.float32)
    t = np.arange(n_frames)
    for midi, onset, duration in notes:
        roll[midi - 21, (t >= onset) & (t < onset + duration)] = 1.0
    return roll
''',
        expect="(T, 88)",
    ),
    dict(
        name="roll_float64",
        replaces="notes_to_roll",
        source='''
def notes_to_roll(notes, n_frames):
    roll = np.zeros((n_frames, 88))
    t = np.arange(n_frames)
    for midi, onset, duration in notes:
        roll[(t >= onset) & (t < onset + duration), midi - 21] = 1.0
    return roll
''',
        expect="float32",
    ),
    # ------------------------------------------------------------------ inputs_and_targets
    dict(
        name="targets_not_shifted",
        replaces="inputs_and_targets",
        source='''
def inputs_and_targets(roll):
    return roll.copy(), roll.copy()
''',
        expect="are the targets shifted by one?",
    ),
    dict(
        name="targets_shifted_the_wrong_way",
        replaces="inputs_and_targets",
        source='''
def inputs_and_targets(roll):
    y = np.zeros_like(roll)
    y[:-1] = roll[1:]
    return roll.copy(), y
''',
        expect="the shift goes the wrong way",
    ),
    dict(
        name="targets_drop_first_frame",
        replaces="inputs_and_targets",
        source='''
def inputs_and_targets(roll):
    return roll[:-1], roll[1:]
''',
        expect="keep all T = 3 frames",
    ),
    dict(
        name="inputs_np_roll_wraps",
        replaces="inputs_and_targets",
        source='''
def inputs_and_targets(roll):
    return np.roll(roll, 1, axis=0), roll.copy()
''',
        expect="np.roll wraps around",
    ),
    dict(
        name="inputs_written_into_roll",
        replaces="inputs_and_targets",
        source='''
def inputs_and_targets(roll):
    y = roll.copy()
    roll[1:] = roll[:-1].copy()
    roll[0] = 0
    return roll, y
''',
        expect="changed the roll it was given",
    ),
    dict(
        name="inputs_float_for_uint8",
        replaces="inputs_and_targets",
        source='''
def inputs_and_targets(roll):
    x = np.zeros(roll.shape, dtype=np.float32)
    x[1:] = roll[:-1]
    return x, roll.copy()
''',
        expect="keep the roll's dtype",
    ),
    # ------------------------------------------------------------------ frame_nll
    dict(
        name="nll_wrong_sign",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    log_p = targets * F.logsigmoid(logits) + (1 - targets) * F.logsigmoid(-logits)
    per_frame = log_p.sum(-1)
    mask = mask.to(per_frame.dtype)
    return (per_frame * mask).sum() / mask.sum()
''',
        expect="wrong sign",
    ),
    dict(
        name="nll_averaged_per_key",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    per_key = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return per_key[mask].mean()
''',
        expect="averaged per key instead of per frame",
    ),
    dict(
        name="nll_summed_over_frames",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    per_frame = F.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum(-1)
    return (per_frame * mask.to(per_frame.dtype)).sum()
''',
        expect="average over them",
    ),
    dict(
        name="nll_counts_padding",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum(-1).mean()
''',
        expect="padding included",
    ),
    dict(
        name="nll_sum_over_time_axis",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    per_key = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")   # (B, T, 88)
    per_key = per_key * mask[..., None].to(per_key.dtype)
    return per_key.sum(dim=1).mean()                                                   # over time, then keys
''',
        expect="sum over the",
    ),
    dict(
        name="nll_log_of_sigmoid_unstable",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    p = torch.sigmoid(logits)
    per_frame = -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).sum(-1)
    mask = mask.to(per_frame.dtype)
    return (per_frame * mask).sum() / mask.sum()
''',
        expect="numerically stable",
    ),
    dict(
        name="nll_through_numpy",
        replaces="frame_nll",
        source='''
def frame_nll(logits, targets, mask):
    z = logits.detach().numpy()
    y = targets.numpy()
    m = mask.numpy()
    per_frame = (np.logaddexp(0, z) - y * z).sum(-1)
    return torch.tensor(per_frame[m].mean())
''',
        expect="no finite gradient",
    ),
    # ------------------------------------------------------------------ key_frequencies
    dict(
        name="frequencies_unsmoothed",
        replaces="key_frequencies",
        source='''
def key_frequencies(frames, alpha=1.0):
    return np.asarray(frames, dtype=np.float64).mean(axis=0)
''',
        expect="Add alpha to every count",
    ),
    dict(
        name="frequencies_smoothed_one_side",
        replaces="key_frequencies",
        source='''
def key_frequencies(frames, alpha=1.0):
    frames = np.asarray(frames, dtype=np.float64)
    return (frames.sum(axis=0) + alpha) / (frames.shape[0] + alpha)
''',
        expect="N + 2 alpha, not N + alpha",
    ),
    dict(
        name="frequencies_wrong_axis",
        replaces="key_frequencies",
        source='''
def key_frequencies(frames, alpha=1.0):
    frames = np.asarray(frames, dtype=np.float64)
    return (frames.sum(axis=1) + alpha) / (frames.shape[1] + 2 * alpha)
''',
        expect="one value per key",
    ),
    dict(
        name="frequencies_uint8_sum_overflows",
        replaces="key_frequencies",
        source='''
def key_frequencies(frames, alpha=1.0):
    frames = np.asarray(frames)
    counts = frames.sum(axis=0, dtype=frames.dtype)
    return (counts + alpha) / (frames.shape[0] + 2 * alpha)
''',
        expect="overflow",
    ),
    dict(
        name="frequencies_keep_float32",
        replaces="key_frequencies",
        edit=[
            ("frames = np.asarray(frames, dtype=np.float64)", "frames = np.asarray(frames)"),
        ],
        expect="whatever the dtype of frames",
    ),
    # ------------------------------------------------------------------ sample_frame
    dict(
        name="sample_thresholds",
        replaces="sample_frame",
        source='''
def sample_frame(probs, rng):
    return (np.asarray(probs) > 0.5).astype(np.float32)
''',
        expect="thresholds instead of sampling",
    ),
    dict(
        name="sample_greater_than",
        replaces="sample_frame",
        source='''
def sample_frame(probs, rng):
    probs = np.asarray(probs)
    return (rng.random(probs.shape) > probs).astype(np.float32)
''',
        expect="> gives 1 - probs",
    ),
    dict(
        name="sample_one_uniform_per_frame",
        replaces="sample_frame",
        source='''
def sample_frame(probs, rng):
    probs = np.asarray(probs)
    u = rng.random(probs.shape[:-1] + (1,))
    return (u < probs).astype(np.float32)
''',
        expect="one uniform number per key",
    ),
    dict(
        name="sample_ignores_rng",
        replaces="sample_frame",
        source='''
def sample_frame(probs, rng):
    probs = np.asarray(probs)
    return (np.random.random(probs.shape) < probs).astype(np.float32)
''',
        expect="use the rng you are given",
    ),
    dict(
        name="sample_returns_bool",
        replaces="sample_frame",
        source='''
def sample_frame(probs, rng):
    probs = np.asarray(probs)
    return rng.random(probs.shape) < probs
''',
        expect="float32",
    ),
]
