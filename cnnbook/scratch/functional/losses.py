"""Softmax, log-softmax and the softmax cross-entropy loss with its gradient.

The softmax of scores ``z`` is ``exp(z_k) / sum_j exp(z_j)``. Computed as
written it overflows as soon as a score passes about 89 in float32 (709 in
float64). Softmax does not change when the same number is subtracted from
every score, so we subtract the largest one first: every exponent is then
``<= 0``, and the largest term is exactly ``exp(0) = 1``. The logarithm is
taken in closed form, ``log_softmax(z) = z - max - log(sum exp(z - max))``,
which stays finite even where the softmax itself underflows to 0.
"""
from __future__ import annotations

import numpy as np

from ...checks import check_array

__all__ = ["log_softmax", "softmax", "softmax_cross_entropy"]


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Logarithm of the softmax along ``axis``, numerically stable.

    Inputs:
    - z: scores (logits) of any shape.
    - axis: the axis of the classes.

    Returns:
    - the log-probabilities, same shape and dtype as ``z``.
    """
    shifted = z - z.max(axis=axis, keepdims=True)  # every value <= 0, the largest == 0
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``: non-negative values that sum to 1.

    Returns:
    - the probabilities, same shape and dtype as ``z``.
    """
    shifted = np.exp(z - z.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy over a batch, and its gradient (PyTorch's ``cross_entropy``).

    ``loss = -(1/N) sum_n log softmax(logits[n])[labels[n]]``, and its
    gradient with respect to the logits is ``(softmax(logits) - onehot(labels)) / N``.

    Inputs:
    - logits: scores, shape ``(N, K)`` for ``K`` classes.
    - labels: the correct classes, integers in ``[0, K)``, shape ``(N,)``.

    Returns a tuple of:
    - loss: a Python float.
    - dlogits: the gradient, shape ``(N, K)``, the dtype of ``logits``.

    Raises:
        ValueError: if the shapes do not fit or a label is out of range.
    """
    check_array(logits, "logits", 2, "N x K")
    labels = np.asarray(labels)
    n, k = logits.shape
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one class per row of logits, got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if n and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"labels must lie in [0, {k}) for {k} classes, got values in [{labels.min()}, {labels.max()}]")
    log_probs = log_softmax(logits, axis=1)
    rows = np.arange(n)
    loss = -log_probs[rows, labels].mean()  # pick each row's correct class
    dlogits = np.exp(log_probs)  # the softmax
    dlogits[rows, labels] -= 1
    dlogits /= n
    return float(loss), dlogits
