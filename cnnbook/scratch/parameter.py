"""A learnable array together with its gradient."""
from __future__ import annotations

import numpy as np
from ..checks import is_int

__all__ = ["Parameter", "as_generator"]


class Parameter:
    """A learnable array (``data``) and the gradient of the loss with respect to it (``grad``).

    Layers create their parameters; their ``backward`` sets ``grad`` (it
    overwrites the previous gradient rather than adding to it, unlike
    PyTorch, so there is nothing to reset between steps); optimisers read
    ``grad`` and update ``data`` in place.

    Attributes:
        data: the values, a float array.
        grad: an array of the same shape and dtype, or ``None`` before the
            first backward pass.
    """

    def __init__(self, data: np.ndarray) -> None:
        if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
            raise ValueError(f"a Parameter holds a floating-point NumPy array, got {getattr(data, 'dtype', type(data))}")
        self.data = data
        self.grad: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``rng``.

    Args:
        rng: a ``Generator`` (returned as is), an int seed, or ``None``: a new
            generator seeded from NumPy's global random state, so that
            ``cnnbook.utils.seed_everything`` makes the result reproducible.

    Raises:
        ValueError: for anything else.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(np.random.randint(0, 2**63 - 1, dtype=np.int64))
    if is_int(rng) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy.random.Generator, a non-negative int seed or None, got {rng!r}")
