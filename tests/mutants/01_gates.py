"""Real student mistakes for 01_gates.

Each mutant redefines one graded function of solutions/01_gates/01_gates.ipynb the way a student
gets it wrong; the mutation harness (autograder.authoring.mutants) checks that some graded test
cell then fails and that its error message contains `expect`.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # --- sigmoid -------------------------------------------------------------------------
    dict(
        name="sigmoid_naive_overflows",
        replaces="sigmoid",
        source='''
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
''',
        expect="overflow",
    ),
    dict(
        name="sigmoid_where_evaluates_both_branches",
        replaces="sigmoid",
        source='''
def sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
''',
        expect="both branches",
    ),
    dict(
        name="sigmoid_exp_over_one_plus_exp",
        replaces="sigmoid",
        source='''
def sigmoid(x):
    e = np.exp(x)
    return e / (1 + e)
''',
        expect="overflow",
    ),
    dict(
        name="sigmoid_output_always_float64",
        replaces="sigmoid",
        source='''
def sigmoid(x):
    out = np.zeros(x.shape)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    z = np.exp(x[~pos])
    out[~pos] = z / (1 + z)
    return out
''',
        expect="keep the dtype of x",
    ),
    dict(
        name="sigmoid_modifies_input_in_place",
        replaces="sigmoid",
        source='''
def sigmoid(x):
    z = np.exp(-np.abs(x))
    neg = x < 0
    x[...] = 1 / (1 + z)
    x[neg] = z[neg] / (1 + z[neg])
    return x
''',
        expect="in place",
    ),
    # --- tanh ----------------------------------------------------------------------------
    dict(
        name="tanh_literal_formula_overflows",
        replaces="tanh",
        source='''
def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
''',
        expect="overflow",
    ),
    dict(
        name="tanh_is_rescaled_sigmoid_wrongly",
        replaces="tanh",
        source='''
def tanh(x):
    return 2 * sigmoid(x) - 1
''',
        expect="2 * sigmoid(2 * x) - 1",
    ),
    # --- derivatives ---------------------------------------------------------------------
    dict(
        name="sigmoid_grad_from_output_formula",
        replaces="sigmoid_grad",
        source='''
def sigmoid_grad(x):
    return x * (1 - x)
''',
        expect="s = sigmoid(x)",
    ),
    dict(
        name="sigmoid_grad_plus_sign",
        replaces="sigmoid_grad",
        source='''
def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 + s)
''',
        expect="s * (1 - s)",
    ),
    dict(
        name="sigmoid_grad_mixes_input_and_output",
        replaces="sigmoid_grad",
        source='''
def sigmoid_grad(x):
    return sigmoid(x) * (1 - x)
''',
        expect="compute s from x first",
    ),
    dict(
        name="tanh_grad_one_minus_x_squared",
        replaces="tanh_grad",
        source='''
def tanh_grad(x):
    return 1 - x ** 2
''',
        expect="not 1 - x**2",
    ),
    dict(
        name="tanh_grad_forgets_square",
        replaces="tanh_grad",
        source='''
def tanh_grad(x):
    return 1 - tanh(x)
''',
        expect="1 - tanh(x)**2",
    ),
    # --- gate ----------------------------------------------------------------------------
    dict(
        name="gate_uses_W_not_W_T",
        replaces="gate",
        source='''
def gate(x, W, b):
    return sigmoid(x @ W + b)
''',
        expect="Did you use W instead of W.T",
    ),
    dict(
        name="gate_forgets_bias",
        replaces="gate",
        source='''
def gate(x, W, b):
    return sigmoid(x @ W.T)
''',
        expect="forgetting the bias",
    ),
    dict(
        name="gate_bias_after_sigmoid",
        replaces="gate",
        source='''
def gate(x, W, b):
    return sigmoid(x @ W.T) + b
''',
        expect="adding b after the sigmoid",
    ),
    dict(
        name="gate_uses_tanh",
        replaces="gate",
        source='''
def gate(x, W, b):
    return np.tanh(x @ W.T + b)
''',
        expect="must lie in (0, 1)",
    ),
    # --- apply_gate ----------------------------------------------------------------------
    dict(
        name="apply_gate_adds",
        replaces="apply_gate",
        source='''
def apply_gate(gate_values, v):
    return gate_values + v
''',
        expect="pointwise product",
    ),
    dict(
        name="apply_gate_blocks_with_one",
        replaces="apply_gate",
        source='''
def apply_gate(gate_values, v):
    return (1 - gate_values) * v
''',
        expect="0 must block v",
    ),
    dict(
        # the docstring's (B, H) taken literally: an einsum that works for 2-d arrays only
        name="apply_gate_einsum_two_axes_only",
        replaces="apply_gate",
        edit=[("return gate_values * v", 'return np.einsum("bh,bh->bh", gate_values, v)')],
        expect="any shape",
    ),
    # --- cell_update ---------------------------------------------------------------------
    dict(
        name="cell_update_swaps_f_and_i",
        replaces="cell_update",
        source='''
def cell_update(f, i, g, c_prev):
    return i * c_prev + f * g
''',
        expect="swap f and i",
    ),
    dict(
        name="cell_update_drops_input_gate",
        replaces="cell_update",
        source='''
def cell_update(f, i, g, c_prev):
    return f * c_prev + g
''',
        expect="drop the input gate",
    ),
    dict(
        name="cell_update_drops_forget_gate",
        replaces="cell_update",
        source='''
def cell_update(f, i, g, c_prev):
    return c_prev + i * g
''',
        expect="the forget gate (c_prev + i * g)",
    ),
    dict(
        name="cell_update_squashes_with_tanh",
        replaces="cell_update",
        source='''
def cell_update(f, i, g, c_prev):
    return np.tanh(f * c_prev + i * g)
''',
        expect="tanh belongs to h = o * tanh(c)",
    ),
    dict(
        # updates the memory in place: right values, but the caller's c_prev is gone
        name="cell_update_in_place",
        replaces="cell_update",
        edit=[("return apply_gate(f, c_prev) + apply_gate(i, g)",
               "c_prev *= f\n    c_prev += i * g\n    return c_prev")],
        expect="cell_update changed c_prev in place",
    ),
    # --- calendar_step -------------------------------------------------------------------
    dict(
        name="calendar_forget_gate_inverted",
        replaces="calendar_step",
        edit=[
            ("f = np.ones_like(c_prev)", "f = np.zeros_like(c_prev)"),
            # "1 = forget this one"
            ("f[forget_slot] = 0.0", "f[forget_slot] = 1.0"),
        ],
        expect="forget gate is inverted",
    ),
    dict(
        name="calendar_writes_to_forget_slot",
        replaces="calendar_step",
        edit=[
            # copy-pasted from the line above
            ("i[write_slot] = 1.0", "i[forget_slot] = 1.0"),
        ],
        expect="i[write_slot] = 1",
    ),
    dict(
        name="calendar_days_one_based",
        replaces="calendar_step",
        edit=[
            # "day 1 is the first day"
            ("f[forget_slot] = 0.0", "f[forget_slot - 1] = 0.0"),
            ("i[write_slot] = 1.0", "i[write_slot - 1] = 1.0"),
        ],
        expect="off-by-one",
    ),
    dict(
        name="calendar_edits_c_prev_in_place",
        replaces="calendar_step",
        source='''
def calendar_step(c_prev, forget_slot, write_slot, value):
    c = c_prev
    c[forget_slot] = 0.0
    c[write_slot] += value
    return c
''',
        expect="changed c_prev in place",
    ),
    dict(
        name="calendar_write_replaces_instead_of_adding",
        replaces="calendar_step",
        source='''
def calendar_step(c_prev, forget_slot, write_slot, value):
    c = c_prev.copy()
    c[forget_slot] = 0.0
    c[write_slot] = value
    return c
''',
        expect="the write adds value",
    ),
    dict(
        name="calendar_float64_gates",
        replaces="calendar_step",
        edit=[
            ("f = np.ones_like(c_prev)", "S = len(c_prev)\n    f = np.ones(S)"),
            ("i = np.zeros_like(c_prev)", "i = np.zeros(S)"),
            ("g = np.full_like(c_prev, value)", "g = np.full(S, value)"),
        ],
        expect="np.ones_like",
    ),
    # --- rnn_rewrite ---------------------------------------------------------------------
    dict(
        name="rnn_rewrite_uses_W_not_W_T",
        replaces="rnn_rewrite",
        source='''
def rnn_rewrite(h_prev, W_hh, u):
    return tanh(h_prev @ W_hh + u)
''',
        expect="W_hh.T",
    ),
    dict(
        name="rnn_rewrite_input_outside_tanh",
        replaces="rnn_rewrite",
        source='''
def rnn_rewrite(h_prev, W_hh, u):
    return tanh(h_prev @ W_hh.T) + u
''',
        expect="u added inside the tanh",
    ),
    dict(
        name="rnn_rewrite_no_tanh",
        replaces="rnn_rewrite",
        source='''
def rnn_rewrite(h_prev, W_hh, u):
    return h_prev @ W_hh.T + u
''',
        expect="tanh applied to the whole sum",
    ),
    dict(
        # a batch axis assumed: fails on the single state (H,) that the calendar plot passes
        name="rnn_rewrite_einsum_needs_a_batch",
        replaces="rnn_rewrite",
        edit=[("return tanh(h_prev @ W_hh.T + u)", 'return tanh(np.einsum("bh,kh->bk", h_prev, W_hh) + u)')],
        expect="(H,)",
    ),
]
