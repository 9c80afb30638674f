"""Real student mistakes for 17_speech_synthesis (upsampling phonemes to frames, the
phase-accumulating oscillator, Klatt's resonator, the frame RMSE, the per-phoneme means of the
duration-only baseline).

Each mutant redefines one graded function of
solutions/17_speech_synthesis/17_speech_synthesis.ipynb. `expect` is text that must appear in
the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).
"""

MUTANTS = [
    # ------------------------------------------------------------------ upsample
    dict(
        name="upsample_repeat_without_axis",
        replaces="upsample",
        source='''
def upsample(values, durations):
    return np.repeat(values, durations)          # flattens 2-D values (and fails on them)
''',
        expect="axis=0",
    ),
    dict(
        name="upsample_searchsorted_off_by_one",
        replaces="upsample",
        source='''
def upsample(values, durations):
    ends = np.cumsum(durations)
    frame_phoneme = np.searchsorted(ends, np.arange(ends[-1]))     # side="left": boundary frames go to k - 1
    return np.asarray(values)[frame_phoneme]
''',
        expect="first frame of phoneme",
    ),
    dict(
        name="upsample_drops_last_phoneme",
        replaces="upsample",
        source='''
def upsample(values, durations):
    values = np.asarray(values)
    rows = []
    for k in range(len(values) - 1):
        rows += [values[k]] * int(durations[k])
    return np.array(rows, dtype=values.dtype).reshape((-1,) + values.shape[1:])
''',
        expect="last phoneme is missing",
    ),
    # ------------------------------------------------------------------ oscillator_phase
    dict(
        name="phase_f0_times_t",
        replaces="oscillator_phase",
        source='''
def oscillator_phase(f0, hop=HOP, fs=FS):
    per_sample = np.repeat(np.asarray(f0, dtype=np.float64), hop)
    t = np.arange(len(per_sample)) / fs
    return (per_sample * t) % 1.0                    # jumps whenever f0 changes
''',
        expect="jumps at sample",
    ),
    dict(
        name="phase_restarts_each_frame",
        replaces="oscillator_phase",
        source='''
def oscillator_phase(f0, hop=HOP, fs=FS):
    per_sample = np.repeat(np.asarray(f0, dtype=np.float64), hop)
    n_in_frame = np.arange(len(per_sample)) % hop
    return (per_sample * n_in_frame / fs) % 1.0
''',
        expect="do not restart it at each frame",
    ),
    dict(
        name="phase_cumsum_includes_current_sample",
        replaces="oscillator_phase",
        source='''
def oscillator_phase(f0, hop=HOP, fs=FS):
    per_sample = np.repeat(np.asarray(f0, dtype=np.float64), hop)
    return np.cumsum(per_sample / fs) % 1.0
''',
        expect="phase[0]",
    ),
    dict(
        name="phase_not_wrapped",
        replaces="oscillator_phase",
        source='''
def oscillator_phase(f0, hop=HOP, fs=FS):
    per_sample = np.repeat(np.asarray(f0, dtype=np.float64), hop)
    return np.concatenate([[0.0], np.cumsum(per_sample / fs)[:-1]])
''',
        expect="wrap it into [0, 1)",
    ),
    dict(
        name="phase_in_radians",
        replaces="oscillator_phase",
        source='''
def oscillator_phase(f0, hop=HOP, fs=FS):
    per_sample = np.repeat(np.asarray(f0, dtype=np.float64), hop)
    phase = np.concatenate([[0.0], np.cumsum(2 * np.pi * per_sample / fs)[:-1]])
    return phase % (2 * np.pi)
''',
        expect="cycles, not radians",
    ),
    dict(
        name="phase_accumulated_in_float32",
        replaces="oscillator_phase",
        edit=[
            ("per_sample = np.repeat(np.asarray(f0, dtype=np.float64), hop)",
             "per_sample = np.repeat(np.asarray(f0), hop)"),
        ],
        expect="accumulate in float64",
    ),
    # ------------------------------------------------------------------ resonator
    dict(
        name="resonator_plus_r_squared",
        replaces="resonator",
        source='''
def resonator(x, F, B, fs=FS):
    x = np.asarray(x, dtype=np.float64)
    F = np.broadcast_to(np.asarray(F, dtype=np.float64), x.shape)
    B = np.broadcast_to(np.asarray(B, dtype=np.float64), x.shape)
    C = np.exp(-2.0 * np.pi * B / fs)                                     # sign lost
    B1 = 2.0 * np.exp(-np.pi * B / fs) * np.cos(2.0 * np.pi * F / fs)
    A = 1.0 - B1 - C
    y = np.zeros_like(x)
    for n in range(len(x)):
        y[n] = A[n] * x[n] + B1[n] * (y[n - 1] if n > 0 else 0.0) + C[n] * (y[n - 2] if n > 1 else 0.0)
    return y
''',
        expect="unstable",
    ),
    dict(
        name="resonator_radius_two_pi",
        replaces="resonator",
        source='''
def resonator(x, F, B, fs=FS):
    x = np.asarray(x, dtype=np.float64)
    F = np.broadcast_to(np.asarray(F, dtype=np.float64), x.shape)
    B = np.broadcast_to(np.asarray(B, dtype=np.float64), x.shape)
    r = np.exp(-2.0 * np.pi * B / fs)                                     # bandwidth doubled
    B1 = 2.0 * r * np.cos(2.0 * np.pi * F / fs)
    C = -r ** 2
    A = 1.0 - B1 - C
    y = np.zeros_like(x)
    for n in range(len(x)):
        y[n] = A[n] * x[n] + B1[n] * (y[n - 1] if n > 0 else 0.0) + C[n] * (y[n - 2] if n > 1 else 0.0)
    return y
''',
        expect="exp(-pi B / fs)",
    ),
    dict(
        name="resonator_angle_without_two_pi",
        replaces="resonator",
        source='''
def resonator(x, F, B, fs=FS):
    x = np.asarray(x, dtype=np.float64)
    F = np.broadcast_to(np.asarray(F, dtype=np.float64), x.shape)
    B = np.broadcast_to(np.asarray(B, dtype=np.float64), x.shape)
    r = np.exp(-np.pi * B / fs)
    B1 = 2.0 * r * np.cos(F / fs)                                         # Hz used as radians per sample
    C = -r ** 2
    A = 1.0 - B1 - C
    y = np.zeros_like(x)
    for n in range(len(x)):
        y[n] = A[n] * x[n] + B1[n] * (y[n - 1] if n > 0 else 0.0) + C[n] * (y[n - 2] if n > 1 else 0.0)
    return y
''',
        expect="2 pi F / fs",
    ),
    dict(
        name="resonator_no_gain_normalisation",
        replaces="resonator",
        source='''
def resonator(x, F, B, fs=FS):
    x = np.asarray(x, dtype=np.float64)
    F = np.broadcast_to(np.asarray(F, dtype=np.float64), x.shape)
    B = np.broadcast_to(np.asarray(B, dtype=np.float64), x.shape)
    r = np.exp(-np.pi * B / fs)
    B1 = 2.0 * r * np.cos(2.0 * np.pi * F / fs)
    C = -r ** 2
    y = np.zeros_like(x)
    for n in range(len(x)):
        y[n] = x[n] + B1[n] * (y[n - 1] if n > 0 else 0.0) + C[n] * (y[n - 2] if n > 1 else 0.0)
    return y
''',
        expect="A = 1 - B1 - C",
    ),
    dict(
        name="resonator_coefficients_from_first_sample",
        replaces="resonator",
        source='''
def resonator(x, F, B, fs=FS):
    x = np.asarray(x, dtype=np.float64)
    F0, B0 = float(np.ravel(F)[0]), float(np.ravel(B)[0])                 # "F is constant, isn't it?"
    r = np.exp(-np.pi * B0 / fs)
    B1 = 2.0 * r * np.cos(2.0 * np.pi * F0 / fs)
    C = -r ** 2
    A = 1.0 - B1 - C
    y = np.zeros_like(x)
    for n in range(len(x)):
        y[n] = A * x[n] + B1 * (y[n - 1] if n > 0 else 0.0) + C * (y[n - 2] if n > 1 else 0.0)
    return y
''',
        expect="time-varying",
    ),
    dict(
        name="resonator_keeps_float32",
        replaces="resonator",
        edit=[
            ("x = np.asarray(x, dtype=np.float64)", "x = np.asarray(x)"),
        ],
        expect="whatever the dtype of x",
    ),
    # ------------------------------------------------------------------ frame_rmse
    dict(
        name="rmse_counts_padding",
        replaces="frame_rmse",
        source='''
def frame_rmse(pred, target, mask):
    P = np.shape(pred)[-1]
    diff = (np.asarray(pred) - np.asarray(target)).reshape(-1, P)
    return np.sqrt(np.mean(diff ** 2, axis=0))
''',
        expect="counts the padding",
    ),
    dict(
        name="rmse_mean_of_utterance_rmses",
        replaces="frame_rmse",
        source='''
def frame_rmse(pred, target, mask):
    pred, target, mask = np.asarray(pred), np.asarray(target), np.asarray(mask, dtype=bool)
    if pred.ndim == 2:
        return np.sqrt(np.mean((pred - target)[mask] ** 2, axis=0))
    return np.mean([np.sqrt(np.mean((pred[b] - target[b])[mask[b]] ** 2, axis=0)) for b in range(len(pred))], axis=0)
''',
        expect="pool the squared errors",
    ),
    dict(
        name="rmse_without_square_root",
        replaces="frame_rmse",
        source='''
def frame_rmse(pred, target, mask):
    diff = (np.asarray(pred) - np.asarray(target))[np.asarray(mask, dtype=bool)]
    return np.mean(diff ** 2, axis=0)
''',
        expect="take the square root",
    ),
    dict(
        name="rmse_one_number",
        replaces="frame_rmse",
        source='''
def frame_rmse(pred, target, mask):
    diff = (np.asarray(pred) - np.asarray(target))[np.asarray(mask, dtype=bool)]
    return np.sqrt(np.mean(diff ** 2))
''',
        expect="one RMSE per parameter",
    ),
    dict(
        name="rmse_mean_absolute_error",
        replaces="frame_rmse",
        source='''
def frame_rmse(pred, target, mask):
    diff = (np.asarray(pred) - np.asarray(target))[np.asarray(mask, dtype=bool)]
    return np.mean(np.abs(diff), axis=0)
''',
        expect="mean absolute error",
    ),
    dict(
        name="rmse_keeps_float32",
        replaces="frame_rmse",
        edit=[
            ("pred, target = np.asarray(pred, dtype=np.float64), np.asarray(target, dtype=np.float64)",
             "pred, target = np.asarray(pred), np.asarray(target)"),
        ],
        expect="whatever the dtype of pred and target",
    ),
    # ------------------------------------------------------------------ phoneme_means
    dict(
        name="means_nan_for_unseen_symbol",
        replaces="phoneme_means",
        source='''
def phoneme_means(frame_ids, frames, n_symbols):
    sums = np.zeros((n_symbols, frames.shape[1]))
    np.add.at(sums, frame_ids, frames)
    counts = np.bincount(frame_ids, minlength=n_symbols)[:, None]
    return sums / counts                             # 0 / 0 for a symbol that never occurs
''',
        expect="never occur",
    ),
    dict(
        name="means_divide_by_all_frames",
        replaces="phoneme_means",
        source='''
def phoneme_means(frame_ids, frames, n_symbols):
    sums = np.zeros((n_symbols, frames.shape[1]))
    np.add.at(sums, frame_ids, frames)
    return sums / len(frame_ids)
''',
        expect="number of frames of that symbol",
    ),
    dict(
        name="means_zero_for_unseen_symbol",
        replaces="phoneme_means",
        source='''
def phoneme_means(frame_ids, frames, n_symbols):
    means = np.zeros((n_symbols, frames.shape[1]))
    for s in range(n_symbols):
        if np.any(frame_ids == s):
            means[s] = frames[frame_ids == s].mean(axis=0)
    return means
''',
        expect="mean of all frames",
    ),
    dict(
        name="means_keep_float32",
        replaces="phoneme_means",
        edit=[
            ("frames = np.asarray(frames, dtype=np.float64)", "frames = np.asarray(frames)"),
        ],
        expect="whatever the dtype of frames",
    ),
]
