"""Input checks shared by the analysis modules (private)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .._arguments import IntOrPair, as_pair, is_int, is_pair  # noqa: F401  (re-exported for the analysis modules)


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


def map_output_shape(output: Any) -> tuple[int, int, int]:
    """``(C, H, W)`` of a model's output, which must be an ``N x C x H x W`` tensor (else ``ValueError``)."""
    if not isinstance(output, torch.Tensor) or output.dim() != 4:
        got = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ValueError(f"the model's output must be an N x C x H x W tensor, got {got}")
    _, channels, height, width = output.shape
    return channels, height, width


def output_unit(unit: Any, height: int, width: int) -> tuple[int, int]:
    """The unit ``(i, j)`` of an ``height x width`` output map; ``None`` picks the centre.

    Raises:
        ValueError: if ``unit`` is not a pair of ints inside the map.
    """
    if unit is None:
        return height // 2, width // 2
    if not (isinstance(unit, Sequence) and len(unit) == 2 and all(is_int(u) for u in unit)
            and 0 <= unit[0] < height and 0 <= unit[1] < width):
        raise ValueError(f"unit must be a pair (i, j) with 0 <= i < {height} and 0 <= j < {width}, got {unit!r}")
    return int(unit[0]), int(unit[1])
