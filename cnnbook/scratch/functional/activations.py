"""Element-wise activation functions, forward and backward.

Each ``*_forward(x)`` returns ``(out, cache)`` and each
``*_backward(dout, cache)`` returns ``dx = dout * f'(x)``; inputs of any
shape are accepted, and the output keeps the input's shape and dtype. Where
the derivative is simplest in terms of the output (sigmoid, tanh), the cache
holds the output instead of the input.
"""
from __future__ import annotations

import math

import numpy as np

from ...checks import check_dout

__all__ = [
    "gelu_backward",
    "gelu_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "silu_backward",
    "silu_forward",
    "tanh_backward",
    "tanh_forward",
]


def _check_input(x: np.ndarray) -> None:
    """Raise a ValueError unless ``x`` is a floating-point NumPy array."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        kind = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"x must be a floating-point NumPy array, got {kind}")


# --------------------------------------------------------------------------- ReLU and leaky ReLU


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU: ``max(x, 0)``.

    Inputs:
    - x: array of any shape.

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: ``x``.
    """
    _check_input(x)
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Backward of ReLU: the gradient passes where ``x > 0`` and is 0 elsewhere (also at 0, as in PyTorch).

    Inputs:
    - dout: upstream gradient, the shape of ``x``.
    - cache: ``x``, from :func:`relu_forward`.

    Returns:
    - dx: same shape as ``x``.
    """
    x = cache
    check_dout(dout, x.shape, x.dtype)
    return np.where(x > 0, dout, 0)


def leaky_relu_forward(x: np.ndarray, negative_slope: float = 0.01) -> tuple[np.ndarray, tuple[np.ndarray, float]]:
    """Leaky ReLU: ``x`` where ``x > 0``, else ``negative_slope * x``.

    Inputs:
    - x: array of any shape.
    - negative_slope: the slope for negative inputs (PyTorch's default 0.01).

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: ``(x, negative_slope)``.
    """
    _check_input(x)
    slope = np.asarray(negative_slope, dtype=x.dtype)
    return np.where(x > 0, x, slope * x), (x, negative_slope)


def leaky_relu_backward(dout: np.ndarray, cache: tuple[np.ndarray, float]) -> np.ndarray:
    """Backward of leaky ReLU: ``dout`` where ``x > 0``, else ``negative_slope * dout``.

    Returns:
    - dx: same shape as ``x``.
    """
    x, negative_slope = cache
    check_dout(dout, x.shape, x.dtype)
    slope = np.asarray(negative_slope, dtype=x.dtype)
    return np.where(x > 0, dout, slope * dout)


# --------------------------------------------------------------------------- sigmoid and tanh


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    ``exp(-x)`` overflows for large negative ``x``; we only ever exponentiate
    ``-|x|``, which lies in ``(0, 1]``, and use ``sigmoid(x) = e / (1 + e)``
    with ``e = exp(x)`` for negative ``x``.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sigmoid: ``1 / (1 + exp(-x))``, in ``(0, 1)``.

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: ``out`` (the derivative is ``out * (1 - out)``).
    """
    _check_input(x)
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Backward of sigmoid: ``dout * out * (1 - out)``; at most ``dout / 4``, which is why deep sigmoid nets learn slowly."""
    out = cache
    check_dout(dout, out.shape, out.dtype)
    return dout * out * (1 - out)


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hyperbolic tangent, in ``(-1, 1)``.

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: ``out`` (the derivative is ``1 - out**2``).
    """
    _check_input(x)
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Backward of tanh: ``dout * (1 - out**2)``."""
    out = cache
    check_dout(dout, out.shape, out.dtype)
    return dout * (1 - out * out)


# --------------------------------------------------------------------------- GELU and SiLU


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


def gelu_forward(x: np.ndarray, approximate: str = "none") -> tuple[np.ndarray, tuple[np.ndarray, str]]:
    """GELU: ``x * Phi(x)``, with ``Phi`` the standard normal distribution function.

    Inputs:
    - x: array of any shape.
    - approximate: ``"none"`` for the exact form (PyTorch's default, uses
      ``scipy.special.erf``), or ``"tanh"`` for
      ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``.

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: ``(x, approximate)``.
    """
    _check_input(x)
    if approximate == "none":
        from scipy.special import erf

        return x * (0.5 * (1 + erf(x / _SQRT_2))), (x, approximate)
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3)
        return 0.5 * x * (1 + np.tanh(inner)), (x, approximate)
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_backward(dout: np.ndarray, cache: tuple[np.ndarray, str]) -> np.ndarray:
    """Backward of GELU.

    Exact form: ``d/dx [x Phi(x)] = Phi(x) + x phi(x)``, with ``phi`` the
    normal density. Tanh form: the product rule on ``0.5 x (1 + tanh(u))``
    with ``u = sqrt(2/pi) (x + 0.044715 x^3)``.
    """
    x, approximate = cache
    check_dout(dout, x.shape, x.dtype)
    if approximate == "none":
        from scipy.special import erf

        cdf = 0.5 * (1 + erf(x / _SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return dout * (cdf + x * pdf)
    t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3))
    du_dx = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
    return dout * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du_dx)


def silu_forward(x: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """SiLU (also called swish): ``x * sigmoid(x)``.

    Returns a tuple of:
    - out: same shape and dtype as ``x``.
    - cache: ``(x, sigmoid(x))``.
    """
    _check_input(x)
    s = sigmoid(x)
    return x * s, (x, s)


def silu_backward(dout: np.ndarray, cache: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Backward of SiLU: ``d/dx [x s(x)] = s + x s (1 - s) = s (1 + x (1 - s))``."""
    x, s = cache
    check_dout(dout, x.shape, x.dtype)
    return dout * s * (1 + x * (1 - s))
