"""Argument checks shared by the forward functions.

Every public forward function validates its inputs before computing, so that a
reader who passes a wrong shape gets a sentence naming what was expected and
what was received, instead of a broadcasting error three lines deep.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..._arguments import as_pair  # noqa: F401  (used by the forward functions)

Pair = int | tuple[int, int] | Sequence[int]


def check_array(x: np.ndarray, name: str, ndim: int, layout: str) -> None:
    """Check that ``x`` is a floating-point NumPy array with ``ndim`` dimensions.

    Args:
        x: the array to check.
        name: its name in the error message (``"x"``, ``"w"``...).
        ndim: the expected number of dimensions.
        layout: the expected layout in words, such as ``"N x C x H x W"``.

    Raises:
        ValueError: if ``x`` is not an ndarray, not floating point, has the
            wrong number of dimensions, or is empty along one of them.
    """
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array ({layout}), got {type(x).__name__}")
    if x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions ({layout}), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be a floating-point array, got dtype {x.dtype}")
    if 0 in x.shape:
        raise ValueError(f"{name} must not be empty ({layout}), got shape {x.shape}")


def check_same_dtype(reference: np.ndarray, **others: np.ndarray | None) -> None:
    """Check that every array in ``others`` has the dtype of ``reference``.

    Mixing float32 and float64 would silently promote the result to float64;
    like PyTorch, the engine asks for one dtype instead.

    Raises:
        ValueError: naming the first array whose dtype differs.
    """
    for name, array in others.items():
        if array is not None and array.dtype != reference.dtype:
            raise ValueError(
                f"{name} must have the input's dtype {reference.dtype}, got {array.dtype} "
                f"(convert one of them with .astype)"
            )


def check_vector(v: np.ndarray | None, name: str, length: int, what: str) -> None:
    """Check that ``v`` (when given) is an array of shape ``(length,)``.

    Raises:
        ValueError: if ``v`` is not an array of that shape.
    """
    if v is None:
        return
    if not isinstance(v, np.ndarray) or v.shape != (length,):
        shape = v.shape if isinstance(v, np.ndarray) else type(v).__name__
        raise ValueError(f"{name} must have shape ({length},), one value per {what}, got {shape}")


def check_dout(dout: np.ndarray, expected: tuple[int, ...], dtype: np.dtype) -> None:
    """Check that an upstream gradient has the forward output's shape and dtype.

    Raises:
        ValueError: naming the expected and the received shape or dtype.
    """
    if not isinstance(dout, np.ndarray) or dout.shape != tuple(expected):
        shape = dout.shape if isinstance(dout, np.ndarray) else type(dout).__name__
        raise ValueError(f"dout must have the forward output's shape {tuple(expected)}, got {shape}")
    if dout.dtype != dtype:
        raise ValueError(f"dout must have the forward pass's dtype {dtype}, got {dout.dtype}")
