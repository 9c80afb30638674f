"""Real student mistakes for 07_periodic_forecasting.

Each mutant redefines one graded function of
solutions/07_periodic_forecasting/07_periodic_forecasting.ipynb the way a student gets it wrong;
the mutation harness (autograder.authoring.mutants) checks that some graded test cell then fails
and that its error message contains `expect`. `np`, `torch`, `nn` come from the setup cell.

A mutant is its whole `source`, or `edit`: (old, new) texts, each replaced once in the reference
function of the solution cell.
"""


MUTANTS = [
    dict(
        name="scaler_fitted_on_full_series",
        replaces="prepare_training_data",
        edit=[
            ("train = np.asarray(series, dtype=np.float64)[train_idx]\n"
             "    scaler = fit_scaler(train)",
             "scaler = fit_scaler(series)\n"
             "    train = np.asarray(series, dtype=np.float64)[train_idx]"),
        ],
        expect="leak",
    ),
    dict(
        name="windows_cut_from_train_and_validation",
        replaces="prepare_training_data",
        source='''
def prepare_training_data(series, n_in, n_out, val_frac, test_frac):
    train_idx, val_idx, test_idx = chronological_split(len(series), val_frac, test_frac)
    series = np.asarray(series, dtype=np.float64)
    scaler = fit_scaler(series[train_idx])
    X, Y = make_windows(apply_scaler(series[:len(train_idx) + len(val_idx)], scaler), n_in, n_out)
    return X, Y, scaler, (train_idx, val_idx, test_idx)
''',
        expect="leak",
    ),
    dict(
        name="windows_target_off_by_one",
        replaces="make_windows",
        source='''
def make_windows(series, n_in, n_out):
    series = np.asarray(series)
    N = len(series) - n_in - n_out
    X = np.stack([series[i:i + n_in] for i in range(N)])
    Y = np.stack([series[i + n_in + 1:i + n_in + 1 + n_out] for i in range(N)])
    return X, Y
''',
        expect="off by one",
    ),
    dict(
        name="windows_target_overlaps_inputs",
        replaces="make_windows",
        source='''
def make_windows(series, n_in, n_out):
    series = np.asarray(series)
    N = len(series) - n_in - n_out + 1
    X = np.stack([series[i:i + n_in] for i in range(N)])
    Y = np.stack([series[i + n_in - 1:i + n_in - 1 + n_out] for i in range(N)])
    return X, Y
''',
        expect="overlaps the inputs",
    ),
    dict(
        name="shuffled_time_split",
        replaces="chronological_split",
        source='''
def chronological_split(n, val_frac, test_frac):
    n_test, n_val = int(round(n * test_frac)), int(round(n * val_frac))
    n_train = n - n_val - n_test
    idx = np.random.default_rng(0).permutation(n)
    return idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]
''',
        expect="shuffled",
    ),
    dict(
        name="validation_and_test_overlap",
        replaces="chronological_split",
        source='''
def chronological_split(n, val_frac, test_frac):
    n_test, n_val = int(round(n * test_frac)), int(round(n * val_frac))
    n_train = n - n_val - n_test
    idx = np.arange(n)
    return idx[:n_train], idx[n_train:n_train + n_val + 1], idx[n_train + n_val:]
''',
        expect="overlap",
    ),
    dict(
        name="seasonal_naive_lag_one",
        replaces="seasonal_naive",
        source='''
def seasonal_naive(history, season, horizon):
    history = np.asarray(history, dtype=np.float64)
    return np.full(horizon, history[-1])
''',
        expect="lag 1",
    ),
    dict(
        name="seasonal_naive_offset_one_step",
        replaces="seasonal_naive",
        source='''
def seasonal_naive(history, season, horizon):
    history = np.asarray(history, dtype=np.float64)
    T = len(history)
    return history[T - season - 1 + np.arange(horizon) % season]
''',
        expect="one step off",
    ),
    dict(
        name="mape_as_fraction",
        replaces="mape",
        edit=[("float(100.0 * np.mean(", "float(np.mean(")],
        expect="percent",
    ),
    dict(
        name="mape_divides_by_zero",
        replaces="mape",
        source='''
def mape(y, y_hat):
    y, y_hat = np.asarray(y, dtype=np.float64), np.asarray(y_hat, dtype=np.float64)
    return float(100.0 * np.mean(np.abs((y - y_hat) / y)))
''',
        expect="divided by zero",
    ),
    dict(
        name="rmse_without_sqrt",
        replaces="rmse",
        source='''
def rmse(y, y_hat):
    y, y_hat = np.asarray(y, dtype=np.float64), np.asarray(y_hat, dtype=np.float64)
    return float(np.mean((y - y_hat) ** 2))
''',
        expect="square root",
    ),
    dict(
        name="mae_signed_errors",
        replaces="mae",
        source='''
def mae(y, y_hat):
    y, y_hat = np.asarray(y, dtype=np.float64), np.asarray(y_hat, dtype=np.float64)
    return float(np.mean(y - y_hat))
''',
        expect="absolute",
    ),
    dict(
        name="scaler_inverse_in_wrong_order",
        replaces="apply_scaler",
        source='''
def apply_scaler(x, scaler, inverse=False):
    mean, std = scaler
    x = np.asarray(x, dtype=np.float64)
    return (x + mean) * std if inverse else (x - mean) / std
''',
        expect="inverse",
    ),
    dict(
        name="forecast_sees_true_future",
        replaces="rolling_origin_forecast",
        source='''
def rolling_origin_forecast(predict, series, start, horizon):
    series = np.asarray(series, dtype=np.float64)
    out = []
    for origin in range(start, len(series), horizon):
        steps = min(horizon, len(series) - origin)
        out.append(np.asarray(predict(series[:origin + steps].copy(), origin), dtype=np.float64)[:steps])
    return np.concatenate(out)
''',
        expect="future",
    ),
    dict(
        name="forecaster_ignores_future_calendar",
        replaces="make_forecaster",
        source='''
class _PastOnly(nn.Module):
    def __init__(self, n_features, n_out, hidden_size):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_out)

    def forward(self, x_past, x_future):
        hs, _ = self.lstm(x_past)
        return self.head(hs[:, -1])


def make_forecaster(n_features, n_future, n_out, hidden_size=32, seed=0):
    torch.manual_seed(seed)
    return _PastOnly(n_features, n_out, hidden_size)
''',
        expect="x_future",
    ),
    dict(
        name="forecaster_reads_first_hidden_state",
        replaces="make_forecaster",
        source='''
class _FirstState(Forecaster):
    def forward(self, x_past, x_future):
        hs, _ = self.lstm(x_past)
        return self.head(torch.cat([hs[:, 0], x_future.flatten(1)], dim=1))


def make_forecaster(n_features, n_future, n_out, hidden_size=32, seed=0):
    torch.manual_seed(seed)
    return _FirstState(n_features, n_future, n_out, hidden_size)
''',
        expect="whole past window",
    ),
    # --- promises of the docstrings, each with the near-miss that breaks it -----------------
    dict(
        # negative slicing for the last period: with n_test = 0, idx[-0:] is the whole series
        name="split_test_by_negative_slice",
        replaces="chronological_split",
        edit=[("return idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]",
               "return idx[:n_train], idx[n_train:n - n_test], idx[-n_test:]")],
        expect="series[-0:]",
    ),
    dict(
        # sklearn's StandardScaler habit: one mean and std per column
        name="scaler_per_column",
        replaces="fit_scaler",
        edit=[("mean = float(train.mean())\n    std = float(train.std())\n    return mean, (std if std > 0 else 1.0)",
               "mean, std = train.mean(axis=0), train.std(axis=0)\n    return mean, np.where(std > 0, std, 1.0)")],
        expect="not one per column",
    ),
    dict(
        name="apply_scaler_keeps_float32",
        replaces="apply_scaler",
        edit=[("x = np.asarray(x, dtype=np.float64)", "x = np.asarray(x)")],
        expect="float64",
    ),
    dict(
        # windows made ready for torch too early
        name="training_windows_as_float32",
        replaces="prepare_training_data",
        edit=[("X, Y = make_windows(apply_scaler(train, scaler), n_in, n_out)",
               "X, Y = make_windows(apply_scaler(train, scaler).astype(np.float32), n_in, n_out)")],
        expect="float64 windows",
    ),
    dict(
        name="seasonal_naive_keeps_integers",
        replaces="seasonal_naive",
        edit=[("history = np.asarray(history, dtype=np.float64)", "history = np.asarray(history)")],
        expect="float64",
    ),
    dict(
        # a view of the series: a predict that works in place changes the data
        name="rolling_origin_passes_a_view",
        replaces="rolling_origin_forecast",
        edit=[("predict(series[:origin].copy(), origin)", "predict(series[:origin], origin)")],
        expect="a copy of the history",
    ),
    dict(
        # every block kept whole, the total cut at the end: misaligned when predict returns more
        name="rolling_origin_cuts_only_the_end",
        replaces="rolling_origin_forecast",
        edit=[("out.append(forecast[:steps])", "out.append(forecast)"),
              ("return np.concatenate(out)", "return np.concatenate(out)[:len(series) - start]")],
        expect="more than `horizon` forecasts",
    ),
    dict(
        name="rolling_origin_keeps_the_dtype_of_predict",
        replaces="rolling_origin_forecast",
        edit=[("forecast = np.asarray(predict(series[:origin].copy(), origin), dtype=np.float64)",
               "forecast = np.asarray(predict(series[:origin].copy(), origin))")],
        expect="float64 array",
    ),
    dict(
        # the head of the formula without its hidden layer
        name="forecaster_head_without_hidden_layer",
        replaces="make_forecaster",
        source='''
class _OneLayerHead(Forecaster):
    def __init__(self, n_features, n_future, n_out, hidden_size=32):
        super().__init__(n_features, n_future, n_out, hidden_size)
        self.head = nn.Linear(hidden_size + n_out * n_future, n_out)


def make_forecaster(n_features, n_future, n_out, hidden_size=32, seed=0):
    torch.manual_seed(seed)
    return _OneLayerHead(n_features, n_future, n_out, hidden_size)
''',
        expect="nn.Tanh(), nn.Linear(hidden_size, n_out)",
    ),
    dict(
        name="forecaster_ignores_hidden_size",
        replaces="make_forecaster",
        edit=[("return Forecaster(n_features, n_future, n_out, hidden_size)",
               "return Forecaster(n_features, n_future, n_out)")],
        expect="with the hidden_size you are given",
    ),
    dict(
        name="forecaster_fixed_seed",
        replaces="make_forecaster",
        edit=[("torch.manual_seed(seed)\n    return", "torch.manual_seed(0)\n    return")],
        expect="not a fixed number",
    ),
]
