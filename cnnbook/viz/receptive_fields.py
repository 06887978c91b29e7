"""Receptive fields drawn on the input: gradient maps with the analytic field's box on top."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

__all__ = ["show_receptive_fields"]


def _as_map(value: object, index: int) -> np.ndarray:
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    if array.ndim != 2 or min(array.shape) < 1:
        raise ValueError(f"map {index} must be H x W, got shape {tuple(array.shape)}")
    return array.astype(np.float64)


def show_receptive_fields(
    maps: Sequence[torch.Tensor | np.ndarray],
    boxes: Sequence[Sequence[int] | None] | None = None,
    *,
    titles: Sequence[str] | None = None,
    log: bool = False,
    size: float = 2.2,
    cmap: str = "magma",
    box_color: str = "cyan",
    title: str | None = None,
) -> plt.Figure:
    """Draw input-sized maps (such as input gradients of one unit) side by side, each with a box.

    Made for receptive fields: a map from
    :func:`~cnnbook.analysis.empirical_receptive_field` (its ``gradient``) or
    :func:`~cnnbook.analysis.effective_receptive_field`, and the box from
    :meth:`~cnnbook.analysis.ReceptiveFieldRow.input_region`. The box's edges
    are drawn on the pixel borders, so a box that fits the coloured area
    exactly means that the analytic field and the measured one agree. A light
    grey frame marks each map's extent.

    Args:
        maps: a sequence of ``H x W`` maps (tensors or arrays; sizes may differ).
        boxes: one ``(top, left, bottom, right)`` per map (bottom and right
            exclusive; parts outside the map are cut off) or ``None`` for no box.
        titles: one title per map.
        log: draw ``log10`` of the map, leaving zeros blank (the background
            colour), so that values that differ by orders of magnitude, and
            exact zeros, can both be seen. Each map has its own colour scale;
            a constant map is drawn in the colour map's top colour.
        size: inches per map.
        cmap: the colour map.
        box_color: the colour of the boxes.
        title: a title over the whole figure.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if a map is not 2-D, there are no maps, a box is not four
            numbers, or ``boxes`` / ``titles`` do not match the maps.
    """
    arrays = [_as_map(m, index) for index, m in enumerate(maps)]
    if not arrays:
        raise ValueError("show_receptive_fields needs at least one map, got none")
    if boxes is not None and len(boxes) != len(arrays):
        raise ValueError(f"got {len(boxes)} boxes for {len(arrays)} maps")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"got {len(titles)} titles for {len(arrays)} maps")
    fig, axes = plt.subplots(1, len(arrays), figsize=(size * len(arrays), size + 0.3), squeeze=False)
    for index, (ax, array) in enumerate(zip(axes[0], arrays)):
        if log:
            shown = np.full_like(array, np.nan)
            positive = array > 0
            shown[positive] = np.log10(array[positive])
        else:
            shown = array
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:  # a constant map: draw it in the top colour, not the background one
            low = high - 1.0
        ax.imshow(shown, cmap=cmap, vmin=low, vmax=high)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():  # a light frame marks the input's extent where the map is blank
            spine.set_visible(True)
            spine.set_color("0.75")
        box = boxes[index] if boxes is not None else None
        if box is not None:
            if len(box) != 4:
                raise ValueError(f"box {index} must be (top, left, bottom, right), got {tuple(box)!r}")
            top, left, bottom, right = (float(v) for v in box)
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False,
                                   edgecolor=box_color, linewidth=1.5))
            ax.set_xlim(-0.5, array.shape[1] - 0.5)
            ax.set_ylim(array.shape[0] - 0.5, -0.5)
        if titles is not None:
            ax.set_title(titles[index], fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
