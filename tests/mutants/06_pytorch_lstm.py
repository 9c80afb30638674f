"""Real student mistakes for 06_pytorch_lstm.

Each mutant redefines one graded function of solutions/06_pytorch_lstm/06_pytorch_lstm.ipynb the
way a student gets it wrong; the mutation harness (autograder.authoring.mutants) checks that
some graded test cell then fails and that its error message contains `expect`. `torch`, `nn`,
`F`, `math`, `pack_padded_sequence` and `pad_packed_sequence` come from the notebook's setup
cell.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).

`ScratchLSTM` is a class, and the harness appends a mutant to the solution cell that defines
the *function* it replaces: the class mutants therefore name `initial_state` (defined in the
same cell as the class) and redefine the class after it.
"""

# --------------------------------------------------------------------------- correct templates

_PACKED = '''
def run_packed(lstm, x_padded, lengths):
    T = x_padded.shape[1]
    packed = pack_padded_sequence(x_padded, lengths.cpu(), batch_first=True, enforce_sorted=False)
    packed_out, (h_n, c_n) = lstm(packed)
    outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=T)
    return outputs, (h_n, c_n)
'''

_LAYER = '''
def lstm_layer_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, weight_hr=None):
    h, c = h0, c0
    hs = []
    for t in range(x.shape[1]):
        a = x[:, t] @ weight_ih.T + h @ weight_hh.T
        if bias_ih is not None:
            a = a + bias_ih + bias_hh
        i, f, g, o = a.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        if weight_hr is not None:
            h = h @ weight_hr.T
        hs.append(h)
    return torch.stack(hs, dim=1), (h, c)
'''

_MODULE = '''
def initial_state(x, num_layers, hidden_size, proj_size=0, batch_first=False):
    B = x.shape[0] if batch_first else x.shape[1]
    H_out = proj_size if proj_size > 0 else hidden_size
    return (torch.zeros(num_layers, B, H_out, dtype=x.dtype, device=x.device),
            torch.zeros(num_layers, B, hidden_size, dtype=x.dtype, device=x.device))


class ScratchLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 proj_size=0):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.proj_size = bias, batch_first, float(dropout), proj_size
        H, H_out = hidden_size, (proj_size if proj_size > 0 else hidden_size)
        for k in range(num_layers):
            D_k = input_size if k == 0 else H_out
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.empty(4 * H, D_k)))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.empty(4 * H, H_out)))
            if bias:
                setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.empty(4 * H)))
                setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.empty(4 * H)))
            if proj_size > 0:
                setattr(self, f"weight_hr_l{k}", nn.Parameter(torch.empty(proj_size, H)))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x, hx=None):
        if hx is None:
            hx = initial_state(x, self.num_layers, self.hidden_size, self.proj_size, self.batch_first)
        h0, c0 = hx
        layer_input = x if self.batch_first else x.transpose(0, 1)
        h_n, c_n = [], []
        for k in range(self.num_layers):
            weights = [getattr(self, f"{name}_l{k}", None)
                       for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]
            hs, (h, c) = lstm_layer_forward(layer_input, h0[k], c0[k], *weights)
            h_n.append(h)
            c_n.append(c)
            layer_input = hs
            if k < self.num_layers - 1:
                layer_input = F.dropout(hs, p=self.dropout, training=self.training)
        output = layer_input if self.batch_first else layer_input.transpose(0, 1)
        return output, (torch.stack(h_n), torch.stack(c_n))
'''


def _edit(template, *pairs):
    out = template
    for old, new in pairs:
        assert out.count(old) == 1, old
        out = out.replace(old, new)
    return out


def _packed(*pairs):
    return _edit(_PACKED, *pairs)


def _layer(*pairs):
    return _edit(_LAYER, *pairs)


def _module(*pairs):
    return _edit(_MODULE, *pairs)


MUTANTS = [
    # --- last_valid_state -------------------------------------------------------------------
    dict(
        name="last_state_at_T_minus_1",
        replaces="last_valid_state",
        source='''
def last_valid_state(outputs, lengths):
    return outputs[:, -1]
''',
        expect="padded positions leak",
    ),
    dict(
        name="last_state_index_lengths_off_by_one",
        replaces="last_valid_state",
        source='''
def last_valid_state(outputs, lengths):
    return outputs[torch.arange(outputs.shape[0]), lengths]
''',
        expect="off by one",
    ),
    dict(
        name="last_state_off_by_one_clamped",
        replaces="last_valid_state",
        source='''
def last_valid_state(outputs, lengths):
    T = outputs.shape[1]
    return outputs[torch.arange(outputs.shape[0]), lengths.clamp(max=T - 1)]
''',
        expect="off by one",
    ),
    dict(
        name="last_state_time_major_indexing",
        replaces="last_valid_state",
        source='''
def last_valid_state(outputs, lengths):
    return outputs[lengths - 1, torch.arange(outputs.shape[0])]
''',
        expect="batch-first",
    ),
    dict(
        name="last_state_rebuilt_without_grad",
        replaces="last_valid_state",
        source='''
def last_valid_state(outputs, lengths):
    rows = [outputs[b, L - 1].tolist() for b, L in enumerate(lengths.tolist())]
    return torch.tensor(rows, dtype=outputs.dtype)
''',
        expect="gradients flow",
    ),
    dict(
        name="last_state_one_hot_mask_summed",           # exact for finite padding; inf * 0 and nan * 0 are nan
        replaces="last_valid_state",
        source='''
def last_valid_state(outputs, lengths):
    pick = (torch.arange(outputs.shape[1]) == (lengths - 1)[:, None]).to(outputs.dtype)   # (B, T), one-hot
    return (outputs * pick[:, :, None]).sum(dim=1)
''',
        expect="inf * 0",
    ),
    # --- masked_mean ------------------------------------------------------------------------
    dict(
        name="mean_includes_padding",
        replaces="masked_mean",
        source='''
def masked_mean(outputs, lengths):
    return outputs.mean(dim=1)
''',
        expect="padding included",
    ),
    dict(
        name="mean_divided_by_T",
        replaces="masked_mean",
        source='''
def masked_mean(outputs, lengths):
    valid = torch.arange(outputs.shape[1]) < lengths[:, None]
    return (outputs * valid[:, :, None]).sum(dim=1) / outputs.shape[1]
''',
        expect="divide by lengths",
    ),
    dict(
        name="mean_mask_off_by_one",
        replaces="masked_mean",
        source='''
def masked_mean(outputs, lengths):
    valid = torch.arange(outputs.shape[1]) <= lengths[:, None]
    return (outputs * valid[:, :, None]).sum(dim=1) / lengths[:, None]
''',
        expect="off by one",
    ),
    dict(
        name="mean_loop_into_float32_zeros",
        replaces="masked_mean",
        source='''
def masked_mean(outputs, lengths):
    mean = torch.zeros(outputs.shape[0], outputs.shape[2])
    for b, L in enumerate(lengths.tolist()):
        mean[b] = outputs[b, :L].mean(dim=0)
    return mean
''',
        expect="dtype",
    ),
    dict(
        name="mean_via_numpy",
        replaces="masked_mean",
        source='''
def masked_mean(outputs, lengths):
    out = outputs.detach().numpy()
    valid = (np.arange(out.shape[1]) < lengths.numpy()[:, None])[:, :, None]
    return torch.from_numpy((out * valid).sum(axis=1) / lengths.numpy()[:, None])
''',
        expect="differentiable",
    ),
    dict(
        name="mean_mask_multiplied_reads_inf_padding",   # right for finite padding; inf * 0 and nan * 0 are nan
        replaces="masked_mean",
        source='''
def masked_mean(outputs, lengths):
    valid = (torch.arange(outputs.shape[1]) < lengths[:, None]).to(outputs.dtype)
    return (outputs * valid[:, :, None]).sum(dim=1) / lengths[:, None].to(outputs.dtype)
''',
        expect="inf * 0",
    ),
    # --- run_packed -------------------------------------------------------------------------
    dict(
        name="packed_enforce_sorted_default",
        replaces="run_packed",
        source=_packed(("batch_first=True, enforce_sorted=False)", "batch_first=True)")),
        expect="enforce_sorted=False",
    ),
    dict(
        name="packed_sorted_by_hand_order_not_restored",
        replaces="run_packed",
        source='''
def run_packed(lstm, x_padded, lengths):
    T = x_padded.shape[1]
    lengths_sorted, order = torch.sort(lengths, descending=True)
    packed = pack_padded_sequence(x_padded[order], lengths_sorted.cpu(), batch_first=True)
    packed_out, (h_n, c_n) = lstm(packed)
    outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=T)
    return outputs, (h_n, c_n)
''',
        expect="sorted order",
    ),
    dict(
        name="packed_not_packed_at_all",
        replaces="run_packed",
        source='''
def run_packed(lstm, x_padded, lengths):
    return lstm(x_padded)
''',
        expect="padded steps",
    ),
    dict(
        name="packed_without_total_length",
        replaces="run_packed",
        source=_packed(("batch_first=True, total_length=T)", "batch_first=True)")),
        expect="total_length",
    ),
    dict(
        name="packed_batch_first_missing_in_pack",
        replaces="run_packed",
        source=_packed(("lengths.cpu(), batch_first=True, enforce_sorted=False", "lengths.cpu(), enforce_sorted=False")),
        expect="batch_first=True",
    ),
    dict(
        name="packed_batch_first_missing_in_unpack",
        replaces="run_packed",
        source=_packed(("pad_packed_sequence(packed_out, batch_first=True, total_length=T)",
                        "pad_packed_sequence(packed_out, total_length=T)")),
        expect="batch_first=True to pad_packed_sequence",
    ),
    dict(
        name="packed_returns_top_layer_state_only",
        replaces="run_packed",
        source=_packed(("return outputs, (h_n, c_n)", "return outputs, (h_n[-1], c_n[-1])")),
        expect="every layer",
    ),
    # --- lstm_layer_forward -----------------------------------------------------------------
    dict(
        name="layer_gate_order_ifog",
        replaces="lstm_layer_forward",
        source=_layer(("i, f, g, o = a.chunk(4, dim=1)", "i, f, o, g = a.chunk(4, dim=1)")),
        expect="gate order",
    ),
    dict(
        name="layer_bias_hh_dropped",
        replaces="lstm_layer_forward",
        source=_layer(("a = a + bias_ih + bias_hh", "a = a + bias_ih")),
        expect="bias_hh",
    ),
    dict(
        name="layer_state_not_carried",
        replaces="lstm_layer_forward",
        source=_layer(("a = x[:, t] @ weight_ih.T + h @ weight_hh.T", "a = x[:, t] @ weight_ih.T + h0 @ weight_hh.T"),
                      ("c = f * c + i * g", "c = f * c0 + i * g")),
        expect="carried",
    ),
    dict(
        name="layer_projection_ignored",
        replaces="lstm_layer_forward",
        source=_layer(("        if weight_hr is not None:\n            h = h @ weight_hr.T\n", "")),
        expect="weight_hr",
    ),
    dict(
        name="layer_h_is_o_times_c",
        replaces="lstm_layer_forward",
        source=_layer(("h = o * torch.tanh(c)", "h = o * c")),
        expect="h = o * tanh(c)",
    ),
    dict(
        name="layer_starts_from_zeros",
        replaces="lstm_layer_forward",
        source=_layer(("h, c = h0, c0", "h, c = torch.zeros_like(h0), torch.zeros_like(c0)")),
        expect="start from the h0 and c0 you are given",
    ),
    dict(
        name="layer_returns_first_state",
        replaces="lstm_layer_forward",
        source=_layer(("return torch.stack(hs, dim=1), (h, c)", "return torch.stack(hs, dim=1), (hs[0], c)")),
        expect="h_T",
    ),
    # --- initial_state and ScratchLSTM ------------------------------------------------------
    dict(
        name="initial_state_ignores_batch_first",
        replaces="initial_state",
        source=_module(("B = x.shape[0] if batch_first else x.shape[1]", "B = x.shape[0]")),
        expect="batch_first=False x is (T, B, D)",
    ),
    dict(
        name="initial_state_float32",
        replaces="initial_state",
        source=_module((", dtype=x.dtype, device=x.device),\n            torch.zeros(num_layers, B, hidden_size, dtype=x.dtype, device=x.device))",
                        "),\n            torch.zeros(num_layers, B, hidden_size))")),
        expect="dtype=x.dtype",
    ),
    dict(
        name="initial_state_cached_tensors",
        replaces="initial_state",
        source='''
_zero_cache = {}


def initial_state(x, num_layers, hidden_size, proj_size=0, batch_first=False):
    B = x.shape[0] if batch_first else x.shape[1]
    H_out = proj_size if proj_size > 0 else hidden_size
    key = (num_layers, B, H_out, hidden_size, x.dtype)
    if key not in _zero_cache:
        _zero_cache[key] = (torch.zeros(num_layers, B, H_out, dtype=x.dtype),
                            torch.zeros(num_layers, B, hidden_size, dtype=x.dtype))
    return _zero_cache[key]
''',
        expect="new zero tensors at every call",
    ),
    dict(
        name="scratch_state_not_reset_between_batches",
        replaces="initial_state",
        source=_module(("        if hx is None:\n            hx = initial_state(x, self.num_layers, self.hidden_size, self.proj_size, self.batch_first)\n",
                        "        if hx is None:\n            hx = getattr(self, 'state', None)\n"
                        "        if hx is None:\n            hx = initial_state(x, self.num_layers, self.hidden_size, self.proj_size, self.batch_first)\n"),
                       ("        return output, (torch.stack(h_n), torch.stack(c_n))",
                        "        self.state = (torch.stack(h_n).detach(), torch.stack(c_n).detach())\n"
                        "        return output, (torch.stack(h_n), torch.stack(c_n))")),
        expect="not reset between calls",
    ),
    dict(
        name="scratch_batch_first_ignored",
        replaces="initial_state",
        source=_module(("layer_input = x if self.batch_first else x.transpose(0, 1)", "layer_input = x"),
                       ("output = layer_input if self.batch_first else layer_input.transpose(0, 1)", "output = layer_input")),
        expect="batch_first=False (the default) x is (T, B, D)",
    ),
    dict(
        name="scratch_every_layer_reads_x",
        replaces="initial_state",
        source=_module(("hs, (h, c) = lstm_layer_forward(layer_input, h0[k], c0[k], *weights)",
                        "hs, (h, c) = lstm_layer_forward(x if self.batch_first else x.transpose(0, 1), h0[k], c0[k], *weights)")),
        expect="reads the output sequence of layer k - 1",
    ),
    dict(
        name="scratch_h_n_top_layer_only",
        replaces="initial_state",
        source=_module(("return output, (torch.stack(h_n), torch.stack(c_n))", "return output, (h_n[-1][None], c_n[-1][None])")),
        expect="every layer's final",
    ),
    dict(
        name="scratch_layers_start_from_layer0_state",
        replaces="initial_state",
        source=_module(("lstm_layer_forward(layer_input, h0[k], c0[k], *weights)", "lstm_layer_forward(layer_input, h0[0], c0[0], *weights)")),
        expect="h0[k]",
    ),
    dict(
        name="scratch_dropout_after_last_layer_too",
        replaces="initial_state",
        source=_module(("            if k < self.num_layers - 1:\n                layer_input = F.dropout(",
                        "            if True:\n                layer_input = F.dropout(")),
        expect="only between layers",
    ),
    dict(
        name="scratch_dropout_in_eval_mode",
        replaces="initial_state",
        source=_module(("training=self.training", "training=True")),
        expect="in eval mode dropout must be off",
    ),
    dict(
        name="scratch_no_dropout",
        replaces="initial_state",
        source=_module(("layer_input = F.dropout(hs, p=self.dropout, training=self.training)", "layer_input = hs")),
        expect="dropout is missing between layers",
    ),
    dict(
        name="scratch_dropout_on_carried_state",
        replaces="initial_state",
        source=_module(("            h_n.append(h)\n", "            h = F.dropout(h, p=self.dropout, training=self.training) if k < self.num_layers - 1 else h\n            h_n.append(h)\n")),
        expect="not on the h, c",
    ),
    dict(
        name="scratch_plain_tensor_attributes",
        replaces="initial_state",
        source=_module(*[(f'setattr(self, f"{n}_l{{k}}", nn.Parameter(torch.empty({shape})))',
                          f'setattr(self, f"{n}_l{{k}}", torch.empty({shape}))')
                         for n, shape in [("weight_ih", "4 * H, D_k"), ("weight_hh", "4 * H, H_out"),
                                          ("bias_ih", "4 * H"), ("bias_hh", "4 * H"),
                                          ("weight_hr", "proj_size, H")]]),
        expect="nn.Parameter",
    ),
    dict(
        name="scratch_own_parameter_names",
        replaces="initial_state",
        source=_module(('setattr(self, f"weight_ih_l{k}"', 'setattr(self, f"W_ih_{k}"'),
                       ('for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]',
                        'for name in ("W_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]'),
                       ('getattr(self, f"{name}_l{k}", None)', 'getattr(self, f"{name}_l{k}", None) if name != "W_ih" else getattr(self, f"W_ih_{k}")')),
        expect="weight_ih_l0",
    ),
    dict(
        name="scratch_layer_input_size_always_input_size",
        replaces="initial_state",
        source=_module(("D_k = input_size if k == 0 else H_out", "D_k = input_size")),
        expect="wrong shape",
    ),
]
