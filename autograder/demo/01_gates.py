"""Demo class for 01_gates: what `lstm-course demo` grades.

Each student's answers are "solution" (the reference, copied from solutions/), "blank" (the
untouched release) or {grade_id of a solution cell: the cell source the student wrote};
solution cells not named keep the release's `raise NotImplementedError()`. "__crash__": True
makes the student's kernel die in the first solution cell.
"""

# --- correct answers, written the way a student would (not the reference's wording) -------

SIGMOID = '''
def sigmoid(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])          # x < 0 here, so e <= 1
    out[~pos] = e / (1.0 + e)
    return out
'''

TANH = '''
def tanh(x):
    # tanh(x) = 2 * sigmoid(2x) - 1, stable because my sigmoid is
    return 2 * sigmoid(2 * x) - 1
'''

SIGMOID_GRAD = '''
def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)
'''

TANH_GRAD = '''
def tanh_grad(x):
    return 1 - tanh(x) ** 2
'''

GATE = '''
def gate(x, W, b):
    z = np.dot(x, W.T) + b   # (B, H)
    return sigmoid(z)
'''

APPLY_GATE = '''
def apply_gate(gate_values, v):
    return np.multiply(gate_values, v)
'''

CELL_UPDATE = '''
def cell_update(f, i, g, c_prev):
    c = f * c_prev + i * g
    return c
'''

CALENDAR_STEP = '''
def calendar_step(c_prev, forget_slot, write_slot, value):
    f = np.ones_like(c_prev)
    f[forget_slot] = 0
    i = np.zeros_like(c_prev)
    i[write_slot] = 1
    g = value * np.ones_like(c_prev)
    return cell_update(f, i, g, c_prev)
'''

RNN_REWRITE = '''
def rnn_rewrite(h_prev, W_hh, u):
    return tanh(h_prev @ W_hh.T + u)
'''

CORRECT = {
    "sigmoid_code": SIGMOID,
    "tanh_code": TANH,
    "sigmoid_grad_code": SIGMOID_GRAD,
    "tanh_grad_code": TANH_GRAD,
    "gate_code": GATE,
    "apply_gate_code": APPLY_GATE,
    "cell_update_code": CELL_UPDATE,
    "calendar_step_code": CALENDAR_STEP,
    "rnn_rewrite_code": RNN_REWRITE,
}

# --- the two classic bugs -----------------------------------------------------------------

NAIVE_SIGMOID = '''
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
'''

NP_TANH = '''
def tanh(x):
    return np.tanh(x)
'''

TANH_GRAD_FROM_X = '''
def tanh_grad(x):
    return 1 - x**2
'''

STUDENTS = {
    # the reference solution: full marks on every autograded cell
    "ada_perfect": "solution",
    # opened the notebook and submitted it untouched: 0 points
    "bo_blank": "blank",
    # did sections 2, 3 (tanh only), 5 and 6; the rest still raises NotImplementedError
    "cy_partial": {k: CORRECT[k] for k in ("sigmoid_code", "tanh_code", "apply_gate_code", "cell_update_code")},
    # everything done, but sigmoid overflows for x << 0 and tanh' is written as 1 - x**2
    "di_classic_bug": {**CORRECT, "sigmoid_code": NAIVE_SIGMOID, "tanh_code": NP_TANH,
                       "tanh_grad_code": TANH_GRAD_FROM_X},
    # correct answers, but the kernel dies (os._exit) in the first solution cell
    "eve_crash": {**CORRECT, "__crash__": True},
    # correct answers in the student's own style (np.empty_like, 2 * sigmoid(2x) - 1, np.dot)
    "fay_own_style": dict(CORRECT),
}
