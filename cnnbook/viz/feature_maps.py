"""Feature maps: the channels of one image's activations, for one layer or several depths."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..checks import as_int, is_int

__all__ = ["show_feature_maps"]


def _as_maps(maps: torch.Tensor | np.ndarray, name: str = "maps") -> np.ndarray:
    """``C x H x W`` (or ``1 x C x H x W``) tensor or array -> float64 array ``C x H x W``."""
    array = maps.detach().cpu().numpy() if isinstance(maps, torch.Tensor) else np.asarray(maps)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"{name} must be the maps of one image, C x H x W (or 1 x C x H x W), "
                         f"got shape {tuple(array.shape)}")
    return array.astype(np.float64)


def _chosen_channels(channels: int | Sequence[int] | None, count: int, name: str) -> list[int]:
    """Indices of the channels to draw: all, the first ``channels``, or the ones listed."""
    if channels is None:
        return list(range(count))
    if is_int(channels):
        return list(range(min(as_int("channels", channels), count)))
    indices = [int(c) for c in channels]
    if not indices:
        raise ValueError("channels must name at least one channel, got none")
    bad = [c for c in indices if not 0 <= c < count]
    if bad:
        raise ValueError(f"channel {bad[0]} does not exist in {name}, which has {count} channels")
    return indices


def _scale(values: np.ndarray, signed: bool) -> tuple[float, float]:
    """Colour limits: symmetric ``(-m, m)`` for signed maps, ``(0, max)`` for non-negative ones."""
    top = float(np.abs(values).max()) or 1.0  # an all-zero map still gets a valid scale
    return (-top, top) if signed else (0.0, top)


def _draw_row(array: np.ndarray, indices: list[int], panels: list[plt.Axes], *, cmap: str | None,
              limits: tuple[float, float] | None, shared_scale: bool, titles: Sequence[str] | None,
              show_titles: bool):
    """Draw ``array[indices]`` into ``panels`` (spare panels are switched off); return the last image."""
    shown = array[indices]
    signed = bool((shown < 0).any()) if limits is None else limits[0] < 0
    colours = cmap or ("RdBu_r" if signed else "gray")
    shared = limits if limits is not None else _scale(shown, signed)
    image = None
    for position, ax in enumerate(panels):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():  # a thin frame on all four sides, whatever the rcParams say
            spine.set_visible(True)
            spine.set_linewidth(0.5)
        if position >= len(indices):
            ax.axis("off")
            continue
        low, high = shared if shared_scale else _scale(shown[position], signed)
        image = ax.imshow(shown[position], cmap=colours, vmin=low, vmax=high)
        if show_titles:
            ax.set_title(titles[position] if titles is not None else str(indices[position]), fontsize=8)
    return image


def show_feature_maps(
    maps: torch.Tensor | np.ndarray | Mapping[str, torch.Tensor | np.ndarray],
    *,
    channels: int | Sequence[int] | None = None,
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
    """Draw the feature maps of one image: one panel per channel, one row per layer.

    The colours follow the sign of the values unless told otherwise: maps
    with negative values are drawn with a diverging colour map centred on zero
    (``"RdBu_r"``: blue negative, white zero, red positive), non-negative maps
    (after a ReLU, say) with ``"gray"`` from 0 up. With ``shared_scale`` the
    panels of a layer use the same colour limits, so that a weak map looks
    weak next to a strong one; pass the same ``limits`` to several calls to
    compare the maps of different layers (before and after a ReLU, say).

    Given a mapping ``{layer name: maps}`` (such as the result of
    :func:`cnnbook.analysis.feature_maps` for one image), it draws one row per
    layer, labelled with the layer's name and output shape ``C x H x W``.
    Every panel has the same size on the page, so the rows show how spatial
    detail shrinks with depth.

    Args:
        maps: ``C x H x W`` tensor or array (a batch of one, ``1 x C x H x W``,
            is accepted): the output of a convolution, activation or pooling
            layer for one image; or a mapping of such maps, one per layer.
        channels: which channels to draw: all (``None``), the first
            ``channels`` (an int), or the listed indices (the same in every row).
        ncols: panels per row, for one layer drawn into a new figure.
        size: inches per panel, when the figure is made here.
        cmap: a matplotlib colour map name (default: by sign, as above).
        limits: ``(vmin, vmax)`` of the colour scale (default: from the data:
            ``(-m, m)`` with ``m`` the largest absolute value for signed maps,
            ``(0, max)`` for non-negative ones); implies a shared scale.
        shared_scale: one colour scale per layer (``True``) or one per panel
            (``False``, which shows each map's pattern but hides how strong it is).
        titles: one title per drawn panel (default: the channel index); one layer only.
        show_titles: whether to title the panels at all.
        colorbar: add one colour bar for the shared scale; one layer only.
        title: a title over the figure (only when the figure is made here).
        axes: existing axes to draw into, at least one per drawn map (extra
            axes are switched off); one layer only.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if a layer's maps are not ``C x H x W`` (or ``1 x C x H x W``),
            ``channels`` asks for a channel that does not exist, ``ncols`` is not
            positive, ``limits`` is not an increasing pair, ``titles`` has the
            wrong length, ``colorbar`` is asked for without a shared scale,
            there are too few ``axes``, or the mapping is empty or combined with
            ``titles``, ``colorbar`` or ``axes``.
    """
    ncols = as_int("ncols", ncols)
    if limits is not None:
        if len(limits) != 2 or not limits[0] < limits[1]:
            raise ValueError(f"limits must be a pair (vmin, vmax) with vmin < vmax, got {limits!r}")
        shared_scale = True
    if colorbar and not shared_scale:
        raise ValueError("a colour bar needs one scale for all panels: pass shared_scale=True")
    style = dict(cmap=cmap, limits=limits, shared_scale=shared_scale, show_titles=show_titles)

    if isinstance(maps, Mapping):
        if not maps:
            raise ValueError("maps must hold at least one layer, got an empty mapping")
        if titles is not None or colorbar or axes is not None:
            raise ValueError("titles, colorbar and axes apply to one layer's maps, not to a mapping of layers")
        arrays = {name: _as_maps(value, f"the maps of {name!r}") for name, value in maps.items()}
        chosen = {name: _chosen_channels(channels, a.shape[0], name) for name, a in arrays.items()}
        width = max(len(c) for c in chosen.values())
        fig, grid = plt.subplots(len(arrays), width, figsize=(size * width + 0.9, (size + 0.3) * len(arrays)),
                                 squeeze=False, layout="constrained")
        for row, (name, array) in enumerate(arrays.items()):
            _draw_row(array, chosen[name], list(grid[row]), titles=None, **style)
            c, h, w = array.shape
            grid[row][0].set_ylabel(f"{name}\n{c} x {h} x {w}", fontsize=8, rotation=0, ha="right", va="center")
        if title:
            fig.suptitle(title)
        return fig

    array = _as_maps(maps)
    indices = _chosen_channels(channels, array.shape[0], "maps")
    count = len(indices)
    if titles is not None and len(titles) != count:
        raise ValueError(f"got {count} maps to draw but {len(titles)} titles")
    if axes is None:
        ncols = min(ncols, count)
        nrows = math.ceil(count / ncols)
        extra = 0.3 if show_titles else 0.05  # room for the panel titles
        height = (size + extra) * nrows + (0.4 if title else 0.0)
        fig, grid = plt.subplots(nrows, ncols, figsize=(size * ncols + (0.8 if colorbar else 0.0), height),
                                 squeeze=False, layout="constrained")  # constrained: room for titles and colour bar
        panels = list(grid.flat)
    else:
        panels = list(np.ravel(axes))
        if len(panels) < count:
            raise ValueError(f"got {count} maps to draw but only {len(panels)} axes")
        fig = panels[0].figure
    image = _draw_row(array, indices, panels, titles=titles, **style)
    if colorbar and image is not None:
        fig.colorbar(image, ax=panels[:count], shrink=0.8)
    if axes is None and title:
        fig.suptitle(title)
    return fig
