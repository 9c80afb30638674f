"""Real student mistakes for 09_language_modeling (stream layout, shifted BPTT windows, bits per
character, truncated BPTT with the state carried and detached, sampling with a temperature).

Each mutant redefines one graded function of
solutions/09_language_modeling/09_language_modeling.ipynb. `expect` is text that must appear in
the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).
"""

MUTANTS = [
    # ------------------------------------------------------------------ stream_layout
    dict(
        name="streams_interleaved",
        replaces="stream_layout",
        source='''
def stream_layout(ids, batch_size):
    n = len(ids) // batch_size
    return np.asarray(ids)[:n * batch_size].reshape(n, batch_size).T
''',
        expect="interleaved",
    ),
    dict(
        name="streams_remainder_dropped_at_start",
        replaces="stream_layout",
        source='''
def stream_layout(ids, batch_size):
    n = len(ids) // batch_size
    return np.asarray(ids)[len(ids) - n * batch_size:].reshape(batch_size, n)
''',
        expect="drop the remainder at the END",
    ),
    dict(
        name="streams_preallocated_as_int64",            # np.zeros((B, n), dtype=int): int32 ids come back int64
        replaces="stream_layout",
        source='''
def stream_layout(ids, batch_size):
    n = len(ids) // batch_size
    streams = np.zeros((batch_size, n), dtype=int)
    for b in range(batch_size):
        streams[b] = ids[b * n:(b + 1) * n]
    return streams
''',
        expect="keep the dtype of ids",
    ),
    dict(
        name="streams_transposed",
        replaces="stream_layout",
        source='''
def stream_layout(ids, batch_size):
    n = len(ids) // batch_size
    return np.asarray(ids)[:n * batch_size].reshape(batch_size, n).T
''',
        expect="one row per stream",
    ),
    # ------------------------------------------------------------------ bptt_windows
    dict(
        name="targets_not_shifted",
        replaces="bptt_windows",
        source='''
def bptt_windows(streams, seq_len):
    n = streams.shape[1]
    windows = []
    for s in range(0, n - 1, seq_len):
        length = min(seq_len, n - 1 - s)
        windows.append((streams[:, s:s + length], streams[:, s:s + length]))
    return windows
''',
        expect="not shifted",
    ),
    dict(
        name="inputs_and_targets_swapped",
        replaces="bptt_windows",
        source='''
def bptt_windows(streams, seq_len):
    n = streams.shape[1]
    windows = []
    for s in range(0, n - 1, seq_len):
        length = min(seq_len, n - 1 - s)
        windows.append((streams[:, s + 1:s + 1 + length], streams[:, s:s + length]))
    return windows
''',
        expect="swapped",
    ),
    dict(
        name="windows_overlap_stride_one",
        replaces="bptt_windows",
        source='''
def bptt_windows(streams, seq_len):
    n = streams.shape[1]
    return [(streams[:, s:s + seq_len], streams[:, s + 1:s + 1 + seq_len]) for s in range(n - seq_len)]
''',
        expect="overlap",
    ),
    dict(
        name="windows_step_skips_a_character",
        replaces="bptt_windows",
        source='''
def bptt_windows(streams, seq_len):
    n = streams.shape[1]
    windows = []
    for s in range(0, n - 1, seq_len + 1):
        length = min(seq_len, n - 1 - s)
        windows.append((streams[:, s:s + length], streams[:, s + 1:s + 1 + length]))
    return windows
''',
        expect="skips a character",
    ),
    dict(
        name="last_short_window_dropped",
        replaces="bptt_windows",
        source='''
def bptt_windows(streams, seq_len):
    n = streams.shape[1]
    return [(streams[:, s:s + seq_len], streams[:, s + 1:s + 1 + seq_len]) for s in range(0, n - seq_len, seq_len)]
''',
        expect="Keep the last, shorter window",
    ),
    dict(
        name="windows_run_to_the_last_column",           # s < n instead of s < n - 1: an empty last window
        replaces="bptt_windows",
        edit=[("for start in range(0, n - 1, seq_len):", "for start in range(0, n, seq_len):")],
        expect="while s < n - 1",
    ),
    dict(
        name="last_window_inputs_not_trimmed",
        replaces="bptt_windows",
        source='''
def bptt_windows(streams, seq_len):
    n = streams.shape[1]
    return [(streams[:, s:s + seq_len], streams[:, s + 1:s + 1 + seq_len]) for s in range(0, n - 1, seq_len)]
''',
        expect="differ in shape",
    ),
    # ------------------------------------------------------------------ bits_per_char
    dict(
        name="bpc_in_nats",
        replaces="bits_per_char",
        source='''
def bits_per_char(logits, targets):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
''',
        expect="ln 2",
    ),
    dict(
        name="bpc_classes_on_the_wrong_axis",
        replaces="bits_per_char",
        source='''
def bits_per_char(logits, targets):
    return F.cross_entropy(logits, targets) / math.log(2)
''',
        expect="on axis 1",
    ),
    dict(
        name="bpc_log_of_softmax_underflows",
        replaces="bits_per_char",
        source='''
def bits_per_char(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    return -torch.log2(probs.gather(-1, targets[..., None])).mean()
''',
        expect="log_softmax",
    ),
    dict(
        name="bpc_summed_not_averaged",
        replaces="bits_per_char",
        source='''
def bits_per_char(logits, targets):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="sum") / math.log(2)
''',
        expect="SUM over",
    ),
    dict(
        name="bpc_returns_a_float",
        replaces="bits_per_char",
        source='''
def bits_per_char(logits, targets):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)).item() / math.log(2)
''',
        expect="must return a torch tensor",
    ),
    # ------------------------------------------------------------------ train_tbptt
    dict(
        name="state_not_detached",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    state, losses = None, []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, state = model(x, state)
        optimizer.zero_grad()
        loss = bits_per_char(logits, y)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(float(loss))
    return losses
''',
        expect="not detached",
    ),
    dict(
        name="state_not_detached_retain_graph",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    state, losses = None, []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, state = model(x, state)
        optimizer.zero_grad()
        loss = bits_per_char(logits, y)
        loss.backward(retain_graph=True)          # "fixes" the error instead of detaching
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(float(loss))
    return losses
''',
        expect="not detached",
    ),
    dict(
        name="state_reset_every_window",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    losses = []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, _ = model(x, None)
        optimizer.zero_grad()
        loss = bits_per_char(logits, y)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(float(loss))
    return losses
''',
        expect="not carried",
    ),
    dict(
        name="detach_called_on_the_tuple",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    state, losses = None, []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, state = model(x, state)
        optimizer.zero_grad()
        loss = bits_per_char(logits, y)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        state = state.detach()
        losses.append(float(loss))
    return losses
''',
        expect="detach each",
    ),
    dict(
        name="gradients_never_zeroed",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    state, losses = None, []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, state = model(x, state)
        loss = bits_per_char(logits, y)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        state = tuple(s.detach() for s in state)
        losses.append(float(loss))
    return losses
''',
        expect="without optimizer.zero_grad()",
    ),
    dict(
        name="clipped_before_backward",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    state, losses = None, []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, state = model(x, state)
        optimizer.zero_grad()
        loss = bits_per_char(logits, y)
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        loss.backward()
        optimizer.step()
        state = tuple(s.detach() for s in state)
        losses.append(float(loss))
    return losses
''',
        expect="without gradient clipping",
    ),
    dict(
        name="losses_kept_as_tensors",
        replaces="train_tbptt",
        source='''
def train_tbptt(model, windows, optimizer, clip=1.0):
    device = next(model.parameters()).device
    model.train()
    state, losses = None, []
    for inputs, targets in windows:
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.long, device=device)
        y = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
        logits, state = model(x, state)
        optimizer.zero_grad()
        loss = bits_per_char(logits, y)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        state = tuple(s.detach() for s in state)
        losses.append(loss)
    return losses
''',
        expect="Python floats",
    ),
    # ------------------------------------------------------------------ sample
    dict(
        name="temperature_multiplies_the_logits",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            last = logits[0, -1].double().cpu()
            if temperature == 0:
                nxt = int(torch.argmax(last))
            else:
                nxt = int(torch.multinomial(torch.softmax(last * temperature, dim=-1), 1, generator=generator))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="do not multiply",
    ),
    dict(
        name="temperature_divides_the_probabilities",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            last = logits[0, -1].double().cpu()
            if temperature == 0:
                nxt = int(torch.argmax(last))
            else:
                nxt = int(torch.multinomial(torch.softmax(last, dim=-1) / temperature, 1, generator=generator))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="divide the LOGITS",
    ),
    dict(
        name="always_argmax",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            nxt = int(torch.argmax(logits[0, -1] / max(temperature, 1e-8)))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="every draw is the argmax",
    ),
    dict(
        name="temperature_zero_divides_by_zero",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            probs = torch.softmax(logits[0, -1].double().cpu() / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=generator))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="temperature 0 means greedy",
    ),
    dict(
        name="next_char_from_first_prompt_position",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            last = logits[0, 0].double().cpu()
            if temperature == 0:
                nxt = int(torch.argmax(last))
            else:
                nxt = int(torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="LAST position",
    ),
    dict(
        name="sample_state_not_carried",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            last = logits[0, -1].double().cpu()
            if temperature == 0:
                nxt = int(torch.argmax(last))
            else:
                nxt = int(torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator))
            out.append(nxt)
            logits, _ = model(torch.tensor([[nxt]], device=device), None)
    return np.array(out, dtype=np.int64)
''',
        expect="state is not carried",
    ),
    dict(
        name="sample_not_fed_back",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None]
        logits, state = model(x, None)
        for _ in range(n_chars):
            last = logits[0, -1].double().cpu()
            if temperature == 0:
                nxt = int(torch.argmax(last))
            else:
                nxt = int(torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator))
            out.append(nxt)
            logits, state = model(x[:, -1:], state)        # the last prompt character again
    return np.array(out, dtype=np.int64)
''',
        expect="feed each generated character back",
    ),
    dict(
        name="sample_ignores_the_generator",
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None], None)
        for _ in range(n_chars):
            last = logits[0, -1].double().cpu()
            if temperature == 0:
                nxt = int(torch.argmax(last))
            else:
                nxt = int(torch.multinomial(torch.softmax(last / temperature, dim=-1), 1))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="seeded alike",
    ),
    dict(
        name="sample_empty_result_is_float",              # np.array([]) is float64 when n_chars = 0
        replaces="sample",
        edit=[("return np.array(out, dtype=np.int64)", "return np.array(out)")],
        expect="np.array([]) is float64",
    ),
    dict(
        name="sample_without_no_grad",                    # every generated step builds a graph
        replaces="sample",
        source='''
def sample(model, prompt_ids, n_chars, temperature=1.0, generator=None):
    device = next(model.parameters()).device
    out = []
    x = torch.as_tensor(np.asarray(prompt_ids), dtype=torch.long, device=device)[None]
    logits, state = model(x, None)
    for _ in range(n_chars):
        last = logits[0, -1].detach().double().cpu()
        if temperature == 0:
            nxt = int(torch.argmax(last))
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=generator))
        out.append(nxt)
        logits, state = model(torch.tensor([[nxt]], device=device), state)
    return np.array(out, dtype=np.int64)
''',
        expect="with gradients enabled",
    ),
]
