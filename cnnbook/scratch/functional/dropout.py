"""Inverted dropout, forward and backward.

In training, each value is kept with probability ``1 - p`` and set to zero
otherwise; the kept values are divided by ``1 - p``, so that every value's
expectation is unchanged. Because the scaling happens during training, the
network is used as it is at test time: evaluation mode is the identity.
"""
from __future__ import annotations

import numpy as np

from ...checks import as_number, check_dout

__all__ = ["dropout_backward", "dropout_forward"]


def dropout_forward(
    x: np.ndarray, p: float, training: bool, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Forward pass of inverted dropout.

    Inputs:
    - x: array of any shape.
    - p: probability of dropping each value, in ``[0, 1]``.
    - training: drop (training) or pass ``x`` through unchanged (evaluation).
    - rng: the ``numpy.random.Generator`` that draws the mask; required in
      training with ``p > 0``, so that every run is reproducible.

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: the mask, ``0`` or ``1 / (1 - p)`` per value (``None`` when
      nothing is dropped).

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``, or ``rng`` is missing in training.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a floating-point NumPy array, got {getattr(x, 'dtype', type(x).__name__)}")
    as_number("p", p, 0, 1)
    if not training or p == 0:
        return x, None
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator in training, got {type(rng).__name__}")
    if p == 1:  # everything is dropped (and 1 / (1 - p) is undefined)
        mask = np.zeros_like(x)
    else:
        keep = rng.random(x.shape, dtype=x.dtype) >= p  # True with probability 1 - p
        mask = keep * np.asarray(1 / (1 - p), dtype=x.dtype)
    return x * mask, mask


def dropout_backward(dout: np.ndarray, cache: np.ndarray | None) -> np.ndarray:
    """Backward pass of inverted dropout: the gradient flows through the kept values, scaled alike.

    Inputs:
    - dout: upstream gradient, the shape of ``x``.
    - cache: the mask from :func:`dropout_forward` (``None``: identity).

    Returns:
    - dx: ``dout * mask``.
    """
    mask = cache
    if mask is None:
        return dout
    check_dout(dout, mask.shape, mask.dtype)
    return dout * mask
