"""Real student mistakes for 08_bidirectional (lstm_forward again, bidirectional LSTM in numpy,
reversing padded sequences, packed bidirectional LSTM in torch).

Each mutant redefines one graded function of solutions/08_bidirectional/08_bidirectional.ipynb.
The bilstm_forward mutants call the reference lstm_forward of the notebook. `expect` is text
that must appear in the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


# The reference LSTM loop, for the lstm_forward mutants.
_LSTM = '''
def lstm_forward(x, h0, c0, params):
    B, T, _ = x.shape
    H = h0.shape[1]
    W_ih, W_hh = params["W_ih"], params["W_hh"]
    b = params["b_ih"] + params["b_hh"]
    hs = np.empty((B, T, H))
    h, c = h0, c0
    for t in range(T):
        a = x[:, t] @ W_ih.T + h @ W_hh.T + b
        i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
        g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs[:, t] = h
    return hs, (h, c), None
'''


def _lstm(old, new):
    assert _LSTM.count(old) == 1, old
    return _LSTM.replace(old, new)


MUTANTS = [
    # ------------------------------------------------------------------ lstm_forward
    dict(
        name="lstm_gate_order_ifog",
        replaces="lstm_forward",
        source=_lstm("g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])",
                     "o, g = sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])"),
        expect="gate order",
    ),
    dict(
        name="lstm_cell_state_not_carried",
        replaces="lstm_forward",
        source=_lstm("c = f * c + i * g", "c = f * c0 + i * g"),
        expect="carry both h and c",
    ),
    dict(
        name="lstm_returns_first_state",
        replaces="lstm_forward",
        source=_lstm("return hs, (h, c), None", "return hs, (hs[:, 0], c), None"),
        expect="state after the last step",
    ),
    # ------------------------------------------------------------------ bilstm_forward
    dict(
        name="bwd_outputs_not_rereversed",
        replaces="bilstm_forward",
        edit=[("hs_b = hs_r[:, ::-1]", "hs_b = hs_r")],
        expect="not re-reversed",
    ),
    dict(
        name="bwd_h_n_from_wrong_end",
        replaces="bilstm_forward",
        edit=[
            ("h_n = np.stack([h_f, h_b])", "h_n = np.stack([h_f, hs_b[:, -1]])"),
        ],
        expect="wrong end",
    ),
    dict(
        name="forward_concatenated_with_itself",
        replaces="bilstm_forward",
        edit=[
            ("hs = np.concatenate([hs_f, hs_b], axis=-1)",
             "hs = np.concatenate([hs_f, hs_f], axis=-1)"),
        ],
        expect="concatenated with itself",
    ),
    dict(
        name="initial_states_of_directions_swapped",
        replaces="bilstm_forward",
        edit=[
            ("lstm_forward(x, h0[0], c0[0], params_fwd)",
             "lstm_forward(x, h0[1], c0[1], params_fwd)"),
            ("lstm_forward(x[:, ::-1], h0[1], c0[1], params_bwd)",
             "lstm_forward(x[:, ::-1], h0[0], c0[0], params_bwd)"),
        ],
        expect="swapped",
    ),
    dict(
        name="concatenation_order_bwd_fwd",
        replaces="bilstm_forward",
        edit=[
            ("hs = np.concatenate([hs_f, hs_b], axis=-1)",
             "hs = np.concatenate([hs_b, hs_f], axis=-1)"),
        ],
        expect="[bwd, fwd]",
    ),
    dict(
        name="params_fwd_for_both_directions",
        replaces="bilstm_forward",
        edit=[
            ("lstm_forward(x[:, ::-1], h0[1], c0[1], params_bwd)",
             "lstm_forward(x[:, ::-1], h0[1], c0[1], params_fwd)"),
        ],
        expect="params_bwd",
    ),
    dict(
        name="h_n_concatenated_to_B_2H",
        replaces="bilstm_forward",
        edit=[
            ("h_n = np.stack([h_f, h_b])", "h_n = np.concatenate([h_f, h_b], axis=-1)"),
            ("c_n = np.stack([c_f, c_b])", "c_n = np.concatenate([c_f, c_b], axis=-1)"),
        ],
        expect="(2, B, H)",
    ),
    dict(
        name="c_n_from_the_forward_direction_twice",
        replaces="bilstm_forward",
        edit=[
            ("c_n = np.stack([c_f, c_b])", "c_n = np.stack([c_f, c_f])"),
        ],
        expect="wrong direction",
    ),
    dict(
        name="backward_ignores_h0",
        replaces="bilstm_forward",
        edit=[
            ("lstm_forward(x[:, ::-1], h0[1], c0[1], params_bwd)",
             "lstm_forward(x[:, ::-1], np.zeros_like(h0[1]), np.zeros_like(c0[1]), params_bwd)"),
        ],
        expect="h0[1], c0[1]",
    ),
    dict(
        name="backward_reads_x_forwards",
        replaces="bilstm_forward",
        edit=[
            # the backward direction reads x forwards ...
            ("hs_r, (h_b, c_b), _ = lstm_forward(x[:, ::-1], h0[1], c0[1], params_bwd)",
             "hs_b, (h_b, c_b), _ = lstm_forward(x, h0[1], c0[1], params_bwd)"),
            # ... and its outputs are not flipped back
            ("hs_b = hs_r[:, ::-1]", ""),
        ],
        expect="backward direction",
    ),
    # ------------------------------------------------------------------ reverse_padded
    dict(
        name="reverse_padded_whole_padded_length",
        replaces="reverse_padded",
        source='''
def reverse_padded(x, lengths):
    return x.flip(1)
''',
        expect="whole padded length",
    ),
    dict(
        name="reverse_padded_zeroes_the_padding",
        replaces="reverse_padded",
        source='''
def reverse_padded(x, lengths):
    out = torch.zeros_like(x)
    for b, L in enumerate(lengths):
        out[b, :L] = x[b, :L].flip(0)
    return out
''',
        expect="padding entries",
    ),
    dict(
        name="reverse_padded_off_by_one",
        replaces="reverse_padded",
        source='''
def reverse_padded(x, lengths):
    B, T = x.shape[:2]
    lengths = torch.as_tensor(lengths).reshape(B, 1)
    t = torch.arange(T).expand(B, T)
    index = torch.where(t < lengths, (lengths - t) % lengths, t)
    return x[torch.arange(B)[:, None], index]
''',
        expect="off-by-one",
    ),
    dict(
        name="reverse_padded_numpy_round_trip",
        replaces="reverse_padded",
        source='''
def reverse_padded(x, lengths):
    a = x.detach().numpy().copy()
    for b, L in enumerate(lengths):
        a[b, :L] = a[b, :L][::-1]
    return torch.from_numpy(a)
''',
        expect="numpy round trip",
    ),
    # ------------------------------------------------------------------ bilstm_packed
    dict(
        name="packed_reverse_pass_over_padding",
        replaces="bilstm_packed",
        source='''
def bilstm_packed(lstm, x, lengths):
    lengths = torch.as_tensor(lengths)
    out, (h_n, _) = lstm(x)
    mask = (torch.arange(x.shape[1])[None, :] < lengths[:, None]).to(out.dtype)
    return out * mask[..., None], h_n
''',
        expect="true end",
    ),
    dict(
        name="packed_without_total_length",
        replaces="bilstm_packed",
        edit=[
            ("pad_packed_sequence(out_packed, batch_first=True, total_length=x.shape[1])",
             "pad_packed_sequence(out_packed, batch_first=True)"),
        ],
        expect="total_length",
    ),
    dict(
        name="packed_sorted_by_hand_never_unsorted",
        replaces="bilstm_packed",
        edit=[
            ("packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)",
             "order = torch.argsort(lengths, descending=True)\n"
             "    packed = pack_padded_sequence(x[order], lengths[order], batch_first=True)"),
        ],
        expect="batch order",
    ),
    dict(
        name="packed_h_n_read_from_last_padded_step",
        replaces="bilstm_packed",
        edit=[
            ("out_packed, (h_n, _) = lstm(packed)", "out_packed, _ = lstm(packed)"),
            ("out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=x.shape[1])",
             "out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=x.shape[1])\n"
             "    H = lstm.hidden_size\n"
             "    h_n = torch.stack([out[:, -1, :H], out[:, 0, H:]])"),
        ],
        expect="lengths[b] - 1",
    ),
    dict(
        name="packed_h_n_from_padded_run",
        replaces="bilstm_packed",
        edit=[
            ("out_packed, (h_n, _) = lstm(packed)", "out_packed, _ = lstm(packed)"),
            ("out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=x.shape[1])",
             "out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=x.shape[1])\n"
             "    _, (h_n, _) = lstm(x)"),
        ],
        expect="padded batch",
    ),
]
