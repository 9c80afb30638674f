"""Real student mistakes for 13_handwriting_recognition (the CTC extended label, the forward
recursion in log space, the loss, best-path decoding, the edit distance and the error rates).

Each mutant redefines one graded function of
solutions/13_handwriting_recognition/13_handwriting_recognition.ipynb. `expect` is text that
must appear in the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # ------------------------------------------------------------------ extend_with_blanks
    dict(
        name="extend_forgets_the_leading_blank",
        replaces="extend_with_blanks",
        source='''
def extend_with_blanks(target, blank):
    out = []
    for label in target:
        out += [int(label), blank]
    return np.array(out, dtype=np.int64)
''',
        expect="must start with a blank",
    ),
    dict(
        name="extend_forgets_the_trailing_blank",
        replaces="extend_with_blanks",
        source='''
def extend_with_blanks(target, blank):
    out = []
    for label in target:
        out += [blank, int(label)]
    return np.array(out, dtype=np.int64)
''',
        expect="end with a blank",
    ),
    dict(
        name="extend_hardcodes_blank_zero",
        replaces="extend_with_blanks",
        edit=[
            ("extended = np.full(2 * len(target) + 1, blank, dtype=np.int64)",
             "extended = np.zeros(2 * len(target) + 1, dtype=np.int64)"),
        ],
        expect="blanks at the even positions",
    ),
    # ------------------------------------------------------------------ ctc_alpha
    dict(
        name="alpha_in_probability_space_underflows",
        replaces="ctc_alpha",
        source='''
def ctc_alpha(log_probs, target, blank):
    probs = np.exp(np.asarray(log_probs, dtype=np.float64))
    ext = extend_with_blanks(target, blank)
    T, S = probs.shape[0], len(ext)
    alpha = np.zeros((T, S))
    alpha[0, 0] = probs[0, ext[0]]
    if S > 1:
        alpha[0, 1] = probs[0, ext[1]]
    for t in range(1, T):
        for s in range(S):
            total = alpha[t - 1, s]
            if s >= 1:
                total += alpha[t - 1, s - 1]
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                total += alpha[t - 1, s - 2]
            alpha[t, s] = total * probs[t, ext[s]]
    with np.errstate(divide="ignore"):
        return np.log(alpha)
''',
        expect="log space",
    ),
    dict(
        name="alpha_skips_between_repeated_labels",
        replaces="ctc_alpha",
        edit=[
            # forgot: not between equal labels
            ("if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:",
             "if s >= 2 and ext[s] != blank:"),
        ],
        expect="repeated label",
    ),
    dict(
        name="alpha_skips_into_blanks_too",
        replaces="ctc_alpha",
        edit=[
            # the blank case of the formula read the wrong way
            ("if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:",
             "if s >= 2 and (ext[s] == blank or ext[s] != ext[s - 2]):"),
        ],
        expect="never into a blank",
    ),
    dict(
        name="alpha_starts_only_in_the_blank",
        replaces="ctc_alpha",
        edit=[
            # forgot alpha_0(1)
            ("if S > 1:\n        log_alpha[0, 1] = log_probs[0, ext[1]]", ""),
        ],
        expect="or with the first label",
    ),
    dict(
        name="alpha_starts_anywhere",
        replaces="ctc_alpha",
        edit=[
            # every position may start
            ("log_alpha[0, 0] = log_probs[0, ext[0]]\n"
             "    if S > 1:\n"
             "        log_alpha[0, 1] = log_probs[0, ext[1]]",
             "log_alpha[0] = log_probs[0, ext]"),
        ],
        expect="nowhere else",
    ),
    dict(
        name="alpha_takes_the_max_viterbi",
        replaces="ctc_alpha",
        edit=[
            ("total = np.logaddexp(total, log_alpha[t - 1, s - 1])",
             "total = max(total, log_alpha[t - 1, s - 1])"),
            ("total = np.logaddexp(total, log_alpha[t - 1, s - 2])",
             "total = max(total, log_alpha[t - 1, s - 2])"),
        ],
        expect="Viterbi",
    ),
    dict(
        name="alpha_emits_position_not_label",
        replaces="ctc_alpha",
        edit=[
            # the position s, not its label ext[s]
            ("log_alpha[t, s] = total + log_probs[t, ext[s]]",
             "log_alpha[t, s] = total + log_probs[t, s]"),
        ],
        expect="log_probs[t, ext[s]]",
    ),
    dict(
        # the table in the dtype of the network's output (float32 from torch)
        name="alpha_in_the_dtype_of_log_probs",
        replaces="ctc_alpha",
        edit=[("log_probs = np.asarray(log_probs, dtype=np.float64)", "log_probs = np.asarray(log_probs)"),
              ("log_alpha = np.full((T, S), -np.inf)", "log_alpha = np.full((T, S), -np.inf, dtype=log_probs.dtype)")],
        expect="the table is float64",
    ),
    # ------------------------------------------------------------------ ctc_loss
    dict(
        name="loss_ends_only_on_the_final_blank",
        replaces="ctc_loss",
        source='''
def ctc_loss(log_probs, target, blank):
    return float(-ctc_alpha(log_probs, target, blank)[-1, -1])
''',
        expect="may end in the final blank or on the last",
    ),
    dict(
        name="loss_returns_the_log_likelihood",
        replaces="ctc_loss",
        source='''
def ctc_loss(log_probs, target, blank):
    la = ctc_alpha(log_probs, target, blank)
    return float(np.logaddexp(la[-1, -1], la[-1, -2]) if la.shape[1] > 1 else la[-1, -1])
''',
        expect="negative log-likelihood",
    ),
    dict(
        name="loss_divides_by_target_length",
        replaces="ctc_loss",
        source='''
def ctc_loss(log_probs, target, blank):
    la = ctc_alpha(log_probs, target, blank)
    log_p = np.logaddexp(la[-1, -1], la[-1, -2]) if la.shape[1] > 1 else la[-1, -1]
    return float(-log_p / max(1, len(target)))                   # like torch's default reduction='mean'
''',
        expect="do not divide",
    ),
    # ------------------------------------------------------------------ greedy_decode
    dict(
        name="decode_removes_blanks_before_merging",
        replaces="greedy_decode",
        source='''
def greedy_decode(log_probs, blank):
    best = [int(k) for k in np.asarray(log_probs).argmax(axis=1) if k != blank]
    return np.array([k for i, k in enumerate(best) if i == 0 or k != best[i - 1]], dtype=np.int64)
''',
        expect="removed the blanks before merging",
    ),
    dict(
        name="decode_never_merges_repeats",
        replaces="greedy_decode",
        source='''
def greedy_decode(log_probs, blank):
    best = np.asarray(log_probs).argmax(axis=1)
    return best[best != blank].astype(np.int64)
''',
        expect="merge repeated labels",
    ),
    dict(
        name="decode_argmax_over_time",
        replaces="greedy_decode",
        edit=[
            ("best = np.asarray(log_probs).argmax(axis=1)",
             "best = np.asarray(log_probs).argmax(axis=0)"),
        ],
        expect="argmax over axis 1",
    ),
    dict(
        # labels collected in a list: np.array([]) of an all-blank line is float64
        name="decode_list_without_dtype",
        replaces="greedy_decode",
        source='''
def greedy_decode(log_probs, blank):
    best = np.asarray(log_probs).argmax(axis=1)
    labels = []
    for t, k in enumerate(best):
        if k != blank and (t == 0 or k != best[t - 1]):
            labels.append(int(k))
    return np.array(labels)
''',
        expect="return an int64 array",
    ),
    # ------------------------------------------------------------------ edit_distance
    dict(
        name="edit_distance_position_by_position",
        replaces="edit_distance",
        source='''
def edit_distance(a, b):
    a, b = list(a), list(b)
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
''',
        expect="Hamming",
    ),
    dict(
        name="edit_distance_without_substitution",
        replaces="edit_distance",
        edit=[
            ("current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))",
             'same = previous[j - 1] if a[i - 1] == b[j - 1] else float("inf")\n'
             "            current[j] = min(previous[j] + 1, current[j - 1] + 1, same)"),
        ],
        expect="one substitution costs 1",
    ),
    dict(
        name="edit_distance_first_row_zeros",
        replaces="edit_distance",
        edit=[
            ("previous = list(range(len(b) + 1))", "previous = [0] * (len(b) + 1)"),
            ("current = [i] + [0] * len(b)", "current = [0] * (len(b) + 1)"),
        ],
        expect="takes n insertions",
    ),
    # ------------------------------------------------------------------ error_rates
    dict(
        name="rates_mean_of_per_line_cer",
        replaces="error_rates",
        source='''
def error_rates(predictions, targets):
    cer = np.mean([edit_distance(p, t) / len(t) for p, t in zip(predictions, targets)])
    exact = np.mean([list(p) == list(t) for p, t in zip(predictions, targets)])
    return float(cer), float(exact)
''',
        expect="mean of the per-line rates",
    ),
    dict(
        name="rates_divide_by_prediction_length",
        replaces="error_rates",
        source='''
def error_rates(predictions, targets):
    edits = sum(edit_distance(p, t) for p, t in zip(predictions, targets))
    exact = np.mean([list(p) == list(t) for p, t in zip(predictions, targets)])
    return float(edits / max(1, sum(len(p) for p in predictions))), float(exact)
''',
        expect="divides by the length of the predictions",
    ),
    dict(
        name="rates_prefix_counts_as_exact",
        replaces="error_rates",
        source='''
def error_rates(predictions, targets):
    edits = sum(edit_distance(p, t) for p, t in zip(predictions, targets))
    exact = np.mean([all(x == y for x, y in zip(p, t)) for p, t in zip(predictions, targets)])
    return float(edits / sum(len(t) for t in targets)), float(exact)
''',
        expect="exactly (same labels, same length)",
    ),
]
