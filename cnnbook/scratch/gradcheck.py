"""Gradient checking: numerical gradients by central differences, and the relative error.

A backward pass is easy to get subtly wrong. The derivative of ``f`` at
``x`` along one coordinate is, up to an error of order ``h**2``::

    (f(x + h e_i) - f(x - h e_i)) / (2 h)

Computing this for every coordinate costs two forward passes per number, far
too slow for training but a reliable check of an analytic gradient on a small
input. Use float64: in float32 the rounding error of ``f`` divided by ``2h``
swamps the comparison.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .parameter import as_generator

__all__ = ["check_gradients", "numerical_gradient", "numerical_gradient_array", "relative_error"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of a scalar function ``f`` at ``x`` by central differences.

    Inputs:
    - f: a function of one array returning a number (it may read ``x`` by
      reference: ``x`` is changed in place, one entry at a time, and restored).
    - x: the point, any shape, float64.
    - h: the step.

    Returns:
    - grad: same shape as ``x``.
    """
    return numerical_gradient_array(lambda a: np.asarray(f(a), dtype=np.float64), x, np.float64(1.0), h)


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``, by central differences.

    This is what a backward pass computes for a function with an array
    output, given the upstream gradient ``dout``.

    Inputs:
    - f: a function of one array returning an array shaped like ``dout``.
    - x: the point, any shape (changed in place one entry at a time, then restored).
    - dout: the upstream gradient.
    - h: the step.

    Returns:
    - grad: same shape as ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing flat[i] changes x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array, so that it can be perturbed in place")
    for i in range(flat.size):  # one entry at a time: this is a check, not a training step
        saved = flat[i]
        flat[i] = saved + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        flat[i] = saved - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        flat[i] = saved
        grad.reshape(-1)[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-8) -> float:
    """The largest element-wise relative error, ``max |a - b| / max(|a| + |b|, floor)``.

    The ``floor`` keeps entries where both values are (nearly) zero from
    dividing by zero. As a rule of thumb in float64: below ``1e-7`` the two
    agree; above ``1e-2`` one of them is probably wrong.

    Raises:
        ValueError: if the shapes differ.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the two arrays must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def check_gradients(
    model: Any, x: np.ndarray, *, rng: np.random.Generator | int | None = 0, h: float = 1e-6
) -> dict[str, float]:
    """Compare the backward pass of a layer or model with numerical gradients.

    With a random upstream gradient ``dout``, the scalar ``sum(model(x) * dout)``
    is differentiated numerically with respect to the input and to every
    parameter, and each result is compared with what ``model.backward(dout)``
    gives.

    Inputs:
    - model: a layer or a ``Sequential``; it must be deterministic (put
      ``Dropout`` in evaluation mode) and hold float64 parameters.
    - x: a small float64 input.
    - rng: generator or seed for ``dout``.
    - h: the step of the central differences.

    Returns:
    - errors: ``{"x": error, "<parameter name>": error, ...}``, the
      :func:`relative_error` of each gradient.

    Raises:
        ValueError: if ``x`` is not float64.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError(f"gradient checks need a float64 input, got {getattr(x, 'dtype', type(x).__name__)}")
    x = np.array(x, copy=True)
    dout = as_generator(rng).standard_normal(model.forward(x).shape)
    dx = model.backward(dout)
    errors = {"x": relative_error(dx, numerical_gradient_array(model.forward, x, dout, h))}
    for name, p in model.named_parameters():
        numeric = numerical_gradient_array(lambda _: model.forward(x), p.data, dout, h)
        errors[name] = relative_error(p.grad, numeric)
    return errors
