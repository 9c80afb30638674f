"""Gradient checking with centred differences, in float64.

- ``numerical_gradient(f, x, eps)``: the numerical gradient of a scalar ``f()`` w.r.t. ``x``.
- ``relative_error(a, b)``: the largest elementwise relative error.
- ``grad_check(f, params, analytic, ...)``: compares analytic gradients of several
  parameters with numerical ones and raises a readable ``AssertionError`` when one is wrong.

Typical use, for a loss ``L = sum(hs * dhs)``::

    def f():
        hs, _ = rnn_forward(x, h0, params)
        return np.sum(hs * dhs)

    _, _, grads = rnn_backward(dhs, cache)
    grad_check(f, params, grads)
"""

import warnings

import numpy as np

from ._arrays import to_numpy
from .testing import _as_array, _fmt_index, _fmt_shape

__all__ = ["numerical_gradient", "relative_error", "grad_check"]

# Roundoff of a centred difference is about (a few ulps of f) / eps; an entry whose
# analytic and numerical values differ by less than this is within noise.
_NOISE_ULPS = 64 * np.finfo(np.float64).eps


def numerical_gradient(f, x, eps=1e-6):
    """Centred-difference gradient of a scalar function w.r.t. an array it reads.

    ``x`` is perturbed in place, one entry at a time, and restored afterwards (also when
    ``f`` raises).

    Inputs:
    - f: function of no arguments returning a scalar (python float, 0-d array, torch
      scalar); it must read ``x``.
    - x: float64 numpy array of any shape, e.g. ``params["W_hh"]`` of shape (H, H).
    - eps: the step of the centred difference.

    Returns:
    - grad: float64 array of the shape of ``x``: ``(f(x + eps e_i) - f(x - eps e_i)) / 2eps``.
    """
    _check_param(x, "x")
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in range(x.size):
        grad.flat[i] = _centred_difference(f, x, i, eps)
    return grad


def relative_error(a, b):
    """Largest elementwise relative error between two arrays.

    Inputs:
    - a, b: arrays (or tensors, scalars) of the same shape.

    Returns:
    - a float: ``max |a - b| / max(1e-12, |a| + |b|)`` over all entries (0.0 when empty).
    """
    a = np.asarray(to_numpy(a), dtype=np.float64)
    b = np.asarray(to_numpy(b), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ: {_fmt_shape(a.shape)} vs "
                         f"{_fmt_shape(b.shape)}")
    if a.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        rel = np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))
    return float(np.max(rel))


def grad_check(f, params, analytic, *, eps=1e-6, tol=1e-6, max_entries=None, rng=None):
    """Compare analytic gradients with centred differences, parameter by parameter.

    An entry passes when ``|a - n| <= tol * (|a| + |n|)`` or when ``|a - n|`` is within the
    roundoff noise of the centred difference (about ``64 ulp(|f|) / eps``); the relative
    error reported is ``|a - n| / max(1e-12, |a| + |n|, noise / tol)``, so that entries
    whose true gradient is ~0 do not fail on noise.

    Inputs:
    - f: function of no arguments returning the scalar loss; it must read the arrays in
      ``params`` (they are perturbed in place and restored).
    - params: dict name -> float64 array, e.g. ``{"W_ih": (H, D), "W_hh": (H, H), ...}``.
    - analytic: dict name -> gradient of ``f`` w.r.t. ``params[name]``, same shape.
    - eps: the step of the centred differences.
    - tol: the largest relative error accepted.
    - max_entries: if given, check only this many randomly chosen entries per parameter.
    - rng: ``np.random.Generator`` or seed used to choose those entries (default seed 0).

    Returns:
    - errors: dict name -> the largest relative error found for that parameter.

    Raises:
    - AssertionError naming the worst parameter, its relative error and the index where it
      occurs (or a missing gradient, ``None``, a shape mismatch, NaN).
    - TypeError when a parameter is not a float64 numpy array.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(0 if rng is None else rng)
    for key, x in params.items():
        _check_param(x, f"params[{key!r}]")

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        f0 = _scalar(f())
        noise = _NOISE_ULPS * max(1.0, abs(f0)) / eps
        floor = max(1e-12, noise / tol)

        errors, worst = {}, None
        for key, x in params.items():
            grad = _analytic_array(analytic, key, x)
            if x.size == 0:
                errors[key] = 0.0
                continue
            if max_entries is not None and x.size > max_entries:
                flat = np.sort(rng.choice(x.size, size=int(max_entries), replace=False))
            else:
                flat = np.arange(x.size)
            num = np.array([_centred_difference(f, x, i, eps) for i in flat])
            ana = grad.reshape(-1)[flat]
            if not np.all(np.isfinite(ana)):
                i = flat[int(np.flatnonzero(~np.isfinite(ana))[0])]
                raise AssertionError(
                    f"grad_check: analytic gradient of {key!r} contains NaN or inf at index "
                    f"{_fmt_index(np.unravel_index(i, x.shape))}.")
            diff = np.abs(ana - num)
            rel = diff / np.maximum(floor, np.abs(ana) + np.abs(num))
            j = int(np.argmax(rel))
            errors[key] = float(rel[j])
            if rel[j] > tol and (worst is None or rel[j] > worst[1]):
                worst = (key, float(rel[j]), j, flat, ana, num, x.shape)

    if worst is not None:
        raise AssertionError(_failure_message(worst, errors, tol))
    return errors


# --------------------------------------------------------------------------- internals


def _check_param(x, label):
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = (f"a numpy array of dtype {x.dtype}" if isinstance(x, np.ndarray)
               else type(x).__name__)
        raise TypeError(f"{label} must be a float64 numpy array that f() reads (got {got}); "
                        f"centred differences need float64 precision.")


def _scalar(value):
    arr = to_numpy(value)
    if arr.size != 1:
        raise TypeError(f"f() must return a scalar loss, got an array of shape "
                        f"{_fmt_shape(arr.shape)}: sum it, e.g. np.sum(hs * dhs).")
    return float(arr.reshape(()))


def _centred_difference(f, x, i, eps):
    old = x.flat[i]
    try:
        x.flat[i] = old + eps
        plus = _scalar(f())
        x.flat[i] = old - eps
        minus = _scalar(f())
    finally:
        x.flat[i] = old
    return (plus - minus) / (2 * eps)


def _analytic_array(analytic, key, x):
    if analytic is None:
        raise AssertionError("grad_check: the gradients are None — did you forget to "
                             "`return` them?")
    if key not in analytic:
        raise AssertionError(f"grad_check: no gradient for {key!r}: the gradient dict has keys "
                             f"{sorted(analytic)}, it needs the keys of params "
                             f"(same names, same shapes).")
    grad, problem = _as_array(analytic[key], f"gradient of {key!r}")
    if problem:
        raise AssertionError(f"grad_check: {problem}")
    if grad.shape != x.shape:
        raise AssertionError(f"grad_check: gradient of {key!r}: shape mismatch: got "
                             f"{_fmt_shape(grad.shape)}, expected {_fmt_shape(x.shape)} "
                             f"(the shape of the parameter).")
    return np.asarray(grad, dtype=np.float64)


def _failure_message(worst, errors, tol):
    key, rel, j, flat, ana, num, shape = worst
    idx = np.unravel_index(int(flat[j]), shape)
    message = (f"grad_check: the gradient of {key!r} is wrong: relative error {rel:.1e} "
               f"(tol {tol:g}) at index {_fmt_index(idx)}: analytic {ana[j]:.6g}, "
               f"numerical {num[j]:.6g}.")
    others = [f"{name} {err:.1e}" for name, err in errors.items() if name != key]
    if others:
        message += " Relative errors of the others: " + ", ".join(others) + "."
    message += _gradient_diagnosis(ana, num, tol)
    return message


def _gradient_diagnosis(ana, num, tol):
    close = np.abs(ana - num) <= tol * (np.abs(ana) + np.abs(num)) + 1e-10
    if np.all(ana == 0) and np.any(num != 0):
        return " The analytic gradient is all zeros: is it computed and returned?"
    if np.all(np.abs(ana + num) <= tol * (np.abs(ana) + np.abs(num)) + 1e-10):
        return " The sign is flipped (analytic ≈ -numerical)."
    nz = np.abs(num) > 1e-8
    if nz.sum() >= 2 and np.any(ana[nz] != 0):
        ratios = ana[nz] / num[nz]
        r = float(np.median(ratios))
        if r != 0 and abs(r - 1) > 1e-3 and np.allclose(ratios, r, rtol=1e-4):
            return f" analytic ≈ {r:.4g} × numerical everywhere: a constant factor is off."
    if close.mean() >= 0.5:
        return (f" {int((~close).sum())} of {close.size} checked entries are wrong, the rest "
                f"match: look for a term missing only in some entries (an accumulation "
                f"`+=` written as `=`, the first or last time step, the bias).")
    return ""
