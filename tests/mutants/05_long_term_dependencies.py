"""Real student mistakes for 05_long_term_dependencies (long-lag task generators, the sequence
model and its forget-gate bias, a clipped training step, evaluation).

Each mutant redefines one graded function of
solutions/05_long_term_dependencies/05_long_term_dependencies.ipynb. The class
`SequenceRegressor` lives in the same solution cell as `make_model`, so the model mutants name
`replaces="make_model"` and redefine the class (and, where the mistake is there, `make_model`
itself): `make_model` builds whatever `SequenceRegressor` is defined last. `expect` is text that
must appear in the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


# The reference model, which the model mutants change in one place.
_MODEL = '''
class SequenceRegressor(nn.Module):
    def __init__(self, cell, input_size, hidden_size, output_size=1):
        super().__init__()
        layers = {"lstm": nn.LSTM, "rnn": nn.RNN, "gru": nn.GRU}
        self.rnn = layers[cell](input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        hs, _ = self.rnn(x)
        return self.head(hs[:, -1])


def make_model(cell, input_size=2, hidden_size=32, output_size=1, forget_bias=1.0, seed=0):
    torch.manual_seed(seed)
    model = SequenceRegressor(cell, input_size, hidden_size, output_size)
    if cell == "lstm" and forget_bias is not None:
        init_forget_bias(model.rnn, forget_bias)
    return model
'''


def _edit(reference, old, new, count=1):
    """`reference` with `old` replaced by `new` (checked to occur exactly `count` times)."""
    assert reference.count(old) == count, (old, reference.count(old))
    return reference.replace(old, new)


MUTANTS = [
    # ------------------------------------------------------------------ adding_problem
    dict(
        name="adding_markers_anywhere",          # both markers drawn from the whole sequence
        replaces="adding_problem",
        edit=[
            ("first = rng.integers(0, T // 2, size=batch)",
             "first = rng.integers(0, T, size=batch)"),
            ("second = rng.integers(T // 2, T, size=batch)",
             "second = rng.integers(0, T, size=batch)"),
        ],
        expect="each half",
    ),
    dict(
        name="adding_target_sums_all_values",
        replaces="adding_problem",
        edit=[
            ("y = x[rows, first, 0] + x[rows, second, 0]", "y = x[:, :, 0].sum(axis=1)"),
        ],
        expect="sum of ALL values",
    ),
    dict(
        name="adding_target_off_by_one",         # adds the values one step before the markers
        replaces="adding_problem",
        edit=[
            ("y = x[rows, first, 0] + x[rows, second, 0]",
             "y = x[rows, first - 1, 0] + x[rows, second - 1, 0]"),
        ],
        expect="off-by-one",
    ),
    dict(
        name="adding_target_mean_not_sum",
        replaces="adding_problem",
        edit=[
            ("y = x[rows, first, 0] + x[rows, second, 0]",
             "y = (x[rows, first, 0] + x[rows, second, 0]) / 2"),
        ],
        expect="the target is their sum",
    ),
    dict(
        name="adding_last_step_never_marked",    # rng.integers' high treated as inclusive
        replaces="adding_problem",
        edit=[
            ("second = rng.integers(T // 2, T, size=batch)",
             "second = rng.integers(T // 2, T - 1, size=batch)"),
        ],
        expect="excludes high",
    ),
    dict(
        name="adding_second_marker_offset_by_half",   # t2 = T // 2 + t, t < T // 2: misses the last step for odd T
        replaces="adding_problem",
        edit=[("second = rng.integers(T // 2, T, size=batch)",
               "second = T // 2 + rng.integers(0, T // 2, size=batch)")],
        expect="never reaches the last step",
    ),
    dict(
        name="adding_values_gaussian",
        replaces="adding_problem",
        edit=[
            ("values = rng.uniform(0.0, 1.0, size=(batch, T))",
             "values = rng.standard_normal(size=(batch, T))"),
        ],
        expect="uniform in [0, 1)",
    ),
    dict(
        name="adding_float64",
        replaces="adding_problem",
        edit=[
            ("x = np.stack([values, markers], axis=-1).astype(np.float32)",
             "x = np.stack([values, markers], axis=-1)"),
            ("return x, y[:, None].astype(np.float32)", "return x, y[:, None]"),
        ],
        expect="float32",
    ),
    dict(
        name="adding_y_flat",
        replaces="adding_problem",
        edit=[
            ("return x, y[:, None].astype(np.float32)", "return x, y.astype(np.float32)"),
        ],
        expect="(B, 1)",
    ),
    dict(
        name="adding_channels_swapped",
        replaces="adding_problem",
        edit=[
            ("np.stack([values, markers], axis=-1)", "np.stack([markers, values], axis=-1)"),
            ("y = x[rows, first, 0] + x[rows, second, 0]",
             "y = x[rows, first, 1] + x[rows, second, 1]"),
        ],
        expect="channels swapped",
    ),
    dict(
        name="adding_global_numpy_rng",
        replaces="adding_problem",
        edit=[
            ("values = rng.uniform(0.0, 1.0, size=(batch, T))",
             "values = np.random.uniform(0.0, 1.0, size=(batch, T))"),
        ],
        expect="from the rng argument",
    ),
    dict(
        name="adding_fresh_generator",           # ignores the rng it is given
        replaces="adding_problem",
        edit=[
            ("    values = rng.uniform",
             "    rng = np.random.default_rng(0)\n"
             "    values = rng.uniform"),
        ],
        expect="different seeds gave the same batch",
    ),
    # ------------------------------------------------------------------ copy_task
    dict(
        name="copy_target_off_by_one",           # the answer starts at the delimiter
        replaces="copy_task",
        edit=[("y[:, K + T:] = data", "y[:, K + T - 1:-1] = data")],
        expect="off-by-one in the target",
    ),
    dict(
        name="copy_delimiter_off_by_one",
        replaces="copy_task",
        edit=[
            ("x[:, K + T - 1] = n_symbols + 1", "x[:, K + T] = n_symbols + 1"),
        ],
        expect="off by one?",
    ),
    dict(
        name="copy_blank_used_as_symbol",
        replaces="copy_task",
        edit=[
            ("rng.integers(1, n_symbols + 1, size=(batch, K))",
             "rng.integers(0, n_symbols, size=(batch, K))"),
        ],
        expect="0 is the blank",
    ),
    dict(
        name="copy_reversed",
        replaces="copy_task",
        edit=[("y[:, K + T:] = data", "y[:, K + T:] = data[:, ::-1]")],
        expect="reversed",
    ),
    dict(
        name="copy_sequence_too_short",          # T + K steps: no room for the answer after the delay
        replaces="copy_task",
        source='''
def copy_task(batch, T, rng, n_symbols=8, length=10):
    K = length
    x = np.zeros((batch, T + K), dtype=np.int64)
    y = np.zeros((batch, T + K), dtype=np.int64)
    data = rng.integers(1, n_symbols + 1, size=(batch, K))
    x[:, :K] = data
    x[:, T - 1] = n_symbols + 1
    y[:, T:] = data
    return x, y
''',
        expect="T + 2 * length steps",
    ),
    # ------------------------------------------------------------------ temporal_order
    dict(
        name="order_labels_swapped",             # the second symbol taken as the high bit
        replaces="temporal_order",
        edit=[
            ("y = 2 * first_is_y + second_is_y", "y = first_is_y + 2 * second_is_y"),
        ],
        expect="XY and YX are swapped",
    ),
    dict(
        name="order_labels_xor",                 # "same or different" instead of the order
        replaces="temporal_order",
        edit=[
            ("y = 2 * first_is_y + second_is_y", "y = first_is_y ^ second_is_y"),
        ],
        expect="XX=0, XY=1, YX=2, YY=3",
    ),
    dict(
        name="order_distractors_include_xy",
        replaces="temporal_order",
        edit=[
            ("x = rng.integers(0, 4, size=(batch, T))", "x = rng.integers(0, 6, size=(batch, T))"),
        ],
        expect="exactly two relevant symbols",
    ),
    dict(
        name="order_window_end_excluded",
        replaces="temporal_order",
        edit=[
            ("t1 = rng.integers(T // 10, 2 * T // 10 + 1, size=batch)",
             "t1 = rng.integers(T // 10, 2 * T // 10, size=batch)"),
        ],
        expect="ends included",
    ),
    dict(
        name="order_no_end_marker",
        replaces="temporal_order",
        edit=[("x[:, 0], x[:, -1] = 6, 7", "x[:, 0] = 6")],
        expect="end marker",
    ),
    dict(
        name="order_second_window_from_end",     # t2 counted from the end of the sequence
        replaces="temporal_order",
        edit=[
            ("t2 = rng.integers(T // 2, T // 2 + T // 10 + 1, size=batch)",
             "t2 = rng.integers(T - T // 10 - 1, T - 1, size=batch)"),
        ],
        expect="the second in",
    ),
    dict(
        name="order_first_window_end_rounded_twice",    # 2 * (T // 10) instead of 2 * T // 10
        replaces="temporal_order",
        edit=[("t1 = rng.integers(T // 10, 2 * T // 10 + 1, size=batch)",
               "t1 = rng.integers(T // 10, 2 * (T // 10) + 1, size=batch)")],
        expect="t1 stops at 2 * (T // 10)",
    ),
    dict(
        name="order_second_window_end_six_tenths",     # 6 * T // 10 instead of T // 2 + T // 10
        replaces="temporal_order",
        edit=[("t2 = rng.integers(T // 2, T // 2 + T // 10 + 1, size=batch)",
               "t2 = rng.integers(T // 2, 6 * T // 10 + 1, size=batch)")],
        expect="t2 reaches 6 * T // 10",
    ),
    # ------------------------------------------------------------------ init_forget_bias
    dict(
        name="forget_bias_on_input_gate",        # rows 0:H are the input gate
        replaces="init_forget_bias",
        edit=[
            ("p[H:2 * H] = value", "p[0:H] = value"),
            ("p[H:2 * H] = 0.0", "p[0:H] = 0.0"),
        ],
        expect="input gate",
    ),
    dict(
        name="forget_bias_on_g_block",           # gate order taken as i, g, f, o
        replaces="init_forget_bias",
        edit=[
            ("p[H:2 * H] = value", "p[2 * H:3 * H] = value"),
            ("p[H:2 * H] = 0.0", "p[2 * H:3 * H] = 0.0"),
        ],
        expect="i, f, g, o",
    ),
    dict(
        name="forget_bias_only_bias_ih",         # bias_hh's random forget block still counts
        replaces="init_forget_bias",
        edit=[
            ('elif name.startswith("bias_hh"):\n                p[H:2 * H] = 0.0', ""),
        ],
        expect="only one of the two biases",
    ),
    dict(
        name="forget_bias_both_set_to_value",    # the sum becomes 2 * value
        replaces="init_forget_bias",
        edit=[("p[H:2 * H] = 0.0", "p[H:2 * H] = value")],
        expect="2 * value",
    ),
    dict(
        name="forget_bias_added_not_set",
        replaces="init_forget_bias",
        edit=[
            ("p[H:2 * H] = value", "p[H:2 * H] += value"),
            ("p[H:2 * H] = 0.0", "pass"),
        ],
        expect="SUM",
    ),
    dict(
        name="forget_bias_first_layer_only",
        replaces="init_forget_bias",
        source='''
def init_forget_bias(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[H:2 * H] = value
        lstm.bias_hh_l0[H:2 * H] = 0.0
''',
        expect="every layer",
    ),
    dict(
        name="forget_bias_replaces_parameters",  # new Parameter objects: an optimizer built before keeps the old ones
        replaces="init_forget_bias",
        source='''
def init_forget_bias(lstm, value):
    H = lstm.hidden_size
    for layer in range(lstm.num_layers):
        b_ih = getattr(lstm, f"bias_ih_l{layer}").detach().clone()
        b_hh = getattr(lstm, f"bias_hh_l{layer}").detach().clone()
        b_ih[H:2 * H] = value
        b_hh[H:2 * H] = 0.0
        setattr(lstm, f"bias_ih_l{layer}", torch.nn.Parameter(b_ih))
        setattr(lstm, f"bias_hh_l{layer}", torch.nn.Parameter(b_hh))
''',
        expect="same trainable nn.Parameter",
    ),
    # ------------------------------------------------------------------ SequenceRegressor / make_model
    dict(
        name="model_state_carried_between_batches",
        replaces="make_model",
        source=_edit(_MODEL, "        hs, _ = self.rnn(x)\n",
                     "        hs, state = self.rnn(x, getattr(self, 'state', None))\n"
                     "        self.state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()\n"),
        expect="kept between batches",
    ),
    dict(
        name="model_not_batch_first",
        replaces="make_model",
        source=_edit(_MODEL, "layers[cell](input_size, hidden_size, batch_first=True)", "layers[cell](input_size, hidden_size)"),
        expect="batch_first=True",
    ),
    dict(
        name="model_predicts_from_first_step",
        replaces="make_model",
        source=_edit(_MODEL, "return self.head(hs[:, -1])", "return self.head(hs[:, 0])"),
        expect="FIRST step",
    ),
    dict(
        name="model_predicts_from_mean_state",
        replaces="make_model",
        source=_edit(_MODEL, "return self.head(hs[:, -1])", "return self.head(hs.mean(dim=1))"),
        expect="MEAN state",
    ),
    dict(
        name="model_relu_rnn",
        replaces="make_model",
        source=_edit(_MODEL, 'layers = {"lstm": nn.LSTM, "rnn": nn.RNN, "gru": nn.GRU}',
                     'layers = {"lstm": nn.LSTM, "rnn": lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k), "gru": nn.GRU}'),
        expect="tanh RNN",
    ),
    dict(
        name="model_detaches_last_state",
        replaces="make_model",
        source=_edit(_MODEL, "return self.head(hs[:, -1])", "return self.head(hs[:, -1].detach())"),
        expect="no gradient reached",
    ),
    dict(
        name="model_forget_bias_not_applied",
        replaces="make_model",
        source=_edit(_MODEL, "        init_forget_bias(model.rnn, forget_bias)\n", "        pass\n"),
        expect="must call init_forget_bias",
    ),
    dict(
        name="model_not_seeded",
        replaces="make_model",
        source=_edit(_MODEL, "    torch.manual_seed(seed)\n", ""),
        expect="torch.manual_seed(seed)",
    ),
    dict(
        name="model_forget_bias_none_applied_anyway",   # `forget_bias or 1.0`
        replaces="make_model",
        source=_edit(_MODEL, "init_forget_bias(model.rnn, forget_bias)", "init_forget_bias(model.rnn, forget_bias)")
        .replace('if cell == "lstm" and forget_bias is not None:', 'if cell == "lstm":')
        .replace("init_forget_bias(model.rnn, forget_bias)", "init_forget_bias(model.rnn, forget_bias or 1.0)"),
        expect="keep torch's own initialisation",
    ),
    # ------------------------------------------------------------------ train_step
    dict(
        name="step_clips_after_optimizer_step",
        replaces="train_step",
        edit=[
            ("    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
             "    optimizer.step()",
             "    optimizer.step()\n"
             "    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)"),
        ],
        expect="before optimizer.step()",
    ),
    dict(
        name="step_without_zero_grad",           # gradients accumulate across steps
        replaces="train_step",
        edit=[
            ("    optimizer.zero_grad()\n", ""),
        ],
        expect="zero_grad",
    ),
    dict(
        name="step_clips_each_parameter",
        replaces="train_step",
        edit=[
            ("grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)",
             "grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])\n"
             "    for p in model.parameters():\n"
             "        torch.nn.utils.clip_grad_norm_([p], max_norm)"),
        ],
        expect="not each parameter",
    ),
    dict(
        name="step_clips_each_entry",
        replaces="train_step",
        edit=[
            ("grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)",
             "grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])\n"
             "    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)"),
        ],
        expect="clip_grad_value_",
    ),
    dict(
        name="step_always_rescales_to_clip",     # normalises every gradient to norm clip
        replaces="train_step",
        edit=[
            ('max_norm = float("inf") if clip is None else clip\n'
             "    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)",
             "grad_norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))\n"
             "    if clip is not None:\n"
             "        for p in model.parameters():\n"
             "            p.grad *= clip / grad_norm"),
        ],
        expect="only when its global norm exceeds clip",
    ),
    dict(
        name="step_returns_tensors",
        replaces="train_step",
        edit=[
            ("return loss.item(), float(grad_norm)", "return loss, grad_norm"),
        ],
        expect="python floats",
    ),
    dict(
        name="step_returns_norm_after_clipping",
        replaces="train_step",
        edit=[
            ("return loss.item(), float(grad_norm)",
             "return loss.item(), float(torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]))"),
        ],
        expect="AFTER clipping",
    ),
    dict(
        name="step_ignores_loss_fn",
        replaces="train_step",
        edit=[
            ("loss = loss_fn(model(x), y)", "loss = F.mse_loss(model(x), y)"),
        ],
        expect="loss_fn argument",
    ),
    dict(
        name="step_no_train_mode",
        replaces="train_step",
        edit=[
            ("    model.train()\n", ""),
        ],
        expect="training mode",
    ),
    # ------------------------------------------------------------------ evaluate_mse
    dict(
        name="eval_in_train_mode",
        replaces="evaluate_mse",
        edit=[
            ("    model.eval()\n", ""),
        ],
        expect="model.eval()",
    ),
    dict(
        name="eval_with_grad",
        replaces="evaluate_mse",
        edit=[
            ("with torch.no_grad():\n"
             "        mse = F.mse_loss(model(x), y).item()",
             "mse = F.mse_loss(model(x), y).item()"),
        ],
        expect="torch.no_grad()",
    ),
    dict(
        name="eval_mode_not_restored",
        replaces="evaluate_mse",
        edit=[
            ("    model.train(was_training)\n", ""),
        ],
        expect="left in eval mode",
    ),
    dict(
        name="eval_always_back_to_train",
        replaces="evaluate_mse",
        edit=[("model.train(was_training)", "model.train()")],
        expect="stay in eval mode",
    ),
    dict(
        name="eval_sum_of_squares",
        replaces="evaluate_mse",
        edit=[
            ("mse = F.mse_loss(model(x), y).item()", "mse = ((model(x) - y) ** 2).sum().item()"),
        ],
        expect="SUM of squared errors",
    ),
    dict(
        name="eval_rmse",
        replaces="evaluate_mse",
        edit=[
            ("mse = F.mse_loss(model(x), y).item()", "mse = F.mse_loss(model(x), y).sqrt().item()"),
        ],
        expect="square root",
    ),
    dict(
        name="eval_returns_tensor",
        replaces="evaluate_mse",
        edit=[
            ("mse = F.mse_loss(model(x), y).item()", "mse = F.mse_loss(model(x), y)"),
        ],
        expect="python float",
    ),
]
