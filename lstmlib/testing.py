"""Asserts for notebook test cells, with messages written for a student at 2 a.m.

Every function here fails only by raising ``AssertionError`` and never writes to stderr
(nbgrader scores a test cell that writes to stderr as 0): warnings raised while comparing
are silenced.

- ``assert_close(actual, expected, *, name, rtol, atol, hint, time_axis)``: values.
- ``assert_shape(actual, shape, *, name, hint)``: shapes.
- ``assert_no_warnings(fn, *args, **kwargs)``: ``fn`` runs without any warning.
- ``assert_true(cond, message)``: an invariant.
"""

import warnings

import numpy as np

from ._arrays import is_torch_tensor, to_numpy

__all__ = ["assert_close", "assert_shape", "assert_no_warnings", "assert_true"]


def assert_close(actual, expected, *, name="output", rtol=1e-6, atol=1e-8, hint=None,
                 time_axis=None):
    """Check that ``actual`` equals ``expected`` elementwise, up to a tolerance.

    Tuples or lists of arrays, such as ``(h_T, c_T)``, are compared element by element
    (named ``name[0]``, ``name[1]``, ...).

    An entry passes when ``|actual - expected| <= atol + rtol * |expected|`` (computed in
    float64, or complex128 for complex inputs); NaN in ``expected`` matches NaN in ``actual``.

    Inputs:
    - actual: what the student's code returned: numpy array of any float dtype, torch
      tensor (detached, any device), python scalar or (nested) list.
    - expected: the reference value, same kinds, of the same shape as ``actual``.
    - name: what ``actual`` is called in the message, e.g. ``"hs"``.
    - rtol, atol: relative and absolute tolerance.
    - hint: text appended to the message as ``"Hint: ..."``, naming the likely mistake.
    - time_axis: the axis of ``actual`` that is time (1 for ``(B, T, H)``); when given, the
      message says for which time steps the values still match ("matches for t < k, first
      differs at t=k").

    Returns:
    - None. Raises ``AssertionError`` naming, in this order of checks: a type problem
      (``None`` or something that is not an array of numbers), a shape mismatch (both
      shapes), NaN or inf in ``actual``, or else the largest absolute and relative errors
      and the index where they occur.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        message = _close_message(actual, expected, name, rtol, atol, time_axis)
    if message is not None:
        raise AssertionError(_with_hint(message, hint))


def assert_shape(actual, shape, *, name="output", hint=None):
    """Check the shape of ``actual``.

    Inputs:
    - actual: numpy array, torch tensor, scalar or list.
    - shape: the expected shape, a tuple of ints; an entry ``None`` matches any length.
    - name: what ``actual`` is called in the message.
    - hint: text appended as ``"Hint: ..."``.

    Returns:
    - None. Raises ``AssertionError`` for ``None``, a non-array, or a shape mismatch.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        arr, problem = _as_array(actual, name)
        message = problem
        if message is None:
            expected = tuple(shape)
            got = tuple(arr.shape)
            matches = len(got) == len(expected) and all(
                e is None or int(e) == g for g, e in zip(got, expected))
            if not matches:
                shown = "(" + ", ".join("*" if e is None else str(e) for e in expected) + (
                    ",)" if len(expected) == 1 else ")")
                message = (f"{name}: shape mismatch: got {_fmt_shape(got)}, expected {shown}."
                           + _shape_diagnosis(got, expected))
    if message is not None:
        raise AssertionError(_with_hint(message, hint))


def assert_no_warnings(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` and fail if it emits any warning.

    Catches every Python warning (even when the global filter is ``"ignore"``) and every
    numpy floating-point problem (overflow, division by zero, invalid value, underflow is
    excluded), which numpy reports as ``RuntimeWarning``. Nothing reaches stderr.

    Inputs:
    - fn: the function under test, e.g. the student's ``sigmoid``.
    - *args, **kwargs: passed to ``fn``.

    Returns:
    - whatever ``fn`` returned. Raises ``AssertionError`` such as
      ``"sigmoid emitted a RuntimeWarning: overflow encountered in exp — ..."``.
    """
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    if caught:
        fn_name = getattr(fn, "__name__", None) or type(fn).__name__
        first = caught[0]
        text = str(first.message)
        message = f"{fn_name} emitted a {first.category.__name__}: {text} — {_warning_hint(text)}"
        others = sorted({f"{w.category.__name__}: {w.message}" for w in caught[1:]}
                        - {f"{first.category.__name__}: {text}"})
        if others:
            message += " Also: " + "; ".join(others[:3]) + (" ..." if len(others) > 3 else "")
        raise AssertionError(message)
    return result


def assert_true(cond, message):
    """Raise ``AssertionError(message)`` when ``cond`` is false.

    Inputs:
    - cond: a bool; a numpy array counts as true when all its entries are.
    - message: the text of the error, naming what went wrong and its likely cause.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if isinstance(cond, np.ndarray):
            ok = bool(cond.all())
        else:
            ok = bool(cond)
    if not ok:
        raise AssertionError(message)


# --------------------------------------------------------------------------- internals


def _with_hint(message, hint):
    return f"{message} Hint: {hint}" if hint else message


def _fmt_shape(shape):
    return str(tuple(int(s) for s in shape))


def _fmt_index(index):
    return str(tuple(int(i) for i in index))


def _fmt_num(x):
    if isinstance(x, complex) or np.iscomplexobj(x):
        return f"{complex(x):.6g}"
    return f"{float(x):.6g}"


def _as_array(value, name):
    """Return (array, None), or (None, message) when ``value`` is no array of numbers."""
    if value is None:
        return None, f"{name}: returned None — did you forget to `return`?"
    if isinstance(value, tuple) and len(value) > 1 and any(
            isinstance(v, (np.ndarray, tuple, dict)) or v is None for v in value):
        return None, (f"{name}: expected one array but got a tuple of {len(value)} values — "
                      f"did you compare the whole return value (e.g. `h, cache`) instead of "
                      f"unpacking it?")
    if isinstance(value, dict):
        return None, (f"{name}: expected an array but got a dict with keys "
                      f"{sorted(map(str, value))[:6]}.")
    try:
        arr = to_numpy(value)
    except Exception as exc:  # ragged lists, exotic objects
        return None, (f"{name}: expected an array of numbers but got "
                      f"{type(value).__name__} ({exc}).")
    if arr.dtype.kind not in "biufc":
        return None, (f"{name}: expected an array of numbers but got "
                      f"{type(value).__name__} with dtype {arr.dtype}.")
    return arr, None


def _close_message(actual, expected, name, rtol, atol, time_axis):
    """The failure message of ``assert_close``, or None when the values match."""
    if _is_array_sequence(actual) and _is_array_sequence(expected):
        if len(actual) != len(expected):
            return (f"{name}: got a {type(actual).__name__} of {len(actual)} value"
                    f"{'s' if len(actual) != 1 else ''}, expected {len(expected)}.")
        for i, (a_i, e_i) in enumerate(zip(actual, expected)):
            message = _close_message(a_i, e_i, f"{name}[{i}]", rtol, atol, time_axis)
            if message is not None:
                return message
        return None
    a, problem = _as_array(actual, name)
    if problem:
        return problem
    e, problem = _as_array(expected, f"expected value for {name}")
    if problem:
        return problem
    if a.shape != e.shape:
        return (f"{name}: shape mismatch: got {_fmt_shape(a.shape)}, expected "
                f"{_fmt_shape(e.shape)}." + _shape_diagnosis(a.shape, e.shape))

    kind = np.complex128 if (a.dtype.kind == "c" or e.dtype.kind == "c") else np.float64
    a64 = a.astype(kind)
    e64 = e.astype(kind)
    a_bad = ~np.isfinite(a64)
    e_bad = ~np.isfinite(e64)
    nonfinite = a_bad & ~(e_bad & _same_nonfinite(a64, e64))
    if nonfinite.any():
        idx = np.unravel_index(int(np.flatnonzero(nonfinite)[0]), a.shape)
        return (f"{name} contains NaN or inf at index {_fmt_index(idx)} (value "
                f"{_fmt_num(a64[idx])}; {int(nonfinite.sum())} of {a.size} entries are not "
                f"finite) — an overflow in exp, a division by zero or log of 0 upstream?")

    both_bad = a_bad & e_bad
    err = np.where(both_bad, 0.0, np.abs(a64 - e64))
    err = np.where(np.isnan(err), np.inf, err)
    mag = np.where(e_bad, np.inf, np.abs(e64))
    violation = err > atol + rtol * mag
    if e_bad.any():
        # a finite actual where the reference is NaN/inf is a mismatch too
        violation |= e_bad & ~(a_bad & _same_nonfinite(a64, e64))
    if not violation.any():
        return None

    if a.ndim == 0:
        where, idx = "", ()
    else:
        idx = np.unravel_index(int(np.argmax(np.where(violation, err, -1.0))), a.shape)
        where = f" at index {_fmt_index(idx)}"
    worst = float(err[idx]) if a.ndim else float(err)
    with_mag = np.abs(e64) > 0
    rel = np.where(violation & with_mag & np.isfinite(mag), err / np.where(with_mag, mag, 1), 0)
    rel_text = (f"max rel error {float(rel.max()):.1e}" if (rel > 0).any()
                else "expected value is 0 there")
    message = (f"{name} differs from the reference: max abs error {worst:.1e}{where} "
               f"(got {_fmt_num(a64[idx])}, expected {_fmt_num(e64[idx])}), {rel_text}; "
               f"{int(violation.sum())} of {a.size} entries outside rtol={rtol:g}, "
               f"atol={atol:g}.")
    if time_axis is not None and a.ndim:
        message += _time_message(violation, time_axis)
    message += _value_diagnosis(a, a64, e64, violation, rtol, atol)
    return message


def _is_array_sequence(value):
    """A tuple/list holding arrays or tensors, e.g. ``(h_T, c_T)``."""
    return isinstance(value, (tuple, list)) and any(
        (isinstance(v, np.ndarray) and v.ndim > 0) or is_torch_tensor(v) for v in value)


def _same_nonfinite(a, e):
    """Entries where ``a`` and ``e`` hold the same non-finite value (both NaN, same inf)."""
    return (np.isnan(a) & np.isnan(e)) | (np.isinf(a) & np.isinf(e) & (a == e))


def _time_message(violation, time_axis):
    ndim = violation.ndim
    if not -ndim <= time_axis < ndim:
        return f" (time_axis={time_axis} is out of range for {ndim} dimensions.)"
    axis = time_axis % ndim
    other = tuple(i for i in range(ndim) if i != axis)
    bad_t = np.flatnonzero(violation.any(axis=other) if other else violation)
    T = violation.shape[axis]
    k = int(bad_t[0])
    if k == 0:
        text = f" With time_axis={time_axis}: differs from the first step on (t=0)"
        return text + (", at every step." if len(bad_t) == T else
                       f", at {len(bad_t)} of {T} time steps.")
    return (f" With time_axis={time_axis}: matches for t < {k}, first differs at t={k} "
            f"({len(bad_t)} of {T} time steps differ) — a problem with the state carried "
            f"from one step to the next?")


def _value_diagnosis(a, a64, e64, violation, rtol, atol):
    """Name a pattern in the error (sign, constant factor, float32), if there is one."""
    finite = np.isfinite(e64)
    if not finite.any():
        return ""
    ae, ee = a64[finite], e64[finite]
    tol = atol + rtol * np.abs(ee)
    if np.any(ee != 0) and np.all(np.abs(ae + ee) <= tol):
        return " The sign looks flipped (got ≈ -expected)."
    nz = np.abs(ee) > 1e-12
    if nz.sum() >= 2 and np.any(ae[nz] != 0):
        ratios = ae[nz] / ee[nz]
        r = np.median(np.real(ratios))
        if np.isfinite(r) and r != 0 and abs(r - 1) > 1e-3 and np.allclose(ratios, r, rtol=1e-6):
            return f" Got ≈ {r:.4g} × expected everywhere: a constant factor is off."
    if np.all(ae == 0) and np.any(ee != 0):
        return " Every entry of the result is 0: is it still the initial zeros?"
    if a.dtype in (np.float32, np.float16):
        worst_rel = np.max(np.abs(ae - ee) / np.maximum(np.abs(ee), 1e-30))
        if worst_rel < 1e-2:
            return (f" The result has dtype {a.dtype}: compute in the dtype of the inputs "
                    f"(float64 here), e.g. don't create arrays with dtype float32.")
    return ""


def _shape_diagnosis(got, expected):
    got, expected = tuple(got), tuple(expected)
    if any(e is None for e in expected):
        return ""
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return " Same axes in a different order: check a transpose or the axis order " \
               "(batch-first: (B, T, ...))."
    if int(np.prod(got, dtype=np.int64)) == int(np.prod(expected, dtype=np.int64)):
        return " Same number of entries: a reshape or transpose in the wrong order?"
    if len(got) == len(expected) - 1:
        return " One axis is missing: did a sum/mean/index drop it (keepdims=True)?"
    if len(got) == len(expected) + 1:
        return " One axis too many: a leftover axis of length 1, or a wrong broadcast?"
    return ""


def _warning_hint(text):
    text = text.lower()
    if "overflow" in text:
        return ("a large |x| makes the result overflow (exp(1000) is inf in float64): "
                "rearrange so that exp only sees non-positive arguments, e.g. via exp(-|x|).")
    if "divide by zero" in text:
        return "something is divided by zero (or log(0) is taken): guard the denominator."
    if "invalid value" in text:
        return ("an operation produced NaN (inf - inf, 0 * inf, 0/0, sqrt of a negative "
                "number): find where an inf appears first.")
    return "the function must run silently on these inputs."
