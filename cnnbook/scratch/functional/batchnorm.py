"""Batch normalisation over the channels of images, forward and backward.

For each channel ``c``, over the ``M = N * H * W`` values of the batch::

    mean_c = average of x[:, c]          var_c = average of (x[:, c] - mean_c)^2
    xhat   = (x - mean_c) / sqrt(var_c + eps)
    out    = gamma_c * xhat + beta_c

In training mode the statistics are the batch's, and running estimates are
updated in place, as PyTorch does::

    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)

Note the ``M / (M - 1)``: the normalisation uses the biased variance, the
running estimate the unbiased one. In evaluation mode the running estimates
replace the batch statistics, so the output of one image no longer depends on
the rest of the batch.
"""
from __future__ import annotations

import numpy as np

from ...checks import check_array, check_dout, check_same_dtype, check_vector

__all__ = ["batchnorm2d_backward", "batchnorm2d_forward"]

_AXES = (0, 2, 3)  # every axis but the channel axis


def _per_channel(v: np.ndarray) -> np.ndarray:
    """Reshape a per-channel vector ``(C,)`` to ``(1, C, 1, 1)`` so that it broadcasts over ``N, H, W``."""
    return v.reshape(1, -1, 1, 1)


def batchnorm2d_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, tuple]:
    """Forward pass of 2-D batch normalisation (PyTorch's ``batch_norm`` on ``N, C, H, W``).

    Inputs:
    - x: input, shape ``(N, C, H, W)``.
    - gamma: scale, shape ``(C,)``.
    - beta: shift, shape ``(C,)``.
    - running_mean, running_var: running estimates, shape ``(C,)``; updated
      in place when ``training`` is true.
    - training: use the batch's statistics (and update the running ones), or
      the running ones.
    - momentum: weight of the new batch in the running estimates.
    - eps: added to the variance before the square root.

    Returns a tuple of:
    - out: shape ``(N, C, H, W)``, the dtype of ``x``.
    - cache: for :func:`batchnorm2d_backward`.

    Raises:
        ValueError: on wrong shapes or dtypes, or a training batch with a
            single value per channel (its variance is undefined).
    """
    check_array(x, "x", 4, "N x C x H x W")
    check_same_dtype(x, gamma=gamma, beta=beta, running_mean=running_mean, running_var=running_var)
    channels = x.shape[1]
    for name, v in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        check_vector(v, name, channels, "channel")

    if training:
        count = x.shape[0] * x.shape[2] * x.shape[3]  # M, values per channel
        if count < 2:
            raise ValueError(f"training needs more than one value per channel, got input of shape {x.shape}")
        mean = x.mean(axis=_AXES)
        centred = x - _per_channel(mean)
        var = (centred * centred).mean(axis=_AXES)  # biased: divides by M
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * (count / (count - 1))  # unbiased estimate
    else:
        var = running_var
        centred = x - _per_channel(running_mean)
    inv_std = 1 / np.sqrt(var + eps)
    xhat = centred * _per_channel(inv_std)
    out = _per_channel(gamma) * xhat + _per_channel(beta)
    return out, (xhat, gamma, inv_std, training)


def batchnorm2d_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of 2-D batch normalisation.

    In training mode the mean and variance depend on every input, so each
    input's gradient has three parts: its own path through ``xhat``, and its
    share of the gradient through the mean and through the variance. With
    ``g = dout * gamma`` (the gradient with respect to ``xhat``), per channel::

        dx = inv_std / M * (M * g - sum(g) - xhat * sum(g * xhat))

    In evaluation mode the statistics are constants and ``dx = g * inv_std``.

    Inputs:
    - dout: gradient with respect to the output, shape ``(N, C, H, W)``.
    - cache: from :func:`batchnorm2d_forward`.

    Returns a tuple of:
    - dx: shape ``(N, C, H, W)``.
    - dgamma: ``sum(dout * xhat)`` per channel, shape ``(C,)``.
    - dbeta: ``sum(dout)`` per channel, shape ``(C,)``.
    """
    xhat, gamma, inv_std, training = cache
    check_dout(dout, xhat.shape, xhat.dtype)
    dbeta = dout.sum(axis=_AXES)
    dgamma = (dout * xhat).sum(axis=_AXES)
    dxhat = dout * _per_channel(gamma)
    if not training:
        return dxhat * _per_channel(inv_std), dgamma, dbeta
    count = xhat.shape[0] * xhat.shape[2] * xhat.shape[3]
    # sum(g) = gamma * dbeta and sum(g * xhat) = gamma * dgamma: reuse the two sums.
    sum_dxhat = _per_channel(gamma * dbeta)
    sum_dxhat_xhat = _per_channel(gamma * dgamma)
    dx = _per_channel(inv_std / count) * (count * dxhat - sum_dxhat - xhat * sum_dxhat_xhat)
    return dx, dgamma, dbeta
