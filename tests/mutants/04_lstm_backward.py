"""Real student mistakes for 04_lstm_backward.

Each mutant redefines one graded function of solutions/04_lstm_backward/04_lstm_backward.ipynb
the way a student gets it wrong; the mutation harness (autograder.authoring.mutants) checks that
some graded test cell then fails and that its error message contains `expect`.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).

The mutants read the caches of the reference forward pass in that notebook: a dict for a step
(x, h_prev, c_prev, i, f, g, o, tanh_c, params) and, for a sequence, the time-major tuple
(x, h0, c0, params, gates (T, B, 4H), cs, tanh_cs, hs (T, B, H)).
"""

# A correct step backward, written plainly; the mutants below change one thing each.
_STEP = '''
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev = cache["x"], cache["h_prev"], cache["c_prev"]
    i, f, g, o, tanh_c = cache["i"], cache["f"], cache["g"], cache["o"], cache["tanh_c"]
    params = cache["params"]
    dc = dc + dh * o * (1 - tanh_c ** 2)
    di = dc * g
    df = dc * c_prev
    dg = dc * i
    do = dh * tanh_c
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1)
    dx = da @ params["W_ih"]
    dh_prev = da @ params["W_hh"]
    dc_prev = dc * f
    grads = {"W_ih": da.T @ x, "W_hh": da.T @ h_prev, "b_ih": da.sum(axis=0), "b_hh": da.sum(axis=0)}
    return dx, dh_prev, dc_prev, grads
'''

# A correct backpropagation through time, written plainly; the mutants change one thing each.
_BPTT = '''
def lstm_backward(dhs, cache):
    x, h0, c0, params, gates, cs, tanh_cs, hs = cache
    T, B, H = hs.shape
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dx = np.zeros_like(x)
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        i, f, g, o = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:3 * H], gates[t, :, 3 * H:]
        c_prev = cs[t - 1] if t > 0 else c0
        h_prev = hs[t - 1] if t > 0 else h0
        dh = dhs[:, t] + dh_next
        dc = dc_next + dh * o * (1 - tanh_cs[t] ** 2)
        da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                             dh * tanh_cs[t] * o * (1 - o)], axis=1)
        dx[:, t] = da @ params["W_ih"]
        dh_next = da @ params["W_hh"]
        dc_next = dc * f
        grads["W_ih"] += da.T @ x[:, t]
        grads["W_hh"] += da.T @ h_prev
        grads["b_ih"] += da.sum(axis=0)
        grads["b_hh"] += da.sum(axis=0)
    return dx, dh_next, dc_next, grads
'''

# lstm_backward as a loop over the notebook's lstm_step_backward (step caches rebuilt from the
# reference forward's sequence cache), with the step's dc_prev unpacked and dropped.
_STEP_LOOP = '''
def lstm_backward(dhs, cache):
    x, h0, c0, params, gates, cs, tanh_cs, hs = cache
    T, B, H = hs.shape
    dx = np.zeros_like(x)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        step_cache = {"x": x[:, t], "h_prev": hs[t - 1] if t > 0 else h0, "c_prev": cs[t - 1] if t > 0 else c0,
                      "i": gates[t, :, :H], "f": gates[t, :, H:2 * H], "g": gates[t, :, 2 * H:3 * H],
                      "o": gates[t, :, 3 * H:], "tanh_c": tanh_cs[t], "params": params}
        dx[:, t], dh_next, dc_prev, step_grads = lstm_step_backward(dhs[:, t] + dh_next, dc_next, step_cache)
        for k in grads:
            grads[k] += step_grads[k]
    return dx, dh_next, dc_next, grads
'''


def _step(old, new):
    assert old in _STEP, old
    return _STEP.replace(old, new)


def _bptt(old, new):
    assert old in _BPTT, old
    return _BPTT.replace(old, new)


MUTANTS = [
    # --- lstm_step_backward -----------------------------------------------------------------
    dict(
        name="step_tanh_prime_missing_on_c",
        replaces="lstm_step_backward",
        source=_step("dc = dc + dh * o * (1 - tanh_c ** 2)", "dc = dc + dh * o"),
        expect="tanh' on c",
    ),
    dict(
        name="step_tanh_prime_missing_on_g",
        replaces="lstm_step_backward",
        source=_step("dg * (1 - g ** 2)", "dg"),
        expect="tanh' on g",
    ),
    dict(
        name="step_sigmoid_prime_missing",
        replaces="lstm_step_backward",
        source=_step("[di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)]",
                     "[di, df, dg * (1 - g ** 2), do]"),
        expect="sigmoid'",
    ),
    dict(
        name="step_forget_gradient_from_new_c",
        replaces="lstm_step_backward",
        source=_step("df = dc * c_prev", "c = f * c_prev + i * g\n    df = dc * c"),
        expect="previous cell state",
    ),
    dict(
        name="step_dc_prev_without_forget_gate",
        replaces="lstm_step_backward",
        source=_step("dc_prev = dc * f", "dc_prev = dc"),
        expect="through the forget gate",
    ),
    dict(
        name="step_incoming_dc_ignored",
        replaces="lstm_step_backward",
        source=_step("dc = dc + dh * o * (1 - tanh_c ** 2)", "dc = dh * o * (1 - tanh_c ** 2)"),
        expect="dc passed in",
    ),
    dict(
        name="step_db_hh_left_at_zero",
        replaces="lstm_step_backward",
        source=_step('"b_hh": da.sum(axis=0)}', '"b_hh": np.zeros(da.shape[1])}'),
        expect="db_hh",
    ),
    dict(
        name="step_dW_ih_transposed",
        replaces="lstm_step_backward",
        source=_step('"W_ih": da.T @ x', '"W_ih": x.T @ da'),
        expect="not x.T @ da",
    ),
    dict(
        name="step_accumulates_into_incoming_dc",
        replaces="lstm_step_backward",
        source=_step("dc = dc + dh * o * (1 - tanh_c ** 2)", "dc += dh * o * (1 - tanh_c ** 2)"),
        expect="in place",
    ),
    # --- lstm_backward ------------------------------------------------------------------------
    dict(
        name="bptt_dc_not_carried_back",
        replaces="lstm_backward",
        source=_bptt("dc = dc_next + dh * o", "dc = dh * o"),
        expect="dc from step t+1 is not carried back",
    ),
    dict(
        # the loop of the exercise's hint, with the step's dc_prev unpacked and never used:
        # dc_next stays zero, so no cell gradient reaches step t from step t+1, and dc0 = 0
        name="bptt_step_loop_drops_dc_prev",
        replaces="lstm_backward",
        source=_STEP_LOOP,
        expect="the cell gradient is not carried to the previous step: pass dc_prev on",
    ),
    dict(
        name="bptt_dc_prev_thrown_away",
        replaces="lstm_backward",
        source=_bptt("dc_next = dc * f", "dc_prev = dc * f"),
        expect="pass dc_prev on",
    ),
    dict(
        name="bptt_dh_prev_thrown_away",
        replaces="lstm_backward",
        source=_bptt('dh_next = da @ params["W_hh"]', 'dh_prev = da @ params["W_hh"]'),
        expect="pass dh_prev on",
    ),
    dict(
        # every step right, dc carried right, but dc0 returned as a fresh zero array
        name="bptt_returns_zero_dc0",
        replaces="lstm_backward",
        source=_bptt("    return dx, dh_next, dc_next, grads", "    return dx, dh_next, np.zeros((B, H)), grads"),
        expect="dc0 is all zeros",
    ),
    dict(
        # the step's outputs unpacked in the wrong order: dh_prev and dc_prev trade places
        name="bptt_step_loop_swaps_dh_prev_and_dc_prev",
        replaces="lstm_backward",
        source=_STEP_LOOP.replace("dx[:, t], dh_next, dc_prev, step_grads = ",
                                  "dx[:, t], dc_next, dh_next, step_grads = "),
        expect="dh0 and dc0 are swapped",
    ),
    dict(
        name="bptt_dh_not_carried_back",
        replaces="lstm_backward",
        source=_bptt("dh = dhs[:, t] + dh_next", "dh = dhs[:, t]"),
        expect="dh from step t+1 is not carried back",
    ),
    dict(
        name="bptt_gradients_overwritten",
        replaces="lstm_backward",
        source=_bptt('grads["W_ih"] += ', 'grads["W_ih"] = ').replace('grads["W_hh"] += ', 'grads["W_hh"] = ')
               .replace('grads["b_ih"] += ', 'grads["b_ih"] = ').replace('grads["b_hh"] += ', 'grads["b_hh"] = '),
        expect="don't overwrite",
    ),
    dict(
        name="bptt_only_dW_hh_overwritten",
        replaces="lstm_backward",
        source=_bptt('grads["W_hh"] += ', 'grads["W_hh"] = '),
        expect="accumulate over time (+=)",
    ),
    dict(
        name="bptt_gradients_averaged_over_time",
        replaces="lstm_backward",
        source=_bptt("    return dx, dh_next, dc_next, grads",
                     "    grads = {k: v / T for k, v in grads.items()}\n    return dx, dh_next, dc_next, grads"),
        expect="factor T",
    ),
    dict(
        name="bptt_dx_only_at_last_step",
        replaces="lstm_backward",
        source=_bptt('dx[:, t] = da @ params["W_ih"]',
                     'if t == T - 1:\n            dx[:, t] = da @ params["W_ih"]'),
        expect="only filled in at the last step",
    ),
    dict(
        name="bptt_walks_forward_in_time",
        replaces="lstm_backward",
        source=_bptt("for t in reversed(range(T)):", "for t in range(T):"),
        expect="reversed(range(T))",
    ),
    dict(
        name="bptt_db_hh_left_at_zero",
        replaces="lstm_backward",
        source=_bptt('        grads["b_hh"] += da.sum(axis=0)\n', ''),
        expect="db_hh",
    ),
    dict(
        name="bptt_dc_prev_without_forget_gate",
        replaces="lstm_backward",
        source=_bptt("dc_next = dc * f", "dc_next = dc"),
        expect="through the forget gate",
    ),
    dict(
        name="bptt_dW_hh_with_h_after_the_step",
        replaces="lstm_backward",
        source=_bptt('grads["W_hh"] += da.T @ h_prev', 'grads["W_hh"] += da.T @ hs[t]'),
        expect="before* the step",
    ),
    dict(
        name="bptt_tanh_prime_missing_on_c",
        replaces="lstm_backward",
        source=_bptt("dc = dc_next + dh * o * (1 - tanh_cs[t] ** 2)", "dc = dc_next + dh * o"),
        expect="tanh' on c",
    ),
]
