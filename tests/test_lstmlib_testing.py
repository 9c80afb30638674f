"""lstmlib.testing: asserts pass on right answers, fail on wrong ones, with useful messages."""

import re
import warnings

import numpy as np
import pytest
import torch

from lstmlib.testing import assert_close, assert_no_warnings, assert_shape, assert_true


@pytest.fixture
def ref():
    return np.random.default_rng(0).normal(size=(2, 5, 3))  # (B, T, H)


def failure(fn, *args, **kwargs):
    """Run fn, require an AssertionError and no warning; return its message."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AssertionError) as info:
            fn(*args, **kwargs)
    assert caught == [], [str(w.message) for w in caught]
    return str(info.value)


def passes(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args, **kwargs)
    assert caught == [], [str(w.message) for w in caught]


def test_exact_and_float64_roundoff_pass(ref):
    passes(assert_close, ref, ref.copy(), name="hs")
    # a correct float64 answer computed another way: roundoff-level differences
    a = np.exp(np.log(np.abs(ref) + 1.0)) - 1.0
    passes(assert_close, a, np.abs(ref), name="hs")


def test_error_of_1e_3_fails(ref):
    wrong = ref.copy()
    wrong[1, 2, 0] += 1e-3
    msg = failure(assert_close, wrong, ref, name="hs")
    assert msg.startswith("hs differs from the reference")
    assert "max abs error 1.0e-03 at index (1, 2, 0)" in msg
    assert "max rel error" in msg


def test_tiny_relative_error_of_1e_5_fails(ref):
    msg = failure(assert_close, ref * (1 + 1e-5), ref, name="c")
    assert "c differs" in msg


def test_shape_mismatch_names_both_shapes_and_hint(ref):
    msg = failure(assert_close, ref.transpose(0, 2, 1), ref, name="hs", hint="batch first!")
    assert "hs: shape mismatch: got (2, 3, 5), expected (2, 5, 3)" in msg
    assert "different order" in msg
    assert msg.endswith("Hint: batch first!")


def test_missing_axis_is_named(ref):
    msg = failure(assert_close, ref.sum(axis=1), ref[:, :1, :].reshape(2, 1, 3), name="h")
    assert "got (2, 3), expected (2, 1, 3)" in msg


def test_none_and_tuple_and_strings_are_type_problems(ref):
    assert failure(assert_close, None, ref, name="h") == \
        "h: returned None — did you forget to `return`?"
    assert "tuple of 2 values" in failure(assert_close, (ref, {"x": 1}), ref, name="h")
    assert "expected an array of numbers" in failure(assert_close, "0.5", 0.5, name="p")
    assert "expected an array" in failure(assert_close, {"a": 1}, ref, name="grads")


def test_nan_and_inf_are_located(ref):
    bad = ref.copy()
    bad[0, 2, 1] = np.inf
    bad[1, 0, 0] = np.nan
    msg = failure(assert_close, bad, ref, name="c")
    assert msg.startswith("c contains NaN or inf at index (0, 2, 1)")
    assert "2 of 30" in msg


def test_nan_where_expected_is_nan_passes():
    passes(assert_close, [1.0, np.nan], [1.0, np.nan])
    failure(assert_close, [1.0, 2.0], [1.0, np.nan])


def test_time_axis_reports_first_differing_step(ref):
    wrong = ref.copy()
    wrong[:, 3:, :] += 0.1
    msg = failure(assert_close, wrong, ref, name="hs", time_axis=1, hint="state?")
    assert "matches for t < 3, first differs at t=3" in msg
    assert msg.endswith("Hint: state?")
    msg0 = failure(assert_close, ref + 0.1, ref, name="hs", time_axis=-2)
    assert "t=0" in msg0 and "every step" in msg0


def test_index_is_the_worst_entry(ref):
    wrong = ref.copy()
    wrong[0, 0, 0] += 0.01
    wrong[1, 4, 2] += 0.5
    msg = failure(assert_close, wrong, ref)
    assert "at index (1, 4, 2)" in msg
    m = re.search(r"got (\S+), expected (\S+)\)", msg)
    assert float(m.group(1)) == pytest.approx(wrong[1, 4, 2], rel=1e-5)
    assert "2 of 30 entries" in msg


def test_sign_and_factor_diagnoses(ref):
    assert "sign looks flipped" in failure(assert_close, -ref, ref)
    assert "0.5 × expected" in failure(assert_close, 0.5 * ref, ref)


def test_torch_tensors_scalars_lists_and_dtypes(ref):
    t = torch.tensor(ref, requires_grad=True)
    passes(assert_close, t * 1.0, ref, name="hs")
    passes(assert_close, ref, t)
    passes(assert_close, torch.tensor(ref, dtype=torch.float32), ref, rtol=1e-6, atol=1e-7)
    assert "differs" in failure(assert_close, t + 1e-3, ref)
    passes(assert_close, 0.25, np.float64(0.25))
    passes(assert_close, [[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]]))
    passes(assert_close, np.float32(0.1), 0.1, rtol=1e-6)
    assert "differs" in failure(assert_close, 3.0, 3.1, name="loss")


def test_float32_computation_hint():
    x = np.random.default_rng(1).normal(size=50)
    got = np.tanh(x.astype(np.float32)) * np.float32(1.0001)
    msg = failure(assert_close, got, np.tanh(x), name="h")
    assert "float32" in msg


def test_overflowing_inputs_do_not_warn():
    big = np.array([1e308, -1e308, 1e-320])
    with np.errstate(over="ignore"):
        huge = big * 10  # (inf, -inf, 1e-319)
    failure(assert_close, huge, big)  # inf in actual, no warning while checking
    passes(assert_close, big, big)


def test_assert_shape():
    x = np.zeros((2, 3, 4))
    passes(assert_shape, x, (2, 3, 4))
    passes(assert_shape, torch.zeros(2, 3, 4), (2, None, 4))
    msg = failure(assert_shape, x, (2, 4, 3), name="hs", hint="(B, T, H)")
    assert msg.startswith("hs: shape mismatch: got (2, 3, 4), expected (2, 4, 3)")
    assert msg.endswith("Hint: (B, T, H)")
    assert "returned None" in failure(assert_shape, None, (2,), name="h")


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def stable_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def test_assert_no_warnings_catches_numpy_overflow_even_when_ignored():
    x = np.array([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        msg = failure(assert_no_warnings, naive_sigmoid, x)
    assert msg.startswith("naive_sigmoid emitted a RuntimeWarning: overflow encountered in exp")
    assert "exp(-|x|)" in msg


def test_assert_no_warnings_returns_result_and_allows_underflow():
    x = np.array([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = assert_no_warnings(stable_sigmoid, x)
    assert caught == []
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


def test_assert_no_warnings_catches_python_warnings():
    def noisy(a, *, b):
        warnings.warn("careful", UserWarning)
        return a + b

    assert failure(assert_no_warnings, noisy, 1, b=2).startswith(
        "noisy emitted a UserWarning: careful")
    assert "divide by zero" in failure(assert_no_warnings, np.log, np.zeros(2))


def test_assert_true():
    passes(assert_true, True, "never")
    passes(assert_true, np.array([True, True]), "never")
    assert failure(assert_true, np.array([True, False]), "h must stay in (-1, 1)") == \
        "h must stay in (-1, 1)"
    assert failure(assert_true, 0, "zero") == "zero"


def test_tuples_of_arrays_compare_element_by_element(ref):
    h, c = ref[:, 0], ref[:, 1]
    passes(assert_close, (h, c), (h, c), name="state")
    msg = failure(assert_close, (h, c + 1e-3), (h, c), name="state")
    assert msg.startswith("state[1] differs")
    assert failure(assert_close, (h, None), (h, c), name="state").startswith(
        "state[1]: returned None")
    assert "got a tuple of 1 value, expected 2" in failure(assert_close, (h,), (h, c))
