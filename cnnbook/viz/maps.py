"""Maps of values over an image's grid: a layer's feature maps, and input-gradient maps of receptive fields.

Unlike pictures (:mod:`cnnbook.viz.images`), these are drawn on a colour
scale chosen from the values (signed or not, shared or per panel). Every grid
is laid out by :func:`~cnnbook.viz.grid.panel_grid`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

from ..checks import as_int, is_int
from .grid import as_float_array, panel_grid

__all__ = ["show_feature_maps", "show_receptive_fields"]


def _as_maps(maps: torch.Tensor | np.ndarray, name: str = "maps") -> np.ndarray:
    """``C x H x W`` (or ``1 x C x H x W``) tensor or array -> float64 array ``C x H x W``."""
    array = as_float_array(maps)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"{name} must be the maps of one image, C x H x W (or 1 x C x H x W), "
                         f"got shape {tuple(array.shape)}")
    return array
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
        fig, grid = panel_grid(len(arrays) * width, width, width=size, height=size + 0.3, extra_width=0.9,
                               layout="constrained")
        for row, (name, array) in enumerate(arrays.items()):
            panels = grid[row * width:(row + 1) * width]
            _draw_row(array, chosen[name], panels, titles=None, **style)
            c, h, w = array.shape
            panels[0].set_ylabel(f"{name}\n{c} x {h} x {w}", fontsize=8, rotation=0, ha="right", va="center")
        if title:
            fig.suptitle(title)
        return fig

    array = _as_maps(maps)
    indices = _chosen_channels(channels, array.shape[0], "maps")
    count = len(indices)
    if titles is not None and len(titles) != count:
        raise ValueError(f"got {count} maps to draw but {len(titles)} titles")
    if axes is None:
        extra = 0.3 if show_titles else 0.05  # room for the panel titles
        # constrained layout: room for the titles and the colour bar
        fig, panels = panel_grid(count, ncols, width=size, height=size + extra, extra_width=0.8 if colorbar else 0.0,
                                 extra_height=0.4 if title else 0.0, layout="constrained")
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


def _as_map(value: object, index: int) -> np.ndarray:
    array = as_float_array(value)
    if array.ndim != 2 or min(array.shape) < 1:
        raise ValueError(f"map {index} must be H x W, got shape {tuple(array.shape)}")
    return array


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
    fig, axes = panel_grid(len(arrays), len(arrays), width=size, height=size + 0.3)
    for index, (ax, array) in enumerate(zip(axes, arrays)):
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
