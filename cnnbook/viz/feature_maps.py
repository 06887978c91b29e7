"""Feature maps: the channels of one image's activations, one small panel per channel."""
from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["show_feature_maps"]


def _as_maps(maps: torch.Tensor | np.ndarray) -> np.ndarray:
    """``C x H x W`` (or a batch of one, ``1 x C x H x W``) as a float64 array ``C x H x W``."""
    array = maps.detach().cpu().numpy() if isinstance(maps, torch.Tensor) else np.asarray(maps)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or 0 in array.shape:
        raise ValueError(f"expected the feature maps of one image, C x H x W (or 1 x C x H x W), "
                         f"got shape {tuple(np.shape(maps))}")
    return array.astype(np.float64)


def show_feature_maps(
    maps: torch.Tensor | np.ndarray,
    *,
    max_maps: int | None = None,
    ncols: int = 8,
    size: float = 1.1,
    cmap: str | None = None,
    limits: tuple[float, float] | None = None,
    shared_scale: bool = True,
    titles: Sequence[str] | None = None,
    show_titles: bool = True,
    colorbar: bool = False,
    title: str | None = None,
    axes: Sequence[plt.Axes] | np.ndarray | None = None,
) -> plt.Figure:
    """Draw the feature maps of one image, one panel per channel.

    The colours follow the sign of the values unless told otherwise: maps
    with negative values are drawn with a diverging colour map centred on zero
    (``"RdBu_r"``: blue negative, white zero, red positive), non-negative maps
    (after a ReLU, say) with ``"gray"`` from 0 up. With ``shared_scale`` every
    panel uses the same colour limits, so that a weak map looks weak next to a
    strong one; pass the same ``limits`` to several calls to compare the maps
    of different layers (before and after a ReLU, for example).

    Args:
        maps: ``C x H x W`` tensor or array (a batch of one, ``1 x C x H x W``,
            is accepted): the output of a convolution, activation or pooling
            layer for one image.
        max_maps: draw only the first ``max_maps`` channels (default: all).
        ncols: panels per row, when the figure is made here.
        size: inches per panel, when the figure is made here.
        cmap: a matplotlib colour map name (default: by sign, as above).
        limits: ``(vmin, vmax)`` of the colour scale (default: from the data:
            ``(-m, m)`` with ``m`` the largest absolute value for signed maps,
            ``(0, max)`` for non-negative ones); implies a shared scale.
        shared_scale: one colour scale for all panels (``True``) or one per
            panel (``False``, which shows each map's pattern but hides how
            strong it is).
        titles: one title per drawn panel (default: the channel index).
        show_titles: whether to title the panels at all.
        colorbar: add one colour bar for the shared scale.
        title: a title over the figure (only when the figure is made here).
        axes: existing axes to draw into, at least one per drawn map (extra
            axes are switched off); lets one figure hold the maps of several
            layers, a row each.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if ``maps`` is not ``C x H x W`` (or ``1 x C x H x W``),
            ``max_maps`` or ``ncols`` is not positive, ``limits`` is not an
            increasing pair, ``titles`` has the wrong length, ``colorbar`` is
            asked for without a shared scale, or there are too few ``axes``.
    """
    array = _as_maps(maps)
    if max_maps is not None:
        if not isinstance(max_maps, int) or max_maps < 1:
            raise ValueError(f"max_maps must be a positive int, got {max_maps!r}")
        array = array[:max_maps]
    count = array.shape[0]
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    if titles is not None and len(titles) != count:
        raise ValueError(f"got {count} maps to draw but {len(titles)} titles")
    if limits is not None:
        if len(limits) != 2 or not limits[0] < limits[1]:
            raise ValueError(f"limits must be a pair (vmin, vmax) with vmin < vmax, got {limits!r}")
        shared_scale = True
    if colorbar and not shared_scale:
        raise ValueError("a colour bar needs one scale for all panels: pass shared_scale=True")

    signed = bool((array < 0).any()) if limits is None else limits[0] < 0
    cmap = cmap or ("RdBu_r" if signed else "gray")

    def scale(values: np.ndarray) -> tuple[float, float]:
        if limits is not None:
            return float(limits[0]), float(limits[1])
        top = float(np.abs(values).max()) or 1.0  # an all-zero map still gets a valid scale
        return (-top, top) if signed else (0.0, top)

    if axes is None:
        ncols = min(ncols, count)
        nrows = math.ceil(count / ncols)
        extra = 0.3 if show_titles else 0.05  # room for the panel titles, and for the figure title
        height = (size + extra) * nrows + (0.4 if title else 0.0)
        fig, grid = plt.subplots(nrows, ncols, figsize=(size * ncols + (0.8 if colorbar else 0.0), height),
                                 squeeze=False, layout="constrained")  # constrained: room for titles and colour bar
        panels = list(grid.flat)
        made_here = True
    else:
        panels = list(np.ravel(axes))
        if len(panels) < count:
            raise ValueError(f"got {count} maps to draw but only {len(panels)} axes")
        fig = panels[0].figure
        made_here = False

    vmin, vmax = scale(array)
    image = None
    for index, ax in enumerate(panels):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():  # a thin frame on all four sides, whatever the rcParams say
            spine.set_visible(True)
            spine.set_linewidth(0.5)
        if index >= count:
            ax.axis("off")
            continue
        low, high = (vmin, vmax) if shared_scale else scale(array[index])
        image = ax.imshow(array[index], cmap=cmap, vmin=low, vmax=high)
        if show_titles:
            ax.set_title(titles[index] if titles is not None else str(index), fontsize=8)
    if colorbar and image is not None:
        fig.colorbar(image, ax=panels[:count], shrink=0.8)
    if made_here and title:
        fig.suptitle(title)
    return fig
