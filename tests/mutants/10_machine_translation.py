"""Real student mistakes for 10_machine_translation (teacher forcing, the attention step, greedy
decoding, beam search).

Each mutant redefines one graded function of
solutions/10_machine_translation/10_machine_translation.ipynb the way a student gets it wrong.
`expect` is text that must appear in the message of a failing test cell: the hint that names
the mistake. `np`, `torch`, `F`, `BOS`, `EOS` and `PAD` come from the notebook's setup cell.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # ------------------------------------------------------------------ teacher_forcing_batch
    dict(
        name="teacher_forcing_leaks_the_target",
        replaces="teacher_forcing_batch",
        source='''
def teacher_forcing_batch(targets, lengths):
    B, L = targets.shape
    dec_out = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_out[:, :L] = targets
    dec_out[np.arange(B), lengths] = EOS
    dec_in = dec_out.copy()                       # "the decoder sees the sentence it translates"
    mask = np.arange(L + 1)[None, :] <= np.asarray(lengths)[:, None]
    return dec_in, dec_out, mask
''',
        expect="leaks the target",
    ),
    dict(
        name="teacher_forcing_without_shift",
        replaces="teacher_forcing_batch",
        source='''
def teacher_forcing_batch(targets, lengths):
    B, L = targets.shape
    dec_in = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_in[:, :L] = targets                       # BOS forgotten: y_t is fed at step t
    dec_out = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_out[:, :L] = targets
    dec_out[np.arange(B), lengths] = EOS
    mask = np.arange(L + 1)[None, :] <= np.asarray(lengths)[:, None]
    return dec_in, dec_out, mask
''',
        expect="shift the targets right by one",
    ),
    dict(
        name="teacher_forcing_eos_at_row_end",
        replaces="teacher_forcing_batch",
        source='''
def teacher_forcing_batch(targets, lengths):
    B, L = targets.shape
    dec_in = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_in[:, 0] = BOS
    dec_in[:, 1:] = targets
    dec_out = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_out[:, :L] = targets
    dec_out[:, L] = EOS                           # EOS after the padding, not after the sentence
    mask = np.arange(L + 1)[None, :] <= np.asarray(lengths)[:, None]
    return dec_in, dec_out, mask
''',
        expect="right after the last real token",
    ),
    dict(
        name="teacher_forcing_mask_without_eos",
        replaces="teacher_forcing_batch",
        source='''
def teacher_forcing_batch(targets, lengths):
    B, L = targets.shape
    dec_in = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_in[:, 0] = BOS
    dec_in[:, 1:] = targets
    dec_out = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_out[:, :L] = targets
    dec_out[np.arange(B), lengths] = EOS
    mask = np.arange(L + 1)[None, :] < np.asarray(lengths)[:, None]     # the words only
    return dec_in, dec_out, mask
''',
        expect="leaves out the EOS position",
    ),
    dict(
        name="teacher_forcing_mask_scores_padding",
        replaces="teacher_forcing_batch",
        source='''
def teacher_forcing_batch(targets, lengths):
    B, L = targets.shape
    dec_in = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_in[:, 0] = BOS
    dec_in[:, 1:] = targets
    dec_out = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_out[:, :L] = targets
    dec_out[np.arange(B), lengths] = EOS
    mask = np.ones((B, L + 1), dtype=bool)        # every position scored
    return dec_in, dec_out, mask
''',
        expect="padding positions",
    ),
    dict(
        name="teacher_forcing_input_is_shifted_output",   # dec_in = [BOS] + dec_out[:, :L]: EOS fed after short sentences
        replaces="teacher_forcing_batch",
        source='''
def teacher_forcing_batch(targets, lengths):
    B, L = targets.shape
    lengths = np.asarray(lengths)
    dec_out = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_out[:, :L] = targets
    dec_out[np.arange(B), lengths] = EOS
    dec_in = np.full((B, L + 1), PAD, dtype=np.int64)
    dec_in[:, 0] = BOS
    dec_in[:, 1:] = dec_out[:, :L]                    # the output shifted right by one
    mask = np.arange(L + 1)[None, :] <= lengths[:, None]
    return dec_in, dec_out, mask
''',
        expect="EOS is only ever predicted, never fed",
    ),
    dict(
        name="teacher_forcing_output_prefilled_with_eos",  # a second EOS at the end of every short row
        replaces="teacher_forcing_batch",
        edit=[("dec_out = np.full((B, L + 1), PAD, dtype=np.int64)",
               "dec_out = np.full((B, L + 1), EOS, dtype=np.int64)")],
        expect="holds a second EOS",
    ),
    # ------------------------------------------------------------------ attention_step
    dict(
        name="attention_softmax_over_batch",
        replaces="attention_step",
        edit=[
            # weights not normalised over the source
            ("weights = torch.softmax(scores, dim=1)", "weights = torch.softmax(scores, dim=0)"),
        ],
        expect="over the source positions",
    ),
    dict(
        name="attention_without_mask",
        replaces="attention_step",
        edit=[
            # padding attended like a word
            ('scores = scores.masked_fill(~src_mask, float("-inf"))', ""),
        ],
        expect="padded source positions",
    ),
    dict(
        name="attention_mask_multiplied_into_scores",
        replaces="attention_step",
        edit=[
            # score 0 is not "no weight"
            ("query, W_a, keys)", "query, W_a, keys) * src_mask"),
            ('scores = scores.masked_fill(~src_mask, float("-inf"))', ""),
        ],
        expect="mask the padded scores before the softmax",
    ),
    dict(
        name="attention_mask_after_softmax",
        replaces="attention_step",
        edit=[
            # zeroed afterwards, not renormalised
            ('scores = scores.masked_fill(~src_mask, float("-inf"))\n'
             "    weights = torch.softmax(scores, dim=1)",
             "weights = torch.softmax(scores, dim=1) * src_mask"),
        ],
        expect="not to 1",
    ),
    dict(
        name="attention_W_a_transposed",
        replaces="attention_step",
        edit=[
            # hbar^T W_a h
            ('scores = torch.einsum("bi,ij,bsj->bs", query, W_a, keys)',
             'scores = torch.einsum("bsi,ij,bj->bs", keys, W_a, query)'),
        ],
        expect="W_a transposed",
    ),
    dict(
        name="attention_bmm_squeeze_drops_batch",
        replaces="attention_step",
        source='''
def attention_step(query, keys, src_mask, W_a):
    scores = torch.bmm(keys, (query @ W_a).unsqueeze(2)).squeeze()      # squeeze() drops B = 1 too
    scores = scores.masked_fill(~src_mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    context = torch.bmm(weights.unsqueeze(1), keys).squeeze()
    return context, weights
''',
        expect="squeeze",
    ),
    dict(
        name="attention_context_summed_over_features",
        replaces="attention_step",
        edit=[
            # wrong axis: (B, S)
            ('context = torch.einsum("bs,bsh->bh", weights, keys)',
             "context = (weights[:, :, None] * keys).sum(dim=2)"),
        ],
        expect="over the source axis",
    ),
    # ------------------------------------------------------------------ greedy_decode
    dict(
        name="greedy_feeds_bos_every_step",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, state, max_len):
    B = state[0].shape[0]
    bos = torch.full((B,), BOS, dtype=torch.long)
    sequences, finished = [[] for _ in range(B)], [False] * B
    for _ in range(max_len):
        log_probs, state = step(bos, state)               # the prediction is never fed back
        tokens = log_probs.argmax(dim=-1)
        for b, token in enumerate(tokens.tolist()):
            if not finished[b]:
                if token == EOS:
                    finished[b] = True
                else:
                    sequences[b].append(token)
        if all(finished):
            break
    return sequences
''',
        expect="feeds back its own previous",
    ),
    dict(
        name="greedy_initial_state_every_step",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, state, max_len):
    B = state[0].shape[0]
    tokens = torch.full((B,), BOS, dtype=torch.long)
    sequences, finished = [[] for _ in range(B)], [False] * B
    for _ in range(max_len):
        log_probs, _ = step(tokens, state)                # the new state is thrown away
        tokens = log_probs.argmax(dim=-1)
        for b, token in enumerate(tokens.tolist()):
            if not finished[b]:
                if token == EOS:
                    finished[b] = True
                else:
                    sequences[b].append(token)
        if all(finished):
            break
    return sequences
''',
        expect="pass the state returned by step",
    ),
    dict(
        name="greedy_stops_when_first_sentence_ends",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, state, max_len):
    B = state[0].shape[0]
    tokens = torch.full((B,), BOS, dtype=torch.long)
    sequences = [[] for _ in range(B)]
    for _ in range(max_len):
        log_probs, state = step(tokens, state)
        tokens = log_probs.argmax(dim=-1)
        if (tokens == EOS).any():                          # one sentence done: stop the batch
            for b, token in enumerate(tokens.tolist()):
                if token != EOS:
                    sequences[b].append(token)
            break
        for b, token in enumerate(tokens.tolist()):
            sequences[b].append(token)
    return sequences
''',
        expect="until every sentence",
    ),
    dict(
        name="greedy_continues_after_eos",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, state, max_len):
    B = state[0].shape[0]
    tokens = torch.full((B,), BOS, dtype=torch.long)
    sequences = [[] for _ in range(B)]
    for _ in range(max_len):
        log_probs, state = step(tokens, state)
        tokens = log_probs.argmax(dim=-1)
        for b, token in enumerate(tokens.tolist()):
            if token != EOS:                               # skips EOS, but keeps what follows it
                sequences[b].append(token)
        if (tokens == EOS).all():
            break
    return sequences
''',
        expect="ends at its first EOS",
    ),
    dict(
        name="greedy_keeps_eos",
        replaces="greedy_decode",
        source='''
def greedy_decode(step, state, max_len):
    B = state[0].shape[0]
    tokens = torch.full((B,), BOS, dtype=torch.long)
    sequences, finished = [[] for _ in range(B)], [False] * B
    for _ in range(max_len):
        log_probs, state = step(tokens, state)
        tokens = log_probs.argmax(dim=-1)
        for b, token in enumerate(tokens.tolist()):
            if not finished[b]:
                sequences[b].append(token)                 # EOS included
                finished[b] = token == EOS
        if all(finished):
            break
    return sequences
''',
        expect="leave EOS out",
    ),
    # ------------------------------------------------------------------ beam_search
    dict(
        name="beam_never_ends_hypotheses",
        replaces="beam_search",
        source='''
def beam_search(step, state, beam_size, max_len):
    live, scores = [[]], torch.zeros(1, dtype=torch.float64)
    last = torch.full((1,), BOS, dtype=torch.long)
    for _ in range(max_len):
        log_probs, state = step(last, state)
        V = log_probs.shape[1]
        best, flat = (scores[:, None] + log_probs.double()).flatten().topk(min(beam_size, scores.numel() * V))
        rows = [i // V for i in flat.tolist()]
        toks = [i % V for i in flat.tolist()]
        live = [live[k] + [t] for k, t in zip(rows, toks)]       # EOS hypotheses are extended too
        scores, last = best, torch.tensor(toks)
        state = tuple(s[torch.tensor(rows)] for s in state)
    k = int(scores.argmax())
    tokens = live[k][:live[k].index(EOS)] if EOS in live[k] else live[k]
    return tokens, float(scores[k])
''',
        expect="never extend it",
    ),
    dict(
        name="beam_state_not_reordered",
        replaces="beam_search",
        source='''
def beam_search(step, state, beam_size, max_len):
    live, scores = [[]], torch.zeros(1, dtype=torch.float64)
    last = torch.full((1,), BOS, dtype=torch.long)
    finished = []
    for _ in range(max_len):
        log_probs, state = step(last, state)
        V = log_probs.shape[1]
        best, flat = (scores[:, None] + log_probs.double()).flatten().topk(min(beam_size, scores.numel() * V))
        rows, toks, keep = [], [], []
        for score, index in zip(best.tolist(), flat.tolist()):
            k, t = divmod(index, V)
            if t == EOS:
                finished.append((live[k], score))
            else:
                rows.append(k); toks.append(t); keep.append(score)
        if not rows:
            break
        live = [live[k] + [t] for k, t in zip(rows, toks)]
        scores, last = torch.tensor(keep, dtype=torch.float64), torch.tensor(toks)
        # the state is cut to the new number of hypotheses, but not reordered with them
        state = tuple(s[torch.arange(len(rows)) % s.shape[0]] for s in state)
    else:
        finished += list(zip(live, scores.tolist()))
    return max(finished, key=lambda f: f[1])
''',
        expect="reorder the state",
    ),
    dict(
        name="beam_scores_not_accumulated",
        replaces="beam_search",
        source='''
def beam_search(step, state, beam_size, max_len):
    live, scores = [[]], torch.zeros(1, dtype=torch.float64)
    last = torch.full((1,), BOS, dtype=torch.long)
    finished = []
    for _ in range(max_len):
        log_probs, state = step(last, state)
        V = log_probs.shape[1]
        best, flat = log_probs.double().flatten().topk(min(beam_size, log_probs.numel()))   # last token only
        rows, toks, keep = [], [], []
        for score, index in zip(best.tolist(), flat.tolist()):
            k, t = divmod(index, V)
            if t == EOS:
                finished.append((live[k], score))
            else:
                rows.append(k); toks.append(t); keep.append(score)
        if not rows:
            break
        live = [live[k] + [t] for k, t in zip(rows, toks)]
        scores, last = torch.tensor(keep, dtype=torch.float64), torch.tensor(toks)
        state = tuple(s[torch.tensor(rows)] for s in state)
    else:
        finished += list(zip(live, scores.tolist()))
    return max(finished, key=lambda f: f[1])
''',
        expect="sum of the log-probs",
    ),
    dict(
        name="beam_topk_per_hypothesis_in_row_order",
        replaces="beam_search",
        source='''
def beam_search(step, state, beam_size, max_len):
    live, scores = [[]], torch.zeros(1, dtype=torch.float64)
    last = torch.full((1,), BOS, dtype=torch.long)
    finished = []
    for _ in range(max_len):
        log_probs, state = step(last, state)
        total = scores[:, None] + log_probs.double()
        best, idx = total.topk(min(beam_size, total.shape[1]), dim=1)   # top-k of each hypothesis ...
        cands = [(float(best[k, j]), k, int(idx[k, j])) for k in range(total.shape[0]) for j in range(best.shape[1])]
        cands = cands[:beam_size]                                        # ... first k in row order
        rows, toks, keep = [], [], []
        for score, k, t in cands:
            if t == EOS:
                finished.append((live[k], score))
            else:
                rows.append(k); toks.append(t); keep.append(score)
        if not rows:
            break
        live = [live[k] + [t] for k, t in zip(rows, toks)]
        scores, last = torch.tensor(keep, dtype=torch.float64), torch.tensor(toks)
        state = tuple(s[torch.tensor(rows)] for s in state)
    else:
        finished += list(zip(live, scores.tolist()))
    return max(finished, key=lambda f: f[1])
''',
        expect="over all hypotheses x tokens at once",
    ),
    dict(
        name="beam_returns_first_finished",
        replaces="beam_search",
        source='''
def beam_search(step, state, beam_size, max_len):
    live, scores = [[]], torch.zeros(1, dtype=torch.float64)
    last = torch.full((1,), BOS, dtype=torch.long)
    for _ in range(max_len):
        log_probs, state = step(last, state)
        V = log_probs.shape[1]
        best, flat = (scores[:, None] + log_probs.double()).flatten().topk(min(beam_size, scores.numel() * V))
        rows, toks, keep = [], [], []
        for score, index in zip(best.tolist(), flat.tolist()):
            k, t = divmod(index, V)
            if t == EOS:
                return live[k], score                      # the first hypothesis to end wins
            rows.append(k); toks.append(t); keep.append(score)
        live = [live[k] + [t] for k, t in zip(rows, toks)]
        scores, last = torch.tensor(keep, dtype=torch.float64), torch.tensor(toks)
        state = tuple(s[torch.tensor(rows)] for s in state)
    k = int(scores.argmax())
    return live[k], float(scores[k])
''',
        expect="goes on after the first one finishes",
    ),
    dict(
        name="beam_keeps_eos_in_tokens",
        replaces="beam_search",
        source='''
def beam_search(step, state, beam_size, max_len):
    live, scores = [[]], torch.zeros(1, dtype=torch.float64)
    last = torch.full((1,), BOS, dtype=torch.long)
    finished = []
    for _ in range(max_len):
        log_probs, state = step(last, state)
        V = log_probs.shape[1]
        best, flat = (scores[:, None] + log_probs.double()).flatten().topk(min(beam_size, scores.numel() * V))
        rows, toks, keep = [], [], []
        for score, index in zip(best.tolist(), flat.tolist()):
            k, t = divmod(index, V)
            if t == EOS:
                finished.append((live[k] + [EOS], score))  # EOS left in the answer
            else:
                rows.append(k); toks.append(t); keep.append(score)
        if not rows:
            break
        live = [live[k] + [t] for k, t in zip(rows, toks)]
        scores, last = torch.tensor(keep, dtype=torch.float64), torch.tensor(toks)
        state = tuple(s[torch.tensor(rows)] for s in state)
    else:
        finished += list(zip(live, scores.tolist()))
    return max(finished, key=lambda f: f[1])
''',
        expect="without the EOS",
    ),
]
