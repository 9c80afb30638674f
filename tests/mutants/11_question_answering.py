"""Real student mistakes for 11_question_answering (the vocabulary, vectorising stories and
questions, the LSTM reader's token sequence, the masked softmax, one hop of attention).

Each mutant redefines one graded function of
solutions/11_question_answering/11_question_answering.ipynb. `expect` is text that must appear in
the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # ------------------------------------------------------------------ build_vocab
    dict(
        name="vocab_numbered_from_zero",
        replaces="build_vocab",
        edit=[
            ("return {word: i for i, word in enumerate(sorted(words), start=1)}",
             "return {word: i for i, word in enumerate(sorted(words))}"),
        ],
        expect="index 0 is the padding",
    ),
    dict(
        name="vocab_story_words_only",
        replaces="build_vocab",
        source='''
def build_vocab(examples):
    words = sorted({w for example in examples for s in example.story for w in babi.tokenize(s)})
    return {word: i + 1 for i, word in enumerate(words)}
''',
        expect="questions too",
    ),
    dict(
        name="vocab_split_without_tokenize",
        replaces="build_vocab",
        source='''
def build_vocab(examples):
    words = set()
    for example in examples:
        for text in example.story + [example.question, example.answer]:
            words.update(text.split())
    return {word: i + 1 for i, word in enumerate(sorted(words))}
''',
        expect="babi.tokenize",
    ),
    dict(
        name="vocab_in_order_of_appearance",
        replaces="build_vocab",
        source='''
def build_vocab(examples):
    word_index = {}
    for example in examples:
        for text in example.story + [example.question, example.answer]:
            for w in babi.tokenize(text):
                if w not in word_index:
                    word_index[w] = len(word_index) + 1
    return word_index
''',
        expect="alphabetical order",
    ),
    # ------------------------------------------------------------------ vectorize
    dict(
        name="vectorize_keeps_first_sentences",
        replaces="vectorize",
        edit=[
            ("for k, sentence in enumerate(example.story[-n_sentences:]):",
             "for k, sentence in enumerate(example.story[:n_sentences]):"),
        ],
        expect="most recent",
    ),
    dict(
        name="vectorize_latest_sentence_first",
        replaces="vectorize",
        edit=[
            ("for k, sentence in enumerate(example.story[-n_sentences:]):",
             "for k, sentence in enumerate(example.story[::-1][:n_sentences]):"),
        ],
        expect="reverse order",
    ),
    dict(
        name="vectorize_pads_in_front",
        replaces="vectorize",
        edit=[
            ("stories[n, k, :len(words)] = words", "stories[n, k, n_words - len(words):] = words"),
            ("questions[n, :len(words)] = words", "questions[n, n_words - len(words):] = words"),
        ],
        expect="pad at the end",
    ),
    dict(
        name="vectorize_answer_as_location_number",
        replaces="vectorize",
        edit=[
            ("answers[n] = word_index[example.answer]",
             "answers[n] = babi.LOCATIONS.index(example.answer)"),
        ],
        expect="word_index[answer]",
    ),
    dict(
        name="vectorize_answers_int32",
        replaces="vectorize",
        edit=[
            ("answers = np.zeros(N, dtype=np.int64)", "answers = np.zeros(N, dtype=np.int32)"),
        ],
        expect="int64 (long) class targets",
    ),
    # ------------------------------------------------------------------ story_tokens
    dict(
        name="tokens_keep_padding_inside_story",
        replaces="story_tokens",
        source='''
def story_tokens(stories, questions):
    stories, questions = np.asarray(stories), np.asarray(questions)
    N, S, W = stories.shape
    rows = [np.concatenate([s.reshape(-1), q[q > 0]]) for s, q in zip(stories, questions)]
    lengths = np.array([int(np.count_nonzero(r)) for r in rows], dtype=np.int64)
    tokens = np.zeros((N, S * W + W), dtype=np.int64)
    for n, row in enumerate(rows):
        tokens[n, :len(row)] = row
    return tokens, lengths
''',
        expect="drop the padding inside the story",
    ),
    dict(
        name="tokens_question_first",
        replaces="story_tokens",
        edit=[
            ("np.concatenate([s[s > 0], q[q > 0]])", "np.concatenate([q[q > 0], s[s > 0]])"),
        ],
        expect="after the story",
    ),
    dict(
        name="tokens_lengths_are_padded_size",
        replaces="story_tokens",
        source='''
def story_tokens(stories, questions):
    stories, questions = np.asarray(stories), np.asarray(questions)
    rows = [np.concatenate([s[s > 0], q[q > 0]]) for s, q in zip(stories, questions)]
    L = max(len(r) for r in rows)
    tokens = np.zeros((len(rows), L), dtype=np.int64)
    for n, row in enumerate(rows):
        tokens[n, :len(row)] = row
    return tokens, np.full(len(rows), L, dtype=np.int64)
''',
        expect="counts the real tokens",
    ),
    dict(
        name="tokens_keep_the_input_dtype",
        replaces="story_tokens",
        edit=[
            ("tokens = np.zeros((len(rows), lengths.max()), dtype=np.int64)",
             "tokens = np.zeros((len(rows), lengths.max()), dtype=stories.dtype)"),
        ],
        expect="whatever the input dtype",
    ),
    # ------------------------------------------------------------------ masked_softmax
    dict(
        name="softmax_scores_times_mask",
        replaces="masked_softmax",
        source='''
def masked_softmax(scores, mask):
    return torch.softmax(scores * mask, dim=-1)
''',
        expect="exp(0) = 1",
    ),
    dict(
        name="softmax_mask_after_without_renormalising",
        replaces="masked_softmax",
        source='''
def masked_softmax(scores, mask):
    return torch.softmax(scores, dim=-1) * mask
''',
        expect="mask before normalising",
    ),
    dict(
        name="softmax_naive_exp_overflows",
        replaces="masked_softmax",
        source='''
def masked_softmax(scores, mask):
    e = torch.exp(scores) * mask
    return e / e.sum(dim=-1, keepdim=True)
''',
        expect="overflows",
    ),
    dict(
        name="softmax_over_the_batch",
        replaces="masked_softmax",
        source='''
def masked_softmax(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=0)
''',
        expect="over the batch",
    ),
    dict(
        name="softmax_in_numpy",
        replaces="masked_softmax",
        source='''
def masked_softmax(scores, mask):
    s = np.where(mask.numpy(), scores.detach().numpy(), -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
''',
        expect="torch operations",
    ),
    dict(
        name="softmax_additive_mask_minus_1e9",
        replaces="masked_softmax",
        source='''
def masked_softmax(scores, mask):
    return torch.softmax(scores - 1e9 * (~mask).to(scores.dtype), dim=-1)
''',
        expect="is not enough when the padding score is larger",
    ),
    # ------------------------------------------------------------------ attend
    dict(
        name="attend_reads_out_the_keys",
        replaces="attend",
        source='''
def attend(keys, values, query, mask):
    scores = (keys @ query[:, :, None])[:, :, 0]
    p = masked_softmax(scores, mask)
    return (p[:, :, None] * keys).sum(dim=1), p
''',
        expect="weighted sum of the keys",
    ),
    dict(
        name="attend_plain_softmax",
        replaces="attend",
        source='''
def attend(keys, values, query, mask):
    scores = (keys @ query[:, :, None])[:, :, 0]
    p = torch.softmax(scores, dim=-1)
    return (p[:, :, None] * values).sum(dim=1), p
''',
        expect="not a plain softmax",
    ),
    dict(
        name="attend_sums_over_embedding",
        replaces="attend",
        source='''
def attend(keys, values, query, mask):
    scores = (keys @ query[:, :, None])[:, :, 0]
    p = masked_softmax(scores, mask)
    return (p[:, :, None] * values).sum(dim=2), p
''',
        expect="sums over the sentences",
    ),
]
