"""Input checks shared by the analysis modules (private)."""
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


def as_pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
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
        raise ValueError(f"{name} must be an int or a (height, width) pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum} in every dimension, got {value!r}")
    return pair


def as_shape(shape: Any, name: str = "input_shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints (a tensor shape, batch dimension included).

    Raises:
        ValueError: if ``shape`` is not a non-empty sequence of positive ints.
    """
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of positive ints such as (1, 3, 32, 32), got {shape!r}")
    if not all(is_int(d) and d >= 1 for d in shape):
        raise ValueError(f"{name} must hold positive ints only, such as (1, 3, 32, 32), got {tuple(shape)!r}")
    return tuple(int(d) for d in shape)
