"""Floating-point rounding bounds: tolerances derived from the dtype and the sizes, not chosen to pass.

Two correct programs that compute the same sum of products, say a ``1 x 1``
convolution and a dense layer, or a loop convolution and PyTorch's, add the
same terms in different orders, and rounding depends on the order. The
classical bound (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., 2002, section 3.1) says that a sum of ``n`` terms ``t_i``, computed
in any order in a floating-point format with unit roundoff ``u``, is within

    gamma_n * sum_i |t_i|,    gamma_n = n u / (1 - n u),

of the exact sum (products rounded once each are covered by the same
``gamma_n`` with ``n`` counting them). Two such computations are therefore
within twice that of each other. Fused multiply-adds and higher internal
precision only make the error smaller; formats of lower precision than the
dtype (TF32 on NVIDIA GPUs, say) are not covered.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from .checks import as_int

__all__ = ["gamma", "matmul_difference_bound", "unit_roundoff"]


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} must hold floating-point numbers, got dtype {array.dtype}")
    return array


def unit_roundoff(dtype: Any) -> float:
    """Unit roundoff ``u`` of a floating-point dtype: half its machine epsilon.

    Args:
        dtype: a NumPy float dtype (``np.float32``, ``"float64"``, ...) or a torch float dtype.

    Returns:
        ``u``: ``2**-11`` for float16, ``2**-24`` for float32, ``2**-53`` for float64.

    Raises:
        ValueError: if ``dtype`` is not a floating-point type.
    """
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating-point type, got {dtype}")
        return torch.finfo(dtype).eps / 2
    try:
        numpy_dtype = np.dtype(dtype)
    except TypeError as error:
        raise ValueError(f"dtype must be a floating-point type, got {dtype!r}") from error
    if not np.issubdtype(numpy_dtype, np.floating):
        raise ValueError(f"dtype must be a floating-point type, got {numpy_dtype}")
    return float(np.finfo(numpy_dtype).eps) / 2


def gamma(n: int, dtype: Any) -> float:
    """The constant ``gamma_n = n u / (1 - n u)`` of the bound on a sum of ``n`` terms.

    Args:
        n: number of terms (products and bias) in each sum, ``>= 0``.
        dtype: the floating-point type the sums are computed in.

    Returns:
        ``gamma_n`` as a Python float.

    Raises:
        ValueError: if ``n`` is negative or not an int, or ``n u >= 1`` (no bound exists).
    """
    n = as_int("n", n, 0)
    nu = int(n) * unit_roundoff(dtype)
    if nu >= 1:
        raise ValueError(f"n * u = {nu:.3g} >= 1: the bound needs fewer terms than 1/u for this dtype")
    return nu / (1 - nu)


def matmul_difference_bound(x: Any, weight: Any, bias: Any = None, *, dtype: Any = None) -> np.ndarray:
    """Largest difference between two evaluations of ``x @ weight.T + bias`` that sum in different orders.

    This is the tolerance for comparing two implementations of a dense layer, a
    ``1 x 1`` convolution (rows = positions, channels last) or any convolution
    written as a matrix product (rows = windows, see ``scratch.functional.im2col``).

    Inputs:
    - x: inputs, shape ``(N, D_in)`` (NumPy array or tensor).
    - weight: weights, shape ``(D_out, D_in)``, one row per output (PyTorch's layout).
    - bias: shape ``(D_out,)``, or ``None``.
    - dtype: the floating-point type both evaluations computed in; default ``x``'s dtype.

    Returns:
    - bound: shape ``(N, D_out)``, float64:
      ``2 gamma_n (|x| @ |weight|.T + |bias|)`` with ``n = D_in + 1`` terms
      (``D_in`` without a bias).

    Raises:
        ValueError: on wrong ranks, sizes that do not fit, non-float inputs or a
            ``D_in`` too large for the dtype.
    """
    x, weight = _as_array(x, "x"), _as_array(weight, "weight")
    if x.ndim != 2 or weight.ndim != 2:
        raise ValueError(f"x must be N x D_in and weight D_out x D_in, got shapes {x.shape} and {weight.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"x has D_in={x.shape[1]} features, but weight of shape {weight.shape} expects {weight.shape[1]}")
    magnitude = np.abs(x.astype(np.float64)) @ np.abs(weight.astype(np.float64)).T
    terms = weight.shape[1]
    if bias is not None:
        bias = _as_array(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"bias must have shape ({weight.shape[0]},), one per output, got {bias.shape}")
        magnitude += np.abs(bias.astype(np.float64))
        terms += 1
    return 2 * gamma(terms, x.dtype if dtype is None else dtype) * magnitude
