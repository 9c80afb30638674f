"""Real student mistakes for 14_image_captioning (teacher forcing, the caption loss, greedy
decoding, BLEU's modified precision and corpus BLEU).

Each mutant redefines one graded function of
solutions/14_image_captioning/14_image_captioning.ipynb. `expect` is text that must appear in the
message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # ------------------------------------------------------------------ teacher_forced_logits
    dict(
        name="teacher_forcing_leaks_the_target",
        replaces="teacher_forced_logits",
        source='''
def teacher_forced_logits(decoder, features, captions):
    inputs = captions[:, 1:]                 # "the words to predict" fed as inputs: step t sees w_{t+1}
    hs, _ = decoder.lstm(decoder.step_inputs(inputs, features), decoder.initial_state(features))
    return decoder.out(hs)
''',
        expect="leaks the target",
    ),
    dict(
        name="teacher_forcing_whole_caption_as_input",
        replaces="teacher_forced_logits",
        source='''
def teacher_forced_logits(decoder, features, captions):
    hs, _ = decoder.lstm(decoder.step_inputs(captions, features), decoder.initial_state(features))
    return decoder.out(hs)
''',
        expect="captions[:, :-1]",
    ),
    dict(
        name="teacher_forcing_zero_initial_state",
        replaces="teacher_forced_logits",
        source='''
def teacher_forced_logits(decoder, features, captions):
    hs, _ = decoder.lstm(decoder.step_inputs(captions[:, :-1], features))   # state defaults to zeros
    return decoder.out(hs)
''',
        expect="initial_state(features)",
    ),
    dict(
        name="teacher_forcing_returns_probabilities",
        replaces="teacher_forced_logits",
        source='''
def teacher_forced_logits(decoder, features, captions):
    hs, _ = decoder.lstm(decoder.step_inputs(captions[:, :-1], features), decoder.initial_state(features))
    return torch.softmax(decoder.out(hs), dim=-1)
''',
        expect="not probabilities",
    ),
    dict(
        name="teacher_forcing_feeds_own_predictions",
        replaces="teacher_forced_logits",
        source='''
def teacher_forced_logits(decoder, features, captions):
    state = decoder.initial_state(features)
    word, out = captions[:, :1], []
    for t in range(captions.shape[1] - 1):
        h, state = decoder.lstm(decoder.step_inputs(word, features), state)
        logits = decoder.out(h)
        out.append(logits)
        word = logits.argmax(-1)             # free running: its own prediction instead of the true word
    return torch.cat(out, 1)
''',
        expect="own prediction",
    ),
    # ------------------------------------------------------------------ caption_loss
    dict(
        name="loss_targets_not_shifted",
        replaces="caption_loss",
        source='''
def caption_loss(logits, captions):
    targets = captions[:, :-1]               # same length as the logits, but these are the inputs
    mask = targets != PAD
    return F.cross_entropy(logits[mask], targets[mask])
''',
        expect="captions[:, 1:]",
    ),
    dict(
        name="loss_counts_padding",
        replaces="caption_loss",
        source='''
def caption_loss(logits, captions):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), captions[:, 1:].reshape(-1))
''',
        expect="PAD targets",
    ),
    dict(
        name="loss_sum_not_mean",
        replaces="caption_loss",
        source='''
def caption_loss(logits, captions):
    targets = captions[:, 1:]
    mask = targets != PAD
    return F.cross_entropy(logits[mask], targets[mask], reduction="sum")
''',
        expect="return the mean",
    ),
    dict(
        name="loss_log_of_softmax",
        replaces="caption_loss",
        source='''
def caption_loss(logits, captions):
    targets = captions[:, 1:]
    mask = targets != PAD
    probs = torch.softmax(logits[mask], dim=-1)                        # (N, V)
    return -torch.log(probs.gather(1, targets[mask][:, None])).mean()
''',
        expect="Work in log space",
    ),
    # ------------------------------------------------------------------ greedy_caption
    dict(
        name="greedy_always_feeds_bos",
        replaces="greedy_caption",
        source='''
def greedy_caption(decoder, features, max_len):
    B = features.shape[0]
    words = torch.full((B, max_len), PAD, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    bos = torch.full((B, 1), BOS, dtype=torch.long)
    with torch.no_grad():
        state = decoder.initial_state(features)
        for t in range(max_len):
            h, state = decoder.lstm(decoder.step_inputs(bos, features), state)   # BOS every time
            word = decoder.out(h).argmax(-1)
            words[:, t] = word[:, 0].masked_fill(done, PAD)
            done = done | (word[:, 0] == EOS)
    return words
''',
        expect="feeds BOS at every step",
    ),
    dict(
        name="greedy_state_not_carried",
        replaces="greedy_caption",
        source='''
def greedy_caption(decoder, features, max_len):
    B = features.shape[0]
    words = torch.full((B, max_len), PAD, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    word = torch.full((B, 1), BOS, dtype=torch.long)
    with torch.no_grad():
        for t in range(max_len):
            h, _ = decoder.lstm(decoder.step_inputs(word, features), decoder.initial_state(features))
            word = decoder.out(h).argmax(-1)
            words[:, t] = word[:, 0].masked_fill(done, PAD)
            done = done | (word[:, 0] == EOS)
    return words
''',
        expect="must be carried",
    ),
    dict(
        name="greedy_keeps_writing_after_eos",
        replaces="greedy_caption",
        source='''
def greedy_caption(decoder, features, max_len):
    B = features.shape[0]
    words = torch.full((B, max_len), PAD, dtype=torch.long)
    word = torch.full((B, 1), BOS, dtype=torch.long)
    with torch.no_grad():
        state = decoder.initial_state(features)
        for t in range(max_len):
            h, state = decoder.lstm(decoder.step_inputs(word, features), state)
            word = decoder.out(h).argmax(-1)
            words[:, t] = word[:, 0]
    return words
''',
        expect="after EOS every position must be PAD",
    ),
    dict(
        name="greedy_returns_bos",
        replaces="greedy_caption",
        source='''
def greedy_caption(decoder, features, max_len):
    B = features.shape[0]
    words = torch.full((B, max_len + 1), PAD, dtype=torch.long)
    words[:, 0] = BOS
    done = torch.zeros(B, dtype=torch.bool)
    with torch.no_grad():
        state = decoder.initial_state(features)
        for t in range(max_len):
            h, state = decoder.lstm(decoder.step_inputs(words[:, t:t + 1], features), state)
            word = decoder.out(h).argmax(-1)[:, 0]
            words[:, t + 1] = word.masked_fill(done, PAD)
            done = done | (word == EOS)
    return words
''',
        expect="without the BOS",
    ),
    dict(
        name="greedy_samples_instead_of_argmax",
        replaces="greedy_caption",
        source='''
def greedy_caption(decoder, features, max_len):
    B = features.shape[0]
    words = torch.full((B, max_len), PAD, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    word = torch.full((B, 1), BOS, dtype=torch.long)
    with torch.no_grad():
        state = decoder.initial_state(features)
        for t in range(max_len):
            h, state = decoder.lstm(decoder.step_inputs(word, features), state)
            word = torch.multinomial(torch.softmax(decoder.out(h[:, 0]), -1), 1)   # (B, 1), sampled
            words[:, t] = word[:, 0].masked_fill(done, PAD)
            done = done | (word[:, 0] == EOS)
    return words
''',
        expect="no sampling",
    ),
    dict(
        name="greedy_first_eos_at_zero_read_as_none",
        replaces="greedy_caption",
        source='''
def greedy_caption(decoder, features, max_len):
    B = features.shape[0]
    words = torch.full((B, max_len), PAD, dtype=torch.long)
    word = torch.full((B, 1), BOS, dtype=torch.long)
    with torch.no_grad():
        state = decoder.initial_state(features)
        for t in range(max_len):
            h, state = decoder.lstm(decoder.step_inputs(word, features), state)
            word = decoder.out(h).argmax(dim=-1)
            words[:, t] = word[:, 0]
    first = (words == EOS).long().argmax(dim=1)          # the position of the first EOS ...
    first[first == 0] = max_len                          # ... and 0 taken to mean "no EOS in this row"
    words[torch.arange(max_len)[None, :] > first[:, None]] = PAD
    return words
''',
        expect="position 0 is a real EOS position",
    ),
    # ------------------------------------------------------------------ modified_precision
    dict(
        name="precision_without_clipping",
        replaces="modified_precision",
        source='''
def modified_precision(candidate, references, n):
    grams = [tuple(candidate[i:i + n]) for i in range(len(candidate) - n + 1)]
    ref_grams = {tuple(r[i:i + n]) for r in references for i in range(len(r) - n + 1)}
    return sum(g in ref_grams for g in grams), len(grams)
''',
        expect="clip",
    ),
    dict(
        name="precision_clips_to_sum_over_references",
        replaces="modified_precision",
        source='''
def modified_precision(candidate, references, n):
    grams = lambda words: Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    cand = grams(candidate)
    ref_all = Counter()
    for ref in references:
        ref_all += grams(ref)                 # adds the counts of all references
    return sum((cand & ref_all).values()), sum(cand.values())
''',
        expect="not the sum over all references",
    ),
    dict(
        name="precision_misses_last_ngram",
        replaces="modified_precision",
        edit=[("range(len(words) - n + 1)", "range(len(words) - n)")],
        expect="last n-gram",
    ),
    dict(
        name="precision_counts_distinct_ngrams",
        replaces="modified_precision",
        edit=[
            # distinct n-grams, repeats dropped
            ("return sum((cand & ref_max).values()), sum(cand.values())",
             "return sum((cand & ref_max).values()), len(cand)"),
        ],
        expect="repeats included",
    ),
    # ------------------------------------------------------------------ corpus_bleu
    dict(
        name="bleu_mean_of_sentence_scores",
        replaces="corpus_bleu",
        source='''
def corpus_bleu(candidates, references, max_n=4):
    scores = []
    for cand, refs in zip(candidates, references):
        p = [modified_precision(cand, refs, n) for n in range(1, max_n + 1)]
        if any(m == 0 for m, _ in p):
            scores.append(0.0)
            continue
        r = min((abs(len(ref) - len(cand)), len(ref)) for ref in refs)[1]
        bp = 1.0 if len(cand) > r else math.exp(1 - r / len(cand))
        scores.append(bp * math.exp(sum(math.log(m / t) for m, t in p) / max_n))
    return float(np.mean(scores))
''',
        expect="mean of sentence-level scores",
    ),
    dict(
        name="bleu_no_brevity_penalty",
        replaces="corpus_bleu",
        source='''
def corpus_bleu(candidates, references, max_n=4):
    clipped, totals = np.zeros(max_n), np.zeros(max_n)
    for cand, refs in zip(candidates, references):
        for n in range(1, max_n + 1):
            m, t = modified_precision(cand, refs, n)
            clipped[n - 1] += m
            totals[n - 1] += t
    if (clipped == 0).any():
        return 0.0
    return float(math.exp(np.mean(np.log(clipped / totals))))
''',
        expect="no brevity penalty",
    ),
    dict(
        name="bleu_brevity_penalty_upside_down",
        replaces="corpus_bleu",
        source='''
def corpus_bleu(candidates, references, max_n=4):
    clipped, totals = np.zeros(max_n), np.zeros(max_n)
    c = r = 0
    for cand, refs in zip(candidates, references):
        for n in range(1, max_n + 1):
            m, t = modified_precision(cand, refs, n)
            clipped[n - 1] += m
            totals[n - 1] += t
        c += len(cand)
        r += min((abs(len(ref) - len(cand)), len(ref)) for ref in refs)[1]
    if (clipped == 0).any():
        return 0.0
    brevity = 1.0 if c > r else math.exp(1 - c / r)
    return float(brevity * math.exp(np.mean(np.log(clipped / totals))))
''',
        expect="upside down",
    ),
    dict(
        name="bleu_arithmetic_mean",
        replaces="corpus_bleu",
        edit=[
            ("log_precision = np.mean(np.log(clipped / totals))", ""),
            ("return float(brevity * math.exp(log_precision))",
             "return float(brevity * np.mean(clipped / totals))"),
        ],
        expect="geometric",
    ),
    dict(
        name="bleu_shortest_reference",
        replaces="corpus_bleu",
        source='''
def corpus_bleu(candidates, references, max_n=4):
    clipped, totals = np.zeros(max_n), np.zeros(max_n)
    c = r = 0
    for cand, refs in zip(candidates, references):
        for n in range(1, max_n + 1):
            m, t = modified_precision(cand, refs, n)
            clipped[n - 1] += m
            totals[n - 1] += t
        c += len(cand)
        r += min(len(ref) for ref in refs)        # the shortest, not the closest
    if (clipped == 0).any():
        return 0.0
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return float(brevity * math.exp(np.mean(np.log(clipped / totals))))
''',
        expect="closest in length",
    ),
    dict(
        name="bleu_log_of_zero_precision",
        replaces="corpus_bleu",
        source='''
def corpus_bleu(candidates, references, max_n=4):
    clipped, totals = np.zeros(max_n), np.zeros(max_n)
    c = r = 0
    for cand, refs in zip(candidates, references):
        for n in range(1, max_n + 1):
            m, t = modified_precision(cand, refs, n)
            clipped[n - 1] += m
            totals[n - 1] += t
        c += len(cand)
        r += min((abs(len(ref) - len(cand)), len(ref)) for ref in refs)[1]
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return float(brevity * np.exp(np.mean(np.log(clipped / totals))))   # log(0) warns when some p_n = 0
''',
        expect="divide by zero",
    ),
    dict(
        name="bleu_divides_before_the_zero_check",
        replaces="corpus_bleu",
        edit=[
            ("""    if (clipped == 0).any():
        return 0.0
    log_precision = np.mean(np.log(clipped / totals))""",
             """    precision = clipped / totals
    if (precision == 0).any():
        return 0.0
    log_precision = np.mean(np.log(precision))"""),
        ],
        expect="before dividing clipped",
    ),
]
