"""Argument checks used by the whole package: one rule and one wording for every check.

Every public function of ``cnnbook`` validates its arguments with these
helpers, so that the same mistake gets the same answer everywhere:

- integers are Python or NumPy integers (``np.int64(32)`` is accepted) and
  never bools (``True`` is an ``int`` in Python, but ``epochs=True`` is a bug);
- numbers are Python or NumPy reals, again never bools;
- a failed check raises ``ValueError("<name> must be <what was expected>, got <what was received>")``.

The module imports NumPy only (torch is imported where a tensor is checked),
so that the NumPy engine (:mod:`cnnbook.scratch`) can use it without torch.
"""
from __future__ import annotations

import numbers
from collections.abc import Collection, Sequence
from typing import Any, NoReturn

import numpy as np

__all__ = [
    "IntOrPair",
    "as_int",
    "as_number",
    "as_pair",
    "as_shape",
    "check_array",
    "check_choice",
    "check_dout",
    "check_image_batch",
    "check_images",
    "check_probability",
    "check_same_dtype",
    "check_vector",
    "fail",
    "is_int",
    "is_number",
    "is_pair",
    "map_output_shape",
    "output_unit",
    "require",
]

IntOrPair = int | tuple[int, int]


def fail(name: str, expected: str, received: Any) -> NoReturn:
    """Raise the package's one ``ValueError``: ``"{name} must be {expected}, got {received!r}"``."""
    raise ValueError(f"{name} must be {expected}, got {received!r}")


# --------------------------------------------------------------------------- numbers


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools (which are ints in Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value: Any) -> bool:
    """True for Python and NumPy real numbers (ints and floats), False for bools."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_int(name: str, value: Any, minimum: int | None = 1, maximum: int | None = None) -> int:
    """Return ``value`` as a Python ``int`` in ``[minimum, maximum]`` (default: a positive integer).

    Args:
        name: the argument's name, for the message.
        value: what the caller passed: a Python or NumPy integer, not a bool.
        minimum: the smallest value allowed (``None``: no bound; default 1).
        maximum: the largest value allowed (``None``: no bound).

    Raises:
        ValueError: ``"{name} must be an integer >= 1, got True"`` and the like.
    """
    if minimum is not None and maximum is not None:
        expected = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        expected = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
    elif maximum is not None:
        expected = f"an integer <= {maximum}"
    else:
        expected = "an integer"
    if not is_int(value):
        fail(name, expected, value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        fail(name, expected, value)
    return int(value)


def as_number(name: str, value: Any, minimum: float | None = None, maximum: float | None = None, *,
              strict_minimum: bool = False, strict_maximum: bool = False) -> float:
    """Return ``value`` as a Python ``float`` in the given interval.

    Args:
        name: the argument's name, for the message.
        value: a Python or NumPy real number, not a bool; NaN is refused.
        minimum, maximum: the bounds (``None``: unbounded on that side).
        strict_minimum, strict_maximum: exclude the bound itself.

    Raises:
        ValueError: ``"{name} must be a number in (0, 1), got 1.5"`` and the like.
    """
    left = "-inf" if minimum is None else f"{minimum:g}"
    right = "inf" if maximum is None else f"{maximum:g}"
    if minimum == 0 and maximum is None:
        expected = "a positive number" if strict_minimum else "a non-negative number"
    elif minimum is not None and maximum is None:
        expected = f"a number {'>' if strict_minimum else '>='} {minimum:g}"
    elif maximum is not None and minimum is None:
        expected = f"a number {'<' if strict_maximum else '<='} {maximum:g}"
    elif minimum is None and maximum is None:
        expected = "a number"
    else:
        expected = f"a number in {'(' if strict_minimum else '['}{left}, {right}{')' if strict_maximum else ']'}"
    if not is_number(value) or value != value:  # NaN compares unequal to itself
        fail(name, expected, value)
    if minimum is not None and (value < minimum or (strict_minimum and value == minimum)):
        fail(name, expected, value)
    if maximum is not None and (value > maximum or (strict_maximum and value == maximum)):
        fail(name, expected, value)
    return float(value)


def check_probability(name: str, value: Any) -> float:
    """Return ``value`` if it is a dropout-like probability in ``[0, 1)``; else ``ValueError``."""
    return as_number(name, value, 0, 1, strict_maximum=True)


def check_choice(name: str, value: Any, accepted: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``accepted``; else ``ValueError`` listing them.

    A bool is not accepted in place of an int (``True == 1`` in Python) unless
    ``accepted`` holds bools.
    """
    if isinstance(value, bool) and not any(isinstance(a, bool) for a in accepted):
        ok = False
    else:
        try:
            ok = value in accepted
        except TypeError:  # unhashable value against a set or dict
            ok = False
    if not ok:
        fail(name, "one of [" + ", ".join(repr(a) for a in accepted) + "]", value)
    return value


# --------------------------------------------------------------------------- sizes and shapes


def is_pair(value: Any) -> bool:
    """True for a sequence of two items (a ``(height, width)`` pair), not for a string."""
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2


def as_pair(value: Any, name: str, minimum: int = 0) -> tuple[int, int]:
    """Return ``value`` as a ``(height, width)`` pair of ints, each at least ``minimum``.

    Args:
        value: an int (used for both dimensions) or a pair of ints.
        name: the argument's name, for the message.
        minimum: the smallest value allowed.

    Raises:
        ValueError: if ``value`` is not an int or a pair of ints, or is below ``minimum``.
    """
    expected = f"an integer >= {minimum} or a pair of them (height, width)"
    if is_int(value):
        pair = (int(value), int(value))
    elif is_pair(value) and all(is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        fail(name, expected, value)
    if min(pair) < minimum:
        fail(name, expected, value)
    return pair


def as_shape(shape: Any, name: str = "input_shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints (a tensor shape, batch dimension included).

    Raises:
        ValueError: if ``shape`` is not a non-empty sequence of positive ints.
    """
    expected = "a non-empty sequence of positive integers such as (1, 3, 32, 32)"
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) == 0:
        fail(name, expected, shape)
    if not all(is_int(d) and d >= 1 for d in shape):
        fail(name, expected, tuple(shape))
    return tuple(int(d) for d in shape)


def map_output_shape(output: Any) -> tuple[int, int, int]:
    """``(C, H, W)`` of a model's output, which must be an ``N x C x H x W`` tensor (else ``ValueError``)."""
    import torch
    import torch.fx

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
    if not (is_pair(unit) and all(is_int(u) for u in unit) and 0 <= unit[0] < height and 0 <= unit[1] < width):
        fail("unit", f"a pair (i, j) with 0 <= i < {height} and 0 <= j < {width}", unit)
    return int(unit[0]), int(unit[1])


def check_image_batch(images: Any, name: str = "images") -> None:
    """Raise ``ValueError`` unless ``images`` is a non-empty float tensor ``N x C x H x W``."""
    import torch

    if not isinstance(images, torch.Tensor) or images.dim() != 4 or not images.is_floating_point():
        got = (f"a {images.dtype} tensor of shape {tuple(images.shape)}" if isinstance(images, torch.Tensor)
               else type(images).__name__)
        raise ValueError(f"{name} must be a float tensor N x C x H x W, got {got}")
    if len(images) == 0:
        raise ValueError(f"{name} must hold at least one image, got an empty batch")


# --------------------------------------------------------------------------- tensors inside models


def require(condition: Any, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition`` holds, in a way that tracing can follow.

    In eager mode ``condition`` is a bool (or a one-element tensor) and a false
    one raises ``ValueError``. Under ``torch.fx`` symbolic tracing (as in
    ``torchvision.models.feature_extraction.create_feature_extractor``) it is a
    proxy that no Python ``if`` may test; it is then handed to ``torch._assert``,
    which records the check in the traced graph instead, as torchvision's own
    models do.
    """
    if isinstance(condition, (bool, np.bool_)):
        if not condition:
            raise ValueError(message)
        return
    import torch
    import torch.fx

    if isinstance(condition, torch.Tensor) and not isinstance(condition, torch.fx.Proxy):
        if not bool(condition):
            raise ValueError(message)
        return
    torch._assert(condition, message)


def check_images(name: str, x: Any, channels: int, min_size: int | None = None, size: int | None = None) -> None:
    """Raise ``ValueError`` unless ``x`` is a batch ``N x channels x H x W`` the model can take.

    Written with :func:`require` only (no Python ``if`` on the input's shape),
    so that a model whose ``forward`` calls it can be traced with ``torch.fx``.

    Args:
        name: the model's name, for the message.
        x: the input batch (a tensor, or a tracing proxy).
        channels: the number of channels the model was built for.
        min_size: the smallest ``H`` and ``W`` the model accepts, if any.
        size: the only ``H = W`` the model accepts, if any.
    """
    shape = tuple(x.shape) if _concrete(x) else "of the traced input"
    require(x.dim() == 4, f"{name} expects a batch N x {channels} x H x W, got shape {shape}")
    require(x.shape[1] == channels, f"{name} expects a batch N x {channels} x H x W, got shape {shape}")
    if size is not None:
        require(x.shape[-2] == size, f"{name} expects {size} x {size} images, got shape {shape}")
        require(x.shape[-1] == size, f"{name} expects {size} x {size} images, got shape {shape}")
    if min_size is not None:
        require(x.shape[-2] >= min_size, f"{name} needs images of at least {min_size} x {min_size}, got shape {shape}")
        require(x.shape[-1] >= min_size, f"{name} needs images of at least {min_size} x {min_size}, got shape {shape}")


def _concrete(x: Any) -> bool:
    import torch
    import torch.fx

    return isinstance(x, torch.Tensor) and not isinstance(x, torch.fx.Proxy)


# --------------------------------------------------------------------------- NumPy arrays (the from-scratch engine)


def check_array(x: np.ndarray, name: str, ndim: int, layout: str) -> None:
    """Check that ``x`` is a non-empty floating-point NumPy array with ``ndim`` dimensions.

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
