"""Real student mistakes for 15_image_generation_attention (DRAW's attention parameters, the
Gaussian filterbank, the read and one write step).

Each mutant redefines one graded function of
solutions/15_image_generation_attention/15_image_generation_attention.ipynb. `expect` is text
that must appear in the message of a failing test cell: the hint that names the mistake.

A mutant is its whole `source` here (the harness also takes `edit`: (old, new) texts replaced in
the reference function, for a mistake that is a small change of it).
"""

MUTANTS = [
    # ------------------------------------------------------------------ attention_params
    dict(
        name="params_centre_a_over_2",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gx_t, gy_t, log_s2, log_d, log_g = raw.unbind(-1)
    gx = A / 2 * (gx_t + 1)                 # the middle of 0..A instead of 1..A
    gy = B / 2 * (gy_t + 1)
    delta = (max(A, B) - 1) / (N - 1) * torch.exp(log_d)
    return gx, gy, torch.exp(log_s2), delta, torch.exp(log_g)
''',
        expect="(A + 1)/2 = 4.5",
    ),
    dict(
        name="params_stride_not_scaled",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gx_t, gy_t, log_s2, log_d, log_g = raw.unbind(-1)
    gx = (A + 1) / 2 * (gx_t + 1)
    gy = (B + 1) / 2 * (gy_t + 1)
    delta = torch.exp(log_d)                # delta~ used as the stride
    return gx, gy, torch.exp(log_s2), delta, torch.exp(log_g)
''',
        expect="the stride is not scaled",
    ),
    dict(
        name="params_stride_uses_width_only",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gx_t, gy_t, log_s2, log_d, log_g = raw.unbind(-1)
    gx = (A + 1) / 2 * (gx_t + 1)
    gy = (B + 1) / 2 * (gy_t + 1)
    delta = (A - 1) / (N - 1) * torch.exp(log_d)    # the width instead of max(A, B)
    return gx, gy, torch.exp(log_s2), delta, torch.exp(log_g)
''',
        expect="max(A, B), not A alone",
    ),
    dict(
        name="params_stride_over_n",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gx_t, gy_t, log_s2, log_d, log_g = raw.unbind(-1)
    gx = (A + 1) / 2 * (gx_t + 1)
    gy = (B + 1) / 2 * (gy_t + 1)
    delta = max(A, B) / N * torch.exp(log_d)        # A/N "pixels per grid point"
    return gx, gy, torch.exp(log_s2), delta, torch.exp(log_g)
''',
        expect="pixels 1, 4.5 and 8",
    ),
    dict(
        name="params_log_sigma_read_as_log_std",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gx_t, gy_t, log_s2, log_d, log_g = raw.unbind(-1)
    gx = (A + 1) / 2 * (gx_t + 1)
    gy = (B + 1) / 2 * (gy_t + 1)
    delta = (max(A, B) - 1) / (N - 1) * torch.exp(log_d)
    sigma2 = torch.exp(0.5 * log_s2)          # sigma = exp(log sigma^2 / 2) returned as the variance
    return gx, gy, sigma2, delta, torch.exp(log_g)
''',
        expect="log of the variance",
    ),
    dict(
        name="params_gamma_without_exp",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gx_t, gy_t, log_s2, log_d, log_g = raw.unbind(-1)
    gx = (A + 1) / 2 * (gx_t + 1)
    gy = (B + 1) / 2 * (gy_t + 1)
    delta = (max(A, B) - 1) / (N - 1) * torch.exp(log_d)
    return gx, gy, torch.exp(log_s2), delta, log_g
''',
        expect="gamma = exp(log gamma)",
    ),
    dict(
        name="params_x_and_y_swapped",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    gy_t, gx_t, log_s2, log_d, log_g = raw.unbind(-1)      # columns read in the order (y, x)
    gx = (B + 1) / 2 * (gx_t + 1)                          # ... and the height taken for the width
    gy = (A + 1) / 2 * (gy_t + 1)
    delta = (max(A, B) - 1) / (N - 1) * torch.exp(log_d)
    return gx, gy, torch.exp(log_s2), delta, torch.exp(log_g)
''',
        expect="computed from g~Y and B",
    ),
    dict(
        name="params_numpy_exp_breaks_gradients",
        replaces="attention_params",
        source='''
def attention_params(raw, A, B, N):
    r = raw.detach().numpy()
    gx = torch.tensor((A + 1) / 2 * (r[:, 0] + 1))
    gy = torch.tensor((B + 1) / 2 * (r[:, 1] + 1))
    delta = torch.tensor((max(A, B) - 1) / (N - 1) * np.exp(r[:, 3]))
    return gx, gy, torch.tensor(np.exp(r[:, 2])), delta, torch.tensor(np.exp(r[:, 4]))
''',
        expect="torch.exp, not np.exp",
    ),
    # ------------------------------------------------------------------ filterbank
    dict(
        name="filterbank_grid_off_by_one",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(N, dtype=gx.dtype)                        # 0..N-1 with the formula for 1..N
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="the grid is off by one",
    ),
    dict(
        name="filterbank_grid_without_half",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2) * delta[:, None]          # the -0.5 forgotten
    mu_y = gy[:, None] + (i - N / 2) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="half a stride",
    ),
    dict(
        name="filterbank_pixels_from_zero",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(A, dtype=gx.dtype)                        # pixels 0..A-1
    b = torch.arange(B, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="torch.arange(1, A + 1)",
    ),
    dict(
        name="filterbank_variance_read_as_std",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    sigma = torch.sqrt(sigma2)[:, None, None]
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma))  # 2 sigma instead of 2 sigma^2
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma))
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="already the variance",
    ),
    dict(
        name="filterbank_variance_squared",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    var = (sigma2 ** 2)[:, None, None]                          # "sigma^2" of the argument sigma2
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * var))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * var))
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="do not square it",
    ),
    dict(
        name="filterbank_exponent_without_2",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / sigma2[:, None, None])
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / sigma2[:, None, None])
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="with the factor 2 in the denominator",
    ),
    dict(
        name="filterbank_not_normalised",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fx, Fy
''',
        expect="divide each row by its sum",
    ),
    dict(
        name="filterbank_normalised_over_grid_points",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fx / Fx.sum(1, keepdim=True), Fy / Fy.sum(1, keepdim=True)   # over i instead of a
''',
        expect="sum to 1 over the glimpse index i",
    ),
    dict(
        name="filterbank_returns_fy_fx",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    mu_y = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fy / Fy.sum(-1, keepdim=True), Fx / Fx.sum(-1, keepdim=True)
''',
        expect="Fx and Fy are swapped",
    ),
    dict(
        name="filterbank_centres_from_the_wrong_axis",
        replaces="filterbank",
        source='''
def filterbank(gx, gy, sigma2, delta, N, A, B):
    i = torch.arange(1, N + 1, dtype=gx.dtype)
    mu_x = gy[:, None] + (i - N / 2 - 0.5) * delta[:, None]     # copy-paste: gy in the x grid
    mu_y = gx[:, None] + (i - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, A + 1, dtype=gx.dtype)
    b = torch.arange(1, B + 1, dtype=gx.dtype)
    Fx = torch.exp(-(a - mu_x[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    Fy = torch.exp(-(b - mu_y[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
    return Fx / Fx.sum(-1, keepdim=True), Fy / Fy.sum(-1, keepdim=True)
''',
        expect="Fx must use gx",
    ),
    # ------------------------------------------------------------------ read_glimpse
    dict(
        name="read_without_gamma",
        replaces="read_glimpse",
        source='''
def read_glimpse(x, x_hat, Fx, Fy, gamma):
    Fx_t = Fx.transpose(1, 2)
    return torch.cat([(Fy @ x @ Fx_t).flatten(1), (Fy @ x_hat @ Fx_t).flatten(1)], 1)
''',
        expect="multiply the glimpses by gamma",
    ),
    dict(
        name="read_error_image_first",
        replaces="read_glimpse",
        source='''
def read_glimpse(x, x_hat, Fx, Fy, gamma):
    Fx_t = Fx.transpose(1, 2)
    return gamma[:, None] * torch.cat([(Fy @ x_hat @ Fx_t).flatten(1), (Fy @ x @ Fx_t).flatten(1)], 1)
''',
        expect="the glimpse of x comes first",
    ),
    dict(
        name="read_glimpse_transposed",
        replaces="read_glimpse",
        source='''
def read_glimpse(x, x_hat, Fx, Fy, gamma):
    g = lambda img: Fx @ img.transpose(1, 2) @ Fy.transpose(1, 2)     # Fx x^T Fy^T: the glimpse transposed
    return gamma[:, None] * torch.cat([g(x).flatten(1), g(x_hat).flatten(1)], 1)
''',
        expect="the glimpses come out transposed",
    ),
    dict(
        name="read_gamma_broadcast_over_the_wrong_axis",
        replaces="read_glimpse",
        source='''
def read_glimpse(x, x_hat, Fx, Fy, gamma):
    Fx_t = Fx.transpose(1, 2)
    r = torch.cat([(Fy @ x @ Fx_t).flatten(1), (Fy @ x_hat @ Fx_t).flatten(1)], 1)
    return r * gamma.mean()                   # one gain for the whole batch
''',
        expect="one gain per image",
    ),
    # ------------------------------------------------------------------ write_step
    dict(
        name="write_forgets_one_over_gamma",
        replaces="write_step",
        source='''
def write_step(c_prev, w, Fx, Fy, gamma):
    return c_prev + Fy.transpose(1, 2) @ w @ Fx
''',
        expect="without the 1/gamma",
    ),
    dict(
        name="write_multiplies_by_gamma",
        replaces="write_step",
        source='''
def write_step(c_prev, w, Fx, Fy, gamma):
    return c_prev + gamma[:, None, None] * (Fy.transpose(1, 2) @ w @ Fx)     # like the read
''',
        expect="divide by gamma, do not multiply",
    ),
    dict(
        name="write_overwrites_the_canvas",
        replaces="write_step",
        source='''
def write_step(c_prev, w, Fx, Fy, gamma):
    return (Fy.transpose(1, 2) @ w @ Fx) / gamma[:, None, None]
''',
        expect="the canvas accumulates",
    ),
    dict(
        name="write_in_place",
        replaces="write_step",
        source='''
def write_step(c_prev, w, Fx, Fy, gamma):
    c_prev += (Fy.transpose(1, 2) @ w @ Fx) / gamma[:, None, None]
    return c_prev
''',
        expect="changed c_prev in place",
    ),
    dict(
        name="write_filterbanks_on_the_wrong_sides",
        replaces="write_step",
        source='''
def write_step(c_prev, w, Fx, Fy, gamma):
    patch = Fx.transpose(1, 2) @ w @ Fy                  # (A x N)(N x N)(N x B): the canvas transposed
    return c_prev.transpose(1, 2) + patch / gamma[:, None, None]
''',
        expect="the canvas is (batch, B, A)",
    ),
    dict(
        name="write_patch_transposed",
        replaces="write_step",
        source='''
def write_step(c_prev, w, Fx, Fy, gamma):
    return c_prev + (Fy.transpose(1, 2) @ w.transpose(1, 2) @ Fx) / gamma[:, None, None]
''',
        expect="transposed",
    ),
]
