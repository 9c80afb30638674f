"""Real student mistakes for 16_video_to_text (per-frame CNN features, teacher forcing, greedy
decoding, word and sentence accuracy).

Each mutant redefines one graded function of solutions/16_video_to_text/16_video_to_text.ipynb.
`expect` is text that must appear in the message of a failing test cell: the hint that names
the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # ------------------------------------------------------------------ frame_features
    dict(
        name="features_fold_after_transpose",
        replaces="frame_features",
        source='''
def frame_features(cnn, clips):
    B, T, H, W = clips.shape
    frames = clips.transpose(0, 1).reshape(B * T, 1, H, W)       # time-major fold
    return cnn(frames).reshape(B, T, -1)
''',
        expect="frames of different clips are mixed",
    ),
    dict(
        name="features_unfold_time_major",
        replaces="frame_features",
        source='''
def frame_features(cnn, clips):
    B, T, H, W = clips.shape
    return cnn(clips.reshape(B * T, 1, H, W)).reshape(T, B, -1).transpose(0, 1)
''',
        expect="frames of different clips are mixed",
    ),
    dict(
        name="features_no_channel_axis",
        replaces="frame_features",
        source='''
def frame_features(cnn, clips):
    B, T, H, W = clips.shape
    return cnn(clips.reshape(B * T, H, W)).reshape(B, T, -1)
''',
        expect="(B*T, 1, H, W)",
    ),
    dict(
        name="features_averaged_over_time",
        replaces="frame_features",
        source='''
def frame_features(cnn, clips):
    B, T, H, W = clips.shape
    return cnn(clips.reshape(B * T, 1, H, W)).reshape(B, T, -1).mean(dim=1)
''',
        expect="one feature vector per frame",
    ),
    dict(
        name="features_detached",
        replaces="frame_features",
        source='''
def frame_features(cnn, clips):
    B, T, H, W = clips.shape
    with torch.no_grad():
        return cnn(clips.reshape(B * T, 1, H, W)).reshape(B, T, -1)
''',
        expect="must be trained through it",
    ),
    # ------------------------------------------------------------------ teacher_forcing_inputs
    dict(
        name="teacher_forcing_leaks_target",
        replaces="teacher_forcing_inputs",
        source='''
def teacher_forcing_inputs(targets):
    return targets.clone()
''',
        expect="teacher forcing leaks the target",
    ),
    dict(
        name="teacher_forcing_shift_left",
        replaces="teacher_forcing_inputs",
        source='''
def teacher_forcing_inputs(targets):
    inputs = torch.full_like(targets, PAD)
    inputs[:, :-1] = targets[:, 1:]
    return inputs
''',
        expect="shift goes the wrong way",
    ),
    dict(
        name="teacher_forcing_no_bos",
        replaces="teacher_forcing_inputs",
        source='''
def teacher_forcing_inputs(targets):
    inputs = torch.zeros_like(targets)
    inputs[:, 1:] = targets[:, :-1]
    return inputs
''',
        expect="<bos>",
    ),
    dict(
        name="teacher_forcing_keeps_last_token",
        replaces="teacher_forcing_inputs",
        source='''
def teacher_forcing_inputs(targets):
    bos = torch.full((targets.shape[0], 1), BOS, dtype=targets.dtype)
    return torch.cat([bos, targets], dim=1)
''',
        expect="same length as the targets",
    ),
    dict(
        name="teacher_forcing_in_place",
        replaces="teacher_forcing_inputs",
        source='''
def teacher_forcing_inputs(targets):
    targets[:, 1:] = targets[:, :-1].clone()
    targets[:, 0] = BOS
    return targets
''',
        expect="changed the targets",
    ),
    # ------------------------------------------------------------------ greedy_decode
    dict(
        name="greedy_always_feeds_bos",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, context, max_len):
    B = context.shape[0]
    bos = torch.full((B,), BOS, dtype=torch.int64)
    out = torch.full((B, max_len), PAD, dtype=torch.int64)
    finished = torch.zeros(B, dtype=torch.bool)
    state = None
    for t in range(max_len):
        logits, state = step(bos, context, state)
        token = logits.argmax(dim=-1)
        out[:, t] = torch.where(finished, torch.full_like(token, PAD), token)
        finished = finished | (token == EOS)
    return out
''',
        expect="feed back the token it just predicted",
    ),
    dict(
        name="greedy_state_not_carried",
        replaces="greedy_decode",
        edit=[
            ("state = None", ""),
            ("logits, state = step(previous, context, state)",
             "logits, _ = step(previous, context, None)"),
        ],
        expect="carry the state",
    ),
    dict(
        name="greedy_no_pad_after_eos",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, context, max_len):
    previous = torch.full((context.shape[0],), BOS, dtype=torch.int64)
    out, state = [], None
    for t in range(max_len):
        logits, state = step(previous, context, state)
        previous = logits.argmax(dim=-1)
        out.append(previous)
    return torch.stack(out, dim=1)
''',
        expect="after <eos>",
    ),
    dict(
        name="greedy_argmax_without_dim",
        replaces="greedy_decode",
        edit=[
            # over all B * V numbers
            ("previous = logits.argmax(dim=-1)", "previous = logits.argmax()"),
        ],
        expect="argmax over the vocabulary",
    ),
    dict(
        name="greedy_returns_bos",
        replaces="greedy_decode",
        edit=[
            ("out = torch.full((B, max_len), PAD, dtype=torch.int64)", "out = [previous]"),
            ("out[:, t] = torch.where(finished, torch.full_like(previous, PAD), previous)",
             "out.append(torch.where(finished, torch.full_like(previous, PAD), previous))"),
            ("return out", "return torch.stack(out, dim=1)"),
        ],
        expect="without <bos>",
    ),
    dict(
        name="greedy_pads_the_eos_too",
        replaces="greedy_decode",
        edit=[
            # finished is updated before the step is written: the EOS itself becomes PAD
            ("out[:, t] = torch.where(finished, torch.full_like(previous, PAD), previous)\n"
             "        finished = finished | (previous == EOS)",
             "finished = finished | (previous == EOS)\n"
             "        out[:, t] = torch.where(finished, torch.full_like(previous, PAD), previous)"),
        ],
        expect="<pad> after <eos>",
    ),
    dict(
        name="greedy_first_eos_at_zero_read_as_none",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, context, max_len):
    B = context.shape[0]
    previous = torch.full((B,), BOS, dtype=torch.int64)
    out = torch.full((B, max_len), PAD, dtype=torch.int64)
    state = None
    for t in range(max_len):
        logits, state = step(previous, context, state)
        previous = logits.argmax(dim=-1)
        out[:, t] = previous
    first = (out == EOS).long().argmax(dim=1)            # the position of the first <eos> ...
    first[first == 0] = max_len                          # ... and 0 taken to mean "no <eos> in this row"
    out[torch.arange(max_len)[None, :] > first[:, None]] = PAD
    return out
''',
        expect="position 0 is a real <eos> position",
    ),
    # ------------------------------------------------------------------ word_accuracy
    dict(
        name="word_accuracy_counts_padding",
        replaces="word_accuracy",
        source='''
def word_accuracy(predicted, targets):
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    words = targets != EOS
    return float((predicted == targets)[words].mean())
''',
        expect="padding positions are counted",
    ),
    dict(
        name="word_accuracy_counts_eos",
        replaces="word_accuracy",
        source='''
def word_accuracy(predicted, targets):
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    words = targets != PAD
    return float((predicted == targets)[words].mean())
''',
        expect="<eos> positions are counted",
    ),
    dict(
        name="word_accuracy_mean_of_sentences",
        replaces="word_accuracy",
        edit=[
            ("return float((predicted == targets)[words].mean())",
             "per_sentence = ((predicted == targets) & words).sum(axis=1) / words.sum(axis=1)\n"
             "    return float(per_sentence.mean())"),
        ],
        expect="every word counts once",
    ),
    # ------------------------------------------------------------------ sentence_accuracy
    dict(
        name="sentence_accuracy_ignores_eos",
        replaces="sentence_accuracy",
        source='''
def sentence_accuracy(predicted, targets):
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    words = (targets != PAD) & (targets != EOS)
    return float(((predicted == targets) | ~words).all(axis=1).mean())
''',
        expect="compare the <eos> position too",
    ),
    dict(
        name="sentence_accuracy_whole_row",
        replaces="sentence_accuracy",
        source='''
def sentence_accuracy(predicted, targets):
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    return float((predicted == targets).all(axis=1).mean())
''',
        expect="after the target's <eos> is not looked at",
    ),
    dict(
        name="sentence_accuracy_count",
        replaces="sentence_accuracy",
        source='''
def sentence_accuracy(predicted, targets):
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    counted = targets != PAD
    return float(((predicted == targets) | ~counted).all(axis=1).sum())
''',
        expect="not their count",
    ),
]
