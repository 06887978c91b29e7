"""Feature maps of one image, at one layer or at several depths of a network."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["show_feature_maps"]


def _maps_array(maps: torch.Tensor | np.ndarray, name: str) -> np.ndarray:
    array = maps.detach().cpu().numpy() if isinstance(maps, torch.Tensor) else np.asarray(maps)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"{name} must be the feature maps of one image, C x H x W (or 1 x C x H x W), "
                         f"got shape {tuple(array.shape)}")
    return array.astype(np.float64)


def show_feature_maps(
    maps: torch.Tensor | np.ndarray | Mapping[str, torch.Tensor | np.ndarray],
    *,
    channels: int | Sequence[int] = 8,
    size: float = 1.0,
    cmap: str = "viridis",
    shared_scale: bool = False,
    title: str | None = None,
) -> plt.Figure:
    """Draw the feature maps of one image: one row per layer, one panel per channel.

    Every panel has the same size on the page whatever the map's resolution,
    so that the maps of deeper layers, which have fewer and larger pixels,
    show how the spatial detail shrinks with depth. Each row is labelled with
    its layer's name and the shape ``C x H x W`` of its output.

    Args:
        maps: ``C x H x W`` (or ``1 x C x H x W``) maps of one layer, or a
            mapping ``{layer name: maps}`` for several layers (one row each, in
            the mapping's order), such as the result of
            :func:`cnnbook.analysis.feature_maps` for one image.
        channels: how many channels to draw per row (the first ones), or
            which channels (indices, the same in every row).
        size: inches per panel.
        cmap: the colour map.
        shared_scale: one colour scale for all the maps of a row; by default
            each map is scaled to its own range (the maps of one layer can
            differ in strength by orders of magnitude).
        title: a title over the whole figure.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if a layer's maps are not ``C x H x W``, there are no
            layers, or ``channels`` asks for a channel a layer does not have.
    """
    rows = dict(maps) if isinstance(maps, Mapping) else {"": maps}
    if not rows:
        raise ValueError("maps must hold at least one layer, got an empty mapping")
    arrays = {name: _maps_array(value, f"the maps of {name!r}" if name else "maps") for name, value in rows.items()}
    if isinstance(channels, (int, np.integer)) and not isinstance(channels, bool):
        if channels < 1:
            raise ValueError(f"channels must be a positive count or a sequence of indices, got {channels}")
        chosen = {name: list(range(min(int(channels), a.shape[0]))) for name, a in arrays.items()}
    else:
        indices = [int(c) for c in channels]
        if not indices:
            raise ValueError("channels must name at least one channel, got none")
        for name, array in arrays.items():
            bad = [c for c in indices if not 0 <= c < array.shape[0]]
            if bad:
                raise ValueError(f"channel {bad[0]} does not exist in {name or 'maps'}, which has "
                                 f"{array.shape[0]} channels")
        chosen = {name: indices for name in arrays}
    ncols = max(len(c) for c in chosen.values())
    labelled = any(arrays)  # some row has a name to print
    fig, axes = plt.subplots(len(arrays), ncols, figsize=(size * ncols + (0.9 if labelled else 0), size * len(arrays)),
                             squeeze=False)
    for row, (name, array) in enumerate(arrays.items()):
        shown = array[chosen[name]]
        low, high = (shown.min(), shown.max()) if shared_scale else (None, None)
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():  # no frame, but keep the axis so that its label shows
                spine.set_visible(False)
            if col >= len(chosen[name]):
                ax.axis("off")
                continue
            ax.imshow(shown[col], cmap=cmap, vmin=low, vmax=high)
            if row == 0 or len(set(map(tuple, chosen.values()))) > 1:
                ax.set_title(f"channel {chosen[name][col]}", fontsize=7)
        if name:
            c, h, w = array.shape
            axes[row][0].set_ylabel(f"{name}\n{c} x {h} x {w}", fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
