"""The fully connected (linear, dense, affine) layer, forward and backward."""
from __future__ import annotations

import numpy as np

from ...checks import check_array, check_dout, check_same_dtype, check_vector

__all__ = ["linear_backward", "linear_forward"]

LinearCache = tuple[np.ndarray, np.ndarray, bool]


def linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> tuple[np.ndarray, LinearCache]:
    """Forward pass of a linear layer: ``out = x @ w.T + b`` (PyTorch's ``linear``).

    Inputs:
    - x: input, shape ``(N, D_in)``. Flatten images first (``layers.Flatten``).
    - w: weights, shape ``(D_out, D_in)``: PyTorch's layout, one row per output.
    - b: biases, shape ``(D_out,)``, or ``None``.

    Returns a tuple of:
    - out: shape ``(N, D_out)``.
    - cache: ``(x, w, has_bias)`` for :func:`linear_backward`.

    Raises:
        ValueError: if the shapes or dtypes do not fit together.
    """
    check_array(x, "x", 2, "N x D_in")
    check_array(w, "w", 2, "D_out x D_in")
    check_same_dtype(x, w=w, b=b)
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has D_in={x.shape[1]} features, but w of shape {w.shape} expects D_in={w.shape[1]}"
        )
    check_vector(b, "b", w.shape[0], "output feature")
    out = x @ w.T
    if b is not None:
        out += b
    return out, (x, w, b is not None)


def linear_backward(
    dout: np.ndarray, cache: LinearCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Backward pass of a linear layer.

    Inputs:
    - dout: gradient with respect to the output, shape ``(N, D_out)``.
    - cache: from :func:`linear_forward`.

    Returns a tuple of:
    - dx: ``dout @ w``, shape ``(N, D_in)``.
    - dw: ``dout.T @ x``, shape ``(D_out, D_in)``.
    - db: ``dout`` summed over the batch, shape ``(D_out,)``, or ``None`` without bias.
    """
    x, w, has_bias = cache
    check_dout(dout, (x.shape[0], w.shape[0]), x.dtype)
    dx = dout @ w
    dw = dout.T @ x
    db = dout.sum(axis=0) if has_bias else None
    return dx, dw, db
