"""lstmlib.gradcheck: passes a right gradient, fails a gradient with one wrong entry."""

import warnings

import numpy as np
import pytest

from lstmlib.gradcheck import grad_check, numerical_gradient, relative_error


@pytest.fixture
def problem():
    """f(W, b) = sum(tanh(W @ x + b)) with its hand-derived gradient."""
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=4)}
    x = rng.normal(size=3)

    def f():
        return np.sum(np.tanh(params["W"] @ x + params["b"]))

    d = 1 - np.tanh(params["W"] @ x + params["b"]) ** 2  # (4,)
    grads = {"W": np.outer(d, x), "b": d}
    return f, params, grads


def test_numerical_gradient_matches_hand_gradient_and_restores(problem):
    f, params, grads = problem
    before = params["W"].copy()
    num = numerical_gradient(f, params["W"])
    assert num.dtype == np.float64 and num.shape == (4, 3)
    assert relative_error(num, grads["W"]) < 1e-8
    np.testing.assert_array_equal(params["W"], before)


def test_numerical_gradient_restores_when_f_raises():
    x = np.ones(3)

    def f():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, np.ones(3))


def test_numerical_gradient_rejects_float32():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.ones(3, dtype=np.float32))


def test_relative_error_formula():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 3.0], [1.0, 1.0]) == pytest.approx(0.5)
    assert relative_error([0.0], [0.0]) == 0.0
    assert relative_error([1e-13], [0.0]) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        relative_error(np.zeros(2), np.zeros(3))


def test_grad_check_passes_a_correct_gradient(problem):
    f, params, grads = problem
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errors = grad_check(f, params, grads)
    assert caught == []
    assert set(errors) == {"W", "b"}
    assert max(errors.values()) < 1e-7


def test_grad_check_fails_with_one_entry_perturbed(problem):
    f, params, grads = problem
    grads["W"] = grads["W"].copy()
    grads["W"][2, 1] += 1e-3
    with pytest.raises(AssertionError) as info:
        grad_check(f, params, grads)
    msg = str(info.value)
    assert "'W'" in msg and "index (2, 1)" in msg
    assert "relative error" in msg and "b " in msg  # the other parameter's error is shown
    assert "1 of 12 checked entries are wrong" in msg


def test_grad_check_names_the_worst_parameter(problem):
    f, params, grads = problem
    grads["b"] = grads["b"] * 2
    with pytest.raises(AssertionError, match=r"gradient of 'b' is wrong.*2 × numerical"):
        grad_check(f, params, grads)


def test_grad_check_structural_problems(problem):
    f, params, grads = problem
    with pytest.raises(AssertionError, match="no gradient for 'b'"):
        grad_check(f, params, {"W": grads["W"]})
    with pytest.raises(AssertionError, match=r"shape mismatch: got \(3, 4\), expected \(4, 3\)"):
        grad_check(f, params, {"W": grads["W"].T, "b": grads["b"]})
    with pytest.raises(AssertionError, match="returned None|is None|None"):
        grad_check(f, params, {"W": None, "b": grads["b"]})
    with pytest.raises(AssertionError, match="sign is flipped"):
        grad_check(f, params, {"W": -grads["W"], "b": grads["b"]})


def test_grad_check_subset_of_entries(problem):
    f, params, grads = problem
    errors = grad_check(f, params, grads, max_entries=3, rng=1)
    assert max(errors.values()) < 1e-7
    grads["W"] = grads["W"] + 1e-3  # every entry wrong: any subset finds it
    with pytest.raises(AssertionError):
        grad_check(f, params, grads, max_entries=3, rng=np.random.default_rng(2))


def test_grad_check_near_zero_gradients_do_not_fail_on_noise():
    """A parameter that barely matters has a ~0 gradient; roundoff alone must not fail it."""
    rng = np.random.default_rng(3)
    params = {"W": rng.normal(size=(5, 5)), "u": rng.normal(size=3)}
    x = rng.normal(size=5)

    def pre():
        z = params["W"] @ x  # (5,)
        z[:3] += 1e-10 * params["u"]
        return z

    def f():
        return 50 * np.sum(np.tanh(pre()))

    d = 1 - np.tanh(pre()) ** 2  # (5,)
    grads = {"W": 50 * np.outer(d, x), "u": 50e-10 * d[:3]}
    # the plain relative error of u is dominated by noise ...
    assert relative_error(numerical_gradient(f, params["u"]), grads["u"]) > 1e-6
    # ... which grad_check tolerates, while it still catches a real error in u
    errors = grad_check(f, params, grads)
    assert max(errors.values()) <= 1e-6
    grads["u"] = grads["u"] + 1e-3
    with pytest.raises(AssertionError, match="'u'"):
        grad_check(f, params, grads)
