"""What the figures share: the grid of panels every multi-panel figure is drawn on, and arrays to draw."""
from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..checks import as_int

__all__ = ["as_float_array", "panel_grid"]


def as_float_array(value: torch.Tensor | np.ndarray | Any) -> np.ndarray:
    """A tensor (on any device, any float or integer dtype), an array or nested lists as a float64 NumPy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)


def panel_grid(count: int, ncols: int, *, width: float, height: float, extra_width: float = 0.0,
               extra_height: float = 0.0, **options: Any) -> tuple[plt.Figure, list[plt.Axes]]:
    """A figure of ``count`` panels in rows of at most ``ncols``; the panels beyond ``count`` are hidden.

    A figure of ``rows`` rows of exactly ``ncols`` panels is
    ``panel_grid(rows * ncols, ncols, ...)``: row ``r`` is then
    ``axes[r * ncols:(r + 1) * ncols]``.

    Args:
        count: how many panels are needed (at least 1).
        ncols: panels per row (fewer when ``count`` is smaller).
        width, height: the size of one panel in inches.
        extra_width, extra_height: inches added to the whole figure (a colour
            bar, row labels, a figure title).
        **options: passed on to ``plt.subplots`` (``layout="constrained"``...).

    Returns:
        ``(figure, axes)``: the axes of the ``count`` panels, row by row.

    Raises:
        ValueError: if ``count`` or ``ncols`` is not a positive integer.
    """
    count, ncols = as_int("count", count), as_int("ncols", ncols)
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols + extra_width, height * nrows + extra_height),
                             squeeze=False, **options)
    panels = list(axes.flat)
    for ax in panels[count:]:
        ax.set_visible(False)
    return fig, panels[:count]
