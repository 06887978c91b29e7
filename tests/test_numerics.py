"""Rounding bounds: their constants, that they hold for real summation orders, and that they are not vacuous."""
import numpy as np
import pytest
import torch

from cnnbook.numerics import gamma, matmul_difference_bound, unit_roundoff


def test_unit_roundoff_of_the_common_dtypes():
    assert unit_roundoff(np.float32) == 2.0 ** -24
    assert unit_roundoff("float64") == 2.0 ** -53
    assert unit_roundoff(np.float16) == 2.0 ** -11
    assert unit_roundoff(torch.float32) == 2.0 ** -24


def test_gamma_by_hand():
    u = 2.0 ** -24
    assert gamma(10, np.float32) == pytest.approx(10 * u / (1 - 10 * u), rel=1e-15)
    assert gamma(0, np.float64) == 0.0


def test_bound_by_hand():
    x = np.array([[1.0, -2.0]], dtype=np.float32)
    w = np.array([[3.0, 4.0], [-1.0, 0.5]], dtype=np.float32)
    b = np.array([-5.0, 2.0], dtype=np.float32)
    g = gamma(3, np.float32)
    expected = 2 * g * np.array([[1 * 3 + 2 * 4 + 5, 1 * 1 + 2 * 0.5 + 2]])
    np.testing.assert_allclose(matmul_difference_bound(x, w, b), expected, rtol=1e-15)
    assert matmul_difference_bound(x, w).shape == (1, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_summation_orders_stay_within_the_bound(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 200)).astype(dtype)
    w = rng.standard_normal((20, 200)).astype(dtype)
    b = rng.standard_normal(20).astype(dtype)
    blas = x @ w.T + b
    reverse = np.zeros((30, 20), dtype=dtype)          # one term at a time, last product first, bias last
    for i in reversed(range(200)):
        reverse += x[:, i:i + 1] * w[:, i]
    reverse += b
    bound = matmul_difference_bound(x, w, b)
    difference = np.abs(blas.astype(np.float64) - reverse.astype(np.float64))
    assert (difference <= bound).all()
    assert difference.max() > 0                         # the two orders really do round differently


def test_one_evaluation_is_within_half_the_bound_of_the_exact_value():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 300)).astype(np.float32)
    w = rng.standard_normal((40, 300)).astype(np.float32)
    exact = x.astype(np.float64) @ w.astype(np.float64).T
    error = np.abs((x @ w.T).astype(np.float64) - exact)
    bound = matmul_difference_bound(x, w)
    assert (error <= bound / 2).all()
    # not vacuous: a float16-sized error breaks the float32 bound
    error16 = np.abs((x.astype(np.float16) @ w.astype(np.float16).T).astype(np.float64) - exact)
    assert (error16 > bound).any()


def test_accepts_tensors_and_an_explicit_dtype():
    x, w = torch.randn(3, 4), torch.randn(2, 4)
    bound = matmul_difference_bound(x, w, torch.zeros(2))
    assert bound.shape == (3, 2) and bound.dtype == np.float64
    wider = matmul_difference_bound(x.double(), w.double(), dtype=np.float32)
    np.testing.assert_allclose(wider, matmul_difference_bound(x, w), rtol=1e-6)


def test_bad_inputs():
    x, w = np.ones((2, 3)), np.ones((4, 3))
    with pytest.raises(ValueError, match="D_in"):
        matmul_difference_bound(x, np.ones((4, 5)))
    with pytest.raises(ValueError, match="shapes"):
        matmul_difference_bound(np.ones(3), w)
    with pytest.raises(ValueError, match="bias"):
        matmul_difference_bound(x, w, np.ones(3))
    with pytest.raises(ValueError, match="floating"):
        matmul_difference_bound(np.ones((2, 3), dtype=int), w)
    with pytest.raises(ValueError, match="floating"):
        unit_roundoff(np.int32)
    with pytest.raises(ValueError, match="non-negative"):
        gamma(-1, np.float32)
    with pytest.raises(ValueError, match="n \\* u"):
        gamma(5000, np.float16)
