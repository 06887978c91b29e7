"""Checks of integer arguments shared by the whole package (private): ints, and ``(height, width)`` pairs.

Kept free of torch so that the NumPy engine (:mod:`cnnbook.scratch`) and the
PyTorch-side analysis share one definition of what a size argument may be.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

IntOrPair = int | tuple[int, int]


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools (which are ints in Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_pair(value: Any) -> bool:
    """True for a sequence of two items (a ``(height, width)`` pair), not for a string."""
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2


def as_pair(value: Any, name: str, minimum: int = 0) -> tuple[int, int]:
    """Return ``value`` as a ``(height, width)`` pair of ints, each at least ``minimum``.

    Args:
        value: an int (used for both dimensions) or a pair of ints.
        name: the argument's name, for the error message.
        minimum: the smallest value allowed.

    Raises:
        ValueError: if ``value`` is not an int or a pair of ints, or is below ``minimum``.
    """
    if is_int(value):
        pair = (int(value), int(value))
    elif is_pair(value) and all(is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name} must be an int or a pair of ints (height, width), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum} in every dimension, got {value!r}")
    return pair
