"""cnnbook.scratch.gradcheck: numerical gradients and the relative error."""
from __future__ import annotations

import numpy as np
import pytest

from cnnbook.scratch import functional as F
from cnnbook.scratch import layers as L
from cnnbook.scratch.gradcheck import check_gradients, numerical_gradient, numerical_gradient_array, relative_error


def test_numerical_gradient_of_known_functions() -> None:
    x = np.random.default_rng(0).standard_normal((3, 4))
    saved = x.copy()
    grad = numerical_gradient(lambda a: np.sum(a**3), x)
    # Central differences are off by h**2 = 1e-10 for x**3 (its third derivative is 6),
    # which is 1e-8 relative to the smallest gradients here (about 0.005).
    assert relative_error(grad, 3 * saved**2) < 1e-7
    np.testing.assert_array_equal(x, saved)  # x is restored
    dout = np.random.default_rng(1).standard_normal((3, 4))
    grad = numerical_gradient_array(np.sin, x, dout)
    assert relative_error(grad, np.cos(x) * dout) < 1e-8


def test_relative_error() -> None:
    assert relative_error(np.ones(3), np.ones(3)) == 0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert relative_error(np.zeros(2), np.full(2, 1e-12)) == pytest.approx(1e-4)  # the floor 1e-8
    with pytest.raises(ValueError, match=r"the same shape, got \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_a_wrong_gradient_is_caught() -> None:
    """The checker must fail on a backward pass with a bug, or it proves nothing."""

    class BrokenReLU(L.ReLU):
        def backward(self, dout):
            return F.relu_backward(dout, self.cache) * 1.01  # 1 % off

    x = np.random.default_rng(2).standard_normal((2, 3))
    assert check_gradients(L.ReLU(), x)["x"] < 1e-8
    assert check_gradients(BrokenReLU(), x)["x"] > 1e-3


def test_check_gradients_needs_float64() -> None:
    with pytest.raises(ValueError, match=r"gradient checks need a float64 input, got float32"):
        check_gradients(L.ReLU(), np.zeros(3, dtype=np.float32))
