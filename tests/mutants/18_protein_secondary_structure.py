"""Real student mistakes for 18_protein_secondary_structure (one-hot residues, Qian & Sejnowski
windows, Q3, the confusion matrix, the masked cross-entropy).

Each mutant redefines one graded function of
solutions/18_protein_secondary_structure/18_protein_secondary_structure.ipynb. `expect` is text
that must appear in the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).
"""

MUTANTS = [
    # ------------------------------------------------------------------ one_hot_residues
    dict(
        name="one_hot_three_letter_name_order",
        replaces="one_hot_residues",
        source='''
def one_hot_residues(sequence):
    order = "ARNDCQEGHILKMFPSTWYV"          # Ala, Arg, Asn, Asp, ... (three-letter names)
    x = np.zeros((len(sequence), 20), dtype=np.float32)
    for i, a in enumerate(sequence):
        if a in order:
            x[i, order.index(a)] = 1.0
    return x
''',
        expect="AMINO_ACIDS[k]",
    ),
    dict(
        name="one_hot_find_returns_minus_one",
        replaces="one_hot_residues",
        source='''
def one_hot_residues(sequence):
    x = np.zeros((len(sequence), 20), dtype=np.float32)
    for i, a in enumerate(sequence):
        x[i, AMINO_ACIDS.find(a)] = 1.0
    return x
''',
        expect="str.find returns -1",
    ),
    dict(
        name="one_hot_transposed",
        replaces="one_hot_residues",
        source='''
def one_hot_residues(sequence):
    x = np.zeros((20, len(sequence)), dtype=np.float32)
    for i, a in enumerate(sequence):
        if a in AMINO_ACIDS:
            x[AMINO_ACIDS.index(a), i] = 1.0
    return x
''',
        expect="(L, 20)",
    ),
    dict(
        name="one_hot_float64",
        replaces="one_hot_residues",
        source='''
def one_hot_residues(sequence):
    x = np.zeros((len(sequence), 20))
    for i, a in enumerate(sequence):
        if a in AMINO_ACIDS:
            x[i, AMINO_ACIDS.index(a)] = 1.0
    return x
''',
        expect="float32",
    ),
    # ------------------------------------------------------------------ sliding_windows
    dict(
        name="windows_np_roll_wraps_around",
        replaces="sliding_windows",
        source='''
def sliding_windows(x, w):
    L = x.shape[0]
    half = w // 2
    padded = np.concatenate([x, np.zeros((L, 1), dtype=np.float32)], axis=1)
    return np.stack([np.roll(padded, half - j, axis=0) for j in range(w)], axis=1).astype(np.float32)
''',
        expect="wrap around",
    ),
    dict(
        name="windows_float64",
        replaces="sliding_windows",
        edit=[
            ("padded = np.zeros((L + 2 * half, n_amino + 1), dtype=np.float32)",
             "padded = np.zeros((L + 2 * half, n_amino + 1))"),
        ],
        expect="whatever the dtype of x",
    ),
    dict(
        name="windows_without_spacer",
        replaces="sliding_windows",
        source='''
def sliding_windows(x, w):
    L, n = x.shape
    half = w // 2
    padded = np.zeros((L + 2 * half, n + 1), dtype=np.float32)
    padded[half:half + L, :n] = x
    return np.stack([padded[j:j + L] for j in range(w)], axis=1)
''',
        expect="spacer",
    ),
    dict(
        name="windows_start_at_residue",
        replaces="sliding_windows",
        source='''
def sliding_windows(x, w):
    L, n = x.shape
    padded = np.zeros((L + w, n + 1), dtype=np.float32)
    padded[:, n] = 1.0
    padded[:L, :n] = x
    padded[:L, n] = 0.0
    return np.stack([padded[j:j + L] for j in range(w)], axis=1)
''',
        expect="centred",
    ),
    dict(
        name="windows_axes_w_and_units_swapped",
        replaces="sliding_windows",
        source='''
def sliding_windows(x, w):
    L, n = x.shape
    half = w // 2
    padded = np.zeros((L + 2 * half, n + 1), dtype=np.float32)
    padded[:, n] = 1.0
    padded[half:half + L, :n] = x
    padded[half:half + L, n] = 0.0
    return np.stack([padded[j:j + L] for j in range(w)], axis=2)
''',
        expect="(L, w, 21)",
    ),
    dict(
        name="windows_spacer_only_on_the_left",
        replaces="sliding_windows",
        source='''
def sliding_windows(x, w):
    L, n = x.shape
    half = w // 2
    padded = np.zeros((L + 2 * half, n + 1), dtype=np.float32)
    padded[:half, n] = 1.0
    padded[half:half + L, :n] = x
    return np.stack([padded[j:j + L] for j in range(w)], axis=1)
''',
        expect="beyond either end",
    ),
    # ------------------------------------------------------------------ q3_accuracy
    dict(
        name="q3_counts_the_padding",
        replaces="q3_accuracy",
        source='''
def q3_accuracy(pred, true, mask):
    return float((np.asarray(pred) == np.asarray(true)).mean())
''',
        expect="counts the padding",
    ),
    dict(
        name="q3_divides_by_all_positions",
        replaces="q3_accuracy",
        source='''
def q3_accuracy(pred, true, mask):
    mask = np.asarray(mask, dtype=bool)
    return float(((np.asarray(pred) == np.asarray(true)) & mask).sum() / mask.size)
''',
        expect="number of real residues",
    ),
    # ------------------------------------------------------------------ confusion_matrix_3
    dict(
        name="confusion_rows_are_predictions",
        replaces="confusion_matrix_3",
        source='''
def confusion_matrix_3(pred, true, mask):
    mask = np.asarray(mask, dtype=bool)
    counts = np.zeros((3, 3), dtype=np.int64)
    np.add.at(counts, (np.asarray(pred)[mask], np.asarray(true)[mask]), 1)
    return counts
''',
        expect="transposed",
    ),
    dict(
        name="confusion_ignores_the_mask",
        replaces="confusion_matrix_3",
        source='''
def confusion_matrix_3(pred, true, mask):
    counts = np.zeros((3, 3), dtype=np.int64)
    np.add.at(counts, (np.asarray(true).ravel(), np.asarray(pred).ravel()), 1)
    return counts
''',
        expect="padding positions must be left out",
    ),
    dict(
        name="confusion_row_normalised",
        replaces="confusion_matrix_3",
        source='''
def confusion_matrix_3(pred, true, mask):
    mask = np.asarray(mask, dtype=bool)
    counts = np.zeros((3, 3))
    np.add.at(counts, (np.asarray(true)[mask], np.asarray(pred)[mask]), 1)
    return counts / counts.sum(axis=1, keepdims=True)
''',
        expect="fractions",
    ),
    # ------------------------------------------------------------------ masked_cross_entropy
    dict(
        name="mce_mean_over_all_positions",
        replaces="masked_cross_entropy",
        source='''
def masked_cross_entropy(logits, targets, mask):
    safe = torch.where(mask, targets, torch.zeros_like(targets))
    per = F.cross_entropy(logits.transpose(1, 2), safe, reduction="none")      # (B, T)
    return (per * mask).sum() / mask.numel()
''',
        expect="divides by all",
    ),
    dict(
        name="mce_sum_not_mean",
        replaces="masked_cross_entropy",
        source='''
def masked_cross_entropy(logits, targets, mask):
    return F.cross_entropy(logits[mask], targets[mask], reduction="sum")
''',
        expect="return the mean",
    ),
    dict(
        name="mce_relies_on_ignore_index",
        replaces="masked_cross_entropy",
        source='''
def masked_cross_entropy(logits, targets, mask):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
''',
        expect="any value",
    ),
    dict(
        name="mce_softmax_over_time",
        replaces="masked_cross_entropy",
        source='''
def masked_cross_entropy(logits, targets, mask):
    log_probs = F.log_softmax(logits, dim=1)                                 # over T, not over the classes
    picked = log_probs[mask].gather(1, targets[mask][:, None])[:, 0]
    return -picked.mean()
''',
        expect="class axis",
    ),
    dict(
        name="mce_exp_overflows_at_the_padding",
        replaces="masked_cross_entropy",
        source='''
def masked_cross_entropy(logits, targets, mask):
    probs = torch.exp(logits) / torch.exp(logits).sum(dim=-1, keepdim=True)     # inf / inf at the padding
    safe = torch.where(mask, targets, torch.zeros_like(targets))
    picked = torch.log(probs.gather(2, safe[..., None])[..., 0])
    return -(picked * mask).sum() / mask.sum()
''',
        expect="huge garbage",
    ),
    dict(
        name="mce_log_of_softmax",
        replaces="masked_cross_entropy",
        source='''
def masked_cross_entropy(logits, targets, mask):
    probs = torch.softmax(logits[mask], dim=-1)                        # (N, C)
    picked = probs.gather(1, targets[mask][:, None])[:, 0]             # underflows to 0 when confident and wrong
    return -torch.log(picked).mean()
''',
        expect="Work in log space",
    ),
]
