"""Argument checks shared by the model builders.

Every builder validates its arguments before building anything, so that a
typo gives a ``ValueError`` that names what was expected and what was
received, instead of a shape error deep inside a forward pass.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

import torch


def check_choice(name: str, value: Any, accepted: Collection[Any]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``accepted``.

    Args:
        name: the argument's name, for the message.
        value: what the caller passed.
        accepted: the values that are allowed (listed in the message in order).

    Raises:
        ValueError: ``"{name} must be one of [...], got {value!r}"``.
    """
    if isinstance(value, bool) and not any(isinstance(a, bool) for a in accepted):
        ok = False  # True == 1 in Python; do not let a bool pass for an int
    else:
        try:
            ok = value in accepted
        except TypeError:  # unhashable value against a set or dict
            ok = False
    if not ok:
        listed = ", ".join(repr(a) for a in accepted)
        raise ValueError(f"{name} must be one of [{listed}], got {value!r}")


def check_positive_int(name: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``value`` is a positive ``int`` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_probability(name: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (a dropout probability)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")


def check_images(name: str, x: torch.Tensor, channels: int, min_size: int | None = None,
                 size: int | None = None) -> None:
    """Raise ``ValueError`` unless ``x`` is a batch ``N x channels x H x W`` the model can take.

    Args:
        name: the model's name, for the message.
        x: the input batch.
        channels: the number of channels the model was built for.
        min_size: the smallest ``H`` and ``W`` the model accepts, if any.
        size: the only ``H = W`` the model accepts, if any.
    """
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"{name} expects a batch N x {channels} x H x W, got shape {tuple(x.shape)}")
    height, width = x.shape[-2:]
    if size is not None and (height, width) != (size, size):
        raise ValueError(f"{name} expects {size} x {size} images, got {height} x {width}")
    if min_size is not None and min(height, width) < min_size:
        raise ValueError(f"{name} needs images of at least {min_size} x {min_size}, got {height} x {width}")
