"""Real student mistakes for 02_rnn (vanilla RNN forward, BPTT, clipping, Jacobian norms).

Each mutant redefines one graded function of solutions/02_rnn/02_rnn.ipynb; the backward
mutants read the cache of the reference rnn_forward, `(x, h0, hs, params)`. `expect` is text
that must appear in the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    # ------------------------------------------------------------------ rnn_step_forward
    dict(
        name="step_dropped_b_hh",
        replaces="rnn_step_forward",
        source='''
def rnn_step_forward(x, h_prev, params):
    h = np.tanh(x @ params["W_ih"].T + params["b_ih"] + h_prev @ params["W_hh"].T)
    return h, (x, h_prev, h, params)
''',
        expect="b_hh",
    ),
    dict(
        name="step_w_hh_not_transposed",
        replaces="rnn_step_forward",
        source='''
def rnn_step_forward(x, h_prev, params):
    h = np.tanh(x @ params["W_ih"].T + params["b_ih"] + h_prev @ params["W_hh"] + params["b_hh"])
    return h, (x, h_prev, h, params)
''',
        expect="missing transpose",
    ),
    dict(
        name="step_no_tanh",
        replaces="rnn_step_forward",
        source='''
def rnn_step_forward(x, h_prev, params):
    h = x @ params["W_ih"].T + params["b_ih"] + h_prev @ params["W_hh"].T + params["b_hh"]
    return h, (x, h_prev, h, params)
''',
        expect="is tanh applied",
    ),
    dict(
        name="step_tanh_from_exp_overflows",
        replaces="rnn_step_forward",
        source='''
def rnn_step_forward(x, h_prev, params):
    a = x @ params["W_ih"].T + params["b_ih"] + h_prev @ params["W_hh"].T + params["b_hh"]
    h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))
    return h, (x, h_prev, h, params)
''',
        expect="use np.tanh",
    ),
    # ------------------------------------------------------------------ rnn_forward
    dict(
        name="forward_state_not_carried",
        replaces="rnn_forward",
        source='''
def rnn_forward(x, h0, params):
    B, T, _ = x.shape
    hs = np.empty((B, T, h0.shape[1]))
    for t in range(T):
        h, _ = rnn_step_forward(x[:, t], h0, params)
        hs[:, t] = h
    return hs, (x, h0, hs, params)
''',
        expect="carried to the next step",
    ),
    dict(
        name="forward_ignores_h0",
        replaces="rnn_forward",
        source='''
def rnn_forward(x, h0, params):
    B, T, _ = x.shape
    hs = np.empty((B, T, h0.shape[1]))
    h = np.zeros_like(h0)
    for t in range(T):
        h, _ = rnn_step_forward(x[:, t], h, params)
        hs[:, t] = h
    return hs, (x, h0, hs, params)
''',
        expect="from the h0 it is given",
    ),
    dict(
        name="forward_stores_state_before_the_step",
        replaces="rnn_forward",
        source='''
def rnn_forward(x, h0, params):
    B, T, _ = x.shape
    hs = np.empty((B, T, h0.shape[1]))
    h = h0
    for t in range(T):
        hs[:, t] = h                                 # stored before the update: h0, h_1, ...
        h, _ = rnn_step_forward(x[:, t], h, params)
    return hs, (x, h0, hs, params)
''',
        expect="state after the first step",
    ),
    dict(
        name="forward_time_major_stack",
        replaces="rnn_forward",
        source='''
def rnn_forward(x, h0, params):
    h, states = h0, []
    for t in range(x.shape[1]):
        h, _ = rnn_step_forward(x[:, t], h, params)
        states.append(h)
    hs = np.stack(states)                       # (T, B, H): time-major
    return hs, (x, h0, np.stack(states, axis=1), params)
''',
        expect="batch-first",
    ),
    dict(
        name="forward_time_major_indexing",
        replaces="rnn_forward",
        source='''
def rnn_forward(x, h0, params):
    B, T, _ = x.shape
    hs = np.empty((B, T, h0.shape[1]))
    h = h0
    for t in range(T):
        h, _ = rnn_step_forward(x[t], h, params)     # x[t] is a slice of the batch
        hs[:, t] = h
    return hs, (x, h0, hs, params)
''',
        expect="x[:, t]",
    ),
    # ------------------------------------------------------------------ rnn_backward
    dict(
        name="backward_no_tanh_derivative",
        replaces="rnn_backward",
        edit=[
            ("da = (dhs[:, t] + dh_next) * (1 - h ** 2)", "da = dhs[:, t] + dh_next"),
        ],
        expect="1 - h**2",
    ),
    dict(
        name="backward_tanh_derivative_of_preactivation",
        replaces="rnn_backward",
        edit=[
            ("da = (dhs[:, t] + dh_next) * (1 - h ** 2)",
             "a = x[:, t] @ W_ih.T + params['b_ih'] + h_prev @ W_hh.T + params['b_hh']\n"
             "        da = (dhs[:, t] + dh_next) * (1 - a ** 2)"),
        ],
        expect="not the pre-activation",
    ),
    dict(
        name="backward_dh_not_carried_back",
        replaces="rnn_backward",
        edit=[
            ("da = (dhs[:, t] + dh_next) * (1 - h ** 2)", "da = dhs[:, t] * (1 - h ** 2)"),
        ],
        expect="carried back",
    ),
    dict(
        name="backward_dh_next_through_w_hh_transposed",
        replaces="rnn_backward",
        edit=[("dh_next = da @ W_hh", "dh_next = da @ W_hh.T")],
        expect="without a transpose",
    ),
    dict(
        name="backward_grads_overwritten",
        replaces="rnn_backward",
        edit=[
            ('grads["W_ih"] += da.T @ x[:, t]', 'grads["W_ih"] = da.T @ x[:, t]'),
            ('grads["W_hh"] += da.T @ h_prev', 'grads["W_hh"] = da.T @ h_prev'),
            ('grads["b_ih"] += da.sum(axis=0)', 'grads["b_ih"] = da.sum(axis=0)'),
            ('grads["b_hh"] += da.sum(axis=0)', 'grads["b_hh"] = da.sum(axis=0)'),
        ],
        expect="(not =",
    ),
    dict(
        name="backward_grads_averaged_over_time",
        replaces="rnn_backward",
        edit=[
            ("    return dx, dh_next, grads",
             "    grads = {k: g / T for k, g in grads.items()}\n"
             "    return dx, dh_next, grads"),
        ],
        expect="averaged over time",
    ),
    dict(
        name="backward_dh0_zeros",
        replaces="rnn_backward",
        edit=[
            ("    return dx, dh_next, grads", "    return dx, np.zeros_like(h0), grads"),
        ],
        expect="flowing into h0",
    ),
    dict(
        name="backward_forwards_in_time",
        replaces="rnn_backward",
        edit=[("for t in reversed(range(T)):", "for t in range(T):")],
        expect="reversed(range(T))",
    ),
    dict(
        name="backward_dw_hh_uses_h_t",
        replaces="rnn_backward",
        edit=[
            ('grads["W_hh"] += da.T @ h_prev', 'grads["W_hh"] += da.T @ h'),
        ],
        expect="state entering step t",
    ),
    dict(
        name="backward_h_prev_wraps_around_at_t0",
        replaces="rnn_backward",
        edit=[
            ("h_prev = hs[:, t - 1] if t > 0 else h0", "h_prev = hs[:, t - 1]"),
        ],
        expect="h0 at t = 0",
    ),
    dict(
        name="backward_dropped_db_hh",
        replaces="rnn_backward",
        edit=[
            ('        grads["b_hh"] += da.sum(axis=0)\n', ""),
        ],
        expect="did you drop b_hh",
    ),
    dict(
        name="backward_bias_grad_not_summed_over_batch",
        replaces="rnn_backward",
        edit=[
            ('grads["b_ih"] += da.sum(axis=0)', 'grads["b_ih"] += da.mean(axis=0)'),
        ],
        expect="summed over the batch",
    ),
    # ------------------------------------------------------------------ clip_grad_norm
    dict(
        name="clip_each_array_separately",
        replaces="clip_grad_norm",
        source='''
def clip_grad_norm(grads, max_norm):
    clipped = {}
    for key, g in grads.items():
        n = np.sqrt(np.sum(g ** 2))
        clipped[key] = g * (max_norm / n) if n > max_norm else g.copy()
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    return clipped, total
''',
        expect="not each array clipped on its own",
    ),
    dict(
        name="clip_always_rescales",
        replaces="clip_grad_norm",
        source='''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    return {key: g * (max_norm / total) for key, g in grads.items()}, total
''',
        expect="come back unchanged",
    ),
    dict(
        name="clip_in_place",
        replaces="clip_grad_norm",
        source='''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return grads, total
''',
        expect="in place",
    ),
    dict(
        name="clip_returns_norm_after_clipping",
        replaces="clip_grad_norm",
        source='''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    scale = max_norm / total if total > max_norm else 1.0
    clipped = {key: g * scale for key, g in grads.items()}
    return clipped, float(np.sqrt(sum(np.sum(g ** 2) for g in clipped.values())))
''',
        expect="before clipping",
    ),
    dict(
        name="clip_norm_is_sum_of_array_norms",
        replaces="clip_grad_norm",
        source='''
def clip_grad_norm(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads.values()))
    scale = max_norm / total if total > max_norm else 1.0
    return {key: g * scale for key, g in grads.items()}, total
''',
        expect="sum of squares",
    ),
    dict(
        name="clip_returns_input_dict_when_not_clipping",   # "nothing to do": hands back grads itself
        replaces="clip_grad_norm",
        edit=[("scale = max_norm / total_norm if total_norm > max_norm else 1.0",
               "if total_norm <= max_norm:\n"
               "        return grads, total_norm\n"
               "    scale = max_norm / total_norm")],
        expect="returned the input dict itself",
    ),
    # ------------------------------------------------------------------ jacobian_norms
    dict(
        name="jacobian_frobenius_norm",
        replaces="jacobian_norms",
        source='''
def jacobian_norms(x, h0, params):
    B, T, _ = x.shape
    H = h0.shape[1]
    hs, _ = rnn_forward(x, h0, params)
    norms = np.ones((B, T + 1))
    J = np.tile(np.eye(H), (B, 1, 1))
    for lag in range(1, T + 1):
        h = hs[:, T - lag]
        J = J @ ((1 - h ** 2)[:, :, None] * params["W_hh"])
        norms[:, lag] = np.linalg.norm(J, axis=(1, 2))           # Frobenius, not spectral
    return norms
''',
        expect="spectral norm",
    ),
    dict(
        name="jacobian_indexed_by_time_not_lag",
        replaces="jacobian_norms",
        source='''
def jacobian_norms(x, h0, params):
    B, T, _ = x.shape
    H = h0.shape[1]
    hs, _ = rnn_forward(x, h0, params)
    norms = np.ones((B, T + 1))
    J = np.tile(np.eye(H), (B, 1, 1))
    for lag in range(1, T + 1):
        h = hs[:, T - lag]
        J = J @ ((1 - h ** 2)[:, :, None] * params["W_hh"])
        norms[:, T - lag] = np.linalg.norm(J, ord=2, axis=(1, 2))  # column t instead of lag
    norms[:, T] = 1.0
    return norms
''',
        expect="column k is the lag",
    ),
]
