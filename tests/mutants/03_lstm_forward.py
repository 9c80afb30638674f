"""Real student mistakes for 03_lstm_forward.

Each mutant redefines one graded function of solutions/03_lstm_forward/03_lstm_forward.ipynb the
way a student gets it wrong; the mutation harness (autograder.authoring.mutants) checks that
some graded test cell then fails and that its error message contains `expect`. `sigmoid` (given,
stable) and `np` come from the notebook's read-only cells.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).
"""

# A correct step, written plainly; the mutants below change one thing each.
_STEP = '''
def lstm_step_forward(x, h_prev, c_prev, params):
    H = h_prev.shape[1]
    a = x @ params["W_ih"].T + params["b_ih"] + h_prev @ params["W_hh"].T + params["b_hh"]
    i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c)
'''

# A correct sequence loop, written plainly; the mutants below change one thing each.
_LOOP = '''
def lstm_forward(x, h0, c0, params):
    B, T, _ = x.shape
    H = h0.shape[1]
    hs = np.zeros((B, T, H))
    h, c = h0, c0
    for t in range(T):
        a = x[:, t] @ params["W_ih"].T + params["b_ih"] + h @ params["W_hh"].T + params["b_hh"]
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c = f * c + i * g
        h = o * np.tanh(c)
        hs[:, t] = h
    return hs, (h, c), None
'''


def _step(old, new):
    assert old in _STEP, old
    return _STEP.replace(old, new)


def _loop(old, new):
    assert old in _LOOP, old
    return _LOOP.replace(old, new)


MUTANTS = [
    # --- lstm_step_forward ------------------------------------------------------------------
    dict(
        name="step_gate_order_ifog_cs231n",
        replaces="lstm_step_forward",
        source=_step("i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]",
                     "i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]"),
        expect="gate order",
    ),
    dict(
        name="step_gate_order_fig_o",
        replaces="lstm_step_forward",
        source=_step("i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]",
                     "f, i, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]"),
        expect="gate order",
    ),
    dict(
        name="step_drops_b_hh",
        replaces="lstm_step_forward",
        source=_step(' + h_prev @ params["W_hh"].T + params["b_hh"]', ' + h_prev @ params["W_hh"].T'),
        expect="b_hh is missing",
    ),
    dict(
        name="step_h_is_o_times_c",
        replaces="lstm_step_forward",
        source=_step("h = o * np.tanh(c)", "h = o * c"),
        expect="o * tanh(c)",
    ),
    dict(
        name="step_c_updated_from_h_prev",
        replaces="lstm_step_forward",
        source=_step("c = f * c_prev + i * g", "c = f * h_prev + i * g"),
        expect="h_prev where c_prev belongs",
    ),
    dict(
        name="step_sigmoid_on_candidate",
        replaces="lstm_step_forward",
        source=_step("np.tanh(g), sigmoid(o)", "sigmoid(g), sigmoid(o)"),
        expect="candidate g is squashed with tanh",
    ),
    dict(
        name="step_tanh_on_output_gate",
        replaces="lstm_step_forward",
        source=_step("np.tanh(g), sigmoid(o)", "np.tanh(g), np.tanh(o)"),
        expect="output gate o is a sigmoid",
    ),
    dict(
        name="step_weights_not_transposed",
        replaces="lstm_step_forward",
        source=_step('x @ params["W_ih"].T', 'x @ params["W_ih"]'),
        expect="x @ W_ih.T",
    ),
    dict(
        name="step_naive_sigmoid_overflows",
        replaces="lstm_step_forward",
        source=_step("i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)",
                     "i, f, g, o = 1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), np.tanh(g), 1 / (1 + np.exp(-o))"),
        expect="overflow",
    ),
    dict(
        name="step_no_forget_gate",            # the 1997 LSTM, without Gers et al.'s forget gate
        replaces="lstm_step_forward",
        source=_step("c = f * c_prev + i * g", "c = c_prev + i * g"),
        expect="forget gate is not applied",
    ),
    dict(
        name="step_returns_c_then_h",
        replaces="lstm_step_forward",
        source=_step("return h, c, (", "return c, h, ("),
        expect="swapped",
    ),
    dict(
        name="step_modifies_c_prev_in_place",
        replaces="lstm_step_forward",
        source=_step("c = f * c_prev + i * g", "c_prev *= f\n    c = c_prev + i * g"),
        expect="in place",
    ),
    # --- lstm_forward ------------------------------------------------------------------------
    dict(
        name="forward_gate_order_igfo_tensorflow",
        replaces="lstm_forward",
        source=_loop("i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]",
                     "i, g, f, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]"),
        expect="gate order",
    ),
    dict(
        name="forward_state_not_carried",
        replaces="lstm_forward",
        source=_loop("a = x[:, t] @ params[\"W_ih\"].T + params[\"b_ih\"] + h @ params[\"W_hh\"].T",
                     "a = x[:, t] @ params[\"W_ih\"].T + params[\"b_ih\"] + h0 @ params[\"W_hh\"].T")
               .replace("c = f * c + i * g", "c = f * c0 + i * g"),
        expect="carried to the next step",
    ),
    dict(
        name="forward_cell_state_not_carried",
        replaces="lstm_forward",
        source=_loop("c = f * c + i * g", "c = f * c0 + i * g"),
        expect="carried to the next step",
    ),
    dict(
        name="forward_returns_initial_state",
        replaces="lstm_forward",
        source=_loop("return hs, (h, c), None", "return hs, (h0, c0), None"),
        expect="initial state",
    ),
    dict(
        name="forward_hs_holds_c",
        replaces="lstm_forward",
        source=_loop("hs[:, t] = h", "hs[:, t] = c"),
        expect="hs holds the cell states",
    ),
    dict(
        name="forward_time_major_indexing",
        replaces="lstm_forward",
        source=_loop("a = x[:, t] @", "a = x[t] @"),
        expect="x[:, t]",
    ),
    dict(
        name="forward_drops_both_biases",
        replaces="lstm_forward",
        source=_loop(' + params["b_ih"] + h @ params["W_hh"].T + params["b_hh"]', ' + h @ params["W_hh"].T'),
        expect="are missing",
    ),
    dict(
        name="forward_float32_state",
        replaces="lstm_forward",
        source=_loop("hs = np.zeros((B, T, H))", "hs = np.zeros((B, T, H), dtype=np.float32)"),
        expect="float32",
    ),
    dict(
        name="forward_updates_c0_in_place",          # h, c = h0, c0, then c *= f: the caller's c0 changes
        replaces="lstm_forward",
        source=_loop("c = f * c + i * g", "c *= f\n        c += i * g"),
        expect="changed one of its inputs in place",
    ),
]
