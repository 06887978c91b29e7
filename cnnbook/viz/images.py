"""Pictures: grids of images, image patches and learned filters, and boxes and masks drawn over an image.

Every grid is laid out by :func:`~cnnbook.viz.grid.panel_grid`; every image
goes through :func:`to_display`, so that ``C x H x W`` tensors, ``H x W``
maps and ``H x W x 3`` arrays are drawn alike.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import to_rgb
from torch import nn

from ..checks import as_int
from .grid import as_float_array, panel_grid

__all__ = ["CLASS_COLOURS", "draw_boxes", "overlay_masks", "show_filters", "show_image", "show_images",
           "show_patches", "to_display"]

#: One colour per class label (label 0, the background, is never drawn).
CLASS_COLOURS = ("#000000", "#e41a1c", "#377eb8", "#ffd92f", "#4daf4a", "#984ea3", "#ff7f00")


def to_display(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """Turn one image into an array ``imshow`` can draw.

    Args:
        image: ``C x H x W`` (tensor or array, C = 1 or 3), or ``H x W``, or
            ``H x W x 3``.

    Returns:
        ``H x W`` for one channel, ``H x W x 3`` for three, as float64.

    Raises:
        ValueError: for any other shape.
    """
    array = as_float_array(image)
    if array.ndim == 2:
        return array
    if array.ndim == 3 and array.shape[0] in (1, 3):  # C x H x W, the book's convention
        array = np.moveaxis(array, 0, -1)
    if array.ndim == 3 and array.shape[-1] == 1:
        return array[..., 0]
    if array.ndim == 3 and array.shape[-1] == 3:
        return array
    raise ValueError(f"expected an image C x H x W, H x W or H x W x 3, got shape {tuple(np.shape(image))}")


def _draw_picture(ax: plt.Axes, picture: np.ndarray, cmap: str, vmin: float | None = None,
                  vmax: float | None = None) -> None:
    """``imshow`` a :func:`to_display` array: one channel with ``cmap``, three clipped to ``[0, 1]``."""
    if picture.ndim == 2:
        ax.imshow(picture, cmap=cmap, vmin=vmin, vmax=vmax)
    else:
        ax.imshow(np.clip(picture, 0.0, 1.0))


def show_images(
    images: torch.Tensor | np.ndarray | Sequence,
    labels: Sequence | torch.Tensor | None = None,
    predictions: Sequence | torch.Tensor | None = None,
    *,
    classes: Sequence[str] | None = None,
    ncols: int = 8,
    size: float = 1.3,
    cmap: str = "gray",
    title: str | None = None,
) -> plt.Figure:
    """Draw images in a grid, each titled with its label (and prediction).

    With ``predictions``, a title reads ``pred (true)`` and is green when the
    prediction is right and red when it is wrong, so mistakes stand out.

    Args:
        images: ``N x C x H x W`` or ``N x H x W`` (tensor or array), or a
            sequence of single images.
        labels: ``N`` true labels (ints, or names), optional.
        predictions: ``N`` predicted labels, optional; needs ``labels``.
        classes: names of the classes, to print names instead of indices.
        ncols: images per row.
        size: inches per image.
        cmap: colour map for one-channel images.
        title: a title over the whole grid.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if the lengths differ or there are no images.
    """
    n = len(images)
    if n == 0:
        raise ValueError("show_images needs at least one image")
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    if predictions is not None and (labels is None or len(predictions) != n):
        raise ValueError("predictions need labels of the same length as the images")
    extra = 0.25 if labels is not None else 0.0
    title_height = 0.4 if title else 0.0  # room for the suptitle, so that it does not squeeze the rows
    # constrained layout leaves room for every row of titles and the figure title
    fig, axes = panel_grid(n, ncols, width=size, height=size + extra, extra_height=title_height,
                           layout="constrained")

    def name(value) -> str:
        value = value.item() if isinstance(value, torch.Tensor) else value
        return str(classes[int(value)]) if classes is not None and not isinstance(value, str) else str(value)

    for index, ax in enumerate(axes):
        ax.axis("off")
        _draw_picture(ax, to_display(images[index]), cmap)
        if predictions is not None:
            right = name(predictions[index]) == name(labels[index])
            ax.set_title(f"{name(predictions[index])} ({name(labels[index])})", fontsize=9,
                         color="tab:green" if right else "tab:red")
        elif labels is not None:
            ax.set_title(name(labels[index]), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def _as_patches(value: object, name: str) -> np.ndarray:
    array = as_float_array(value)
    if array.ndim != 4 or array.shape[1] not in (1, 3) or len(array) == 0:
        raise ValueError(f"{name} must be k x C x h x w patches with C = 1 or 3 and k >= 1, "
                         f"got shape {tuple(array.shape)}")
    return array


def show_patches(
    rows: torch.Tensor | np.ndarray | Sequence,
    *,
    row_labels: Sequence[str] | None = None,
    values: Sequence | None = None,
    size: float = 0.8,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Draw rows of image patches, each row labelled, each patch titled with a value.

    Made for :func:`cnnbook.analysis.top_patches`: pass a list of its results
    and each becomes a row, labelled with its layer and channel, each patch
    titled with the unit's activation on it.

    Args:
        rows: ``k x C x h x w`` patches (one row), or a sequence of rows, each
            ``k x C x h x w`` (sizes may differ between rows) or an object with
            a ``patches`` attribute (and ``activations``, ``layer``,
            ``channel``, as :class:`~cnnbook.analysis.TopPatches` has).
        row_labels: one label per row (default: ``"<layer>\\nchannel <c>"``
            for ``TopPatches``, none otherwise).
        values: one sequence of ``k`` numbers per row, printed above the
            patches (default: the ``activations`` of ``TopPatches``).
        size: inches per patch.
        cmap: colour map for one-channel patches.
        vmin, vmax: the colour scale of one-channel patches; by default the
            smallest and largest value of all patches, so that patches can be
            compared with each other.
        title: a title over the whole figure.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if a row is not ``k x C x h x w`` with ``C`` 1 or 3, there
            are no rows, or ``row_labels`` / ``values`` do not match the rows.
    """
    if isinstance(rows, (torch.Tensor, np.ndarray)):
        rows = [rows]
    rows = list(rows)
    if not rows:
        raise ValueError("show_patches needs at least one row of patches, got none")
    patches = [_as_patches(getattr(row, "patches", row), f"row {index}") for index, row in enumerate(rows)]
    if row_labels is None:
        row_labels = [f"{row.layer}\nchannel {row.channel}" if hasattr(row, "layer") and hasattr(row, "channel")
                      else "" for row in rows]
    elif len(row_labels) != len(rows):
        raise ValueError(f"got {len(row_labels)} row labels for {len(rows)} rows")
    if values is None:
        values = [getattr(row, "activations", None) for row in rows]
    elif len(values) != len(rows):
        raise ValueError(f"got {len(values)} rows of values for {len(rows)} rows")
    for index, (row_values, row_patches) in enumerate(zip(values, patches)):
        if row_values is not None and len(row_values) != len(row_patches):
            raise ValueError(f"row {index} has {len(row_patches)} patches but {len(row_values)} values")
    low = min(p.min() for p in patches) if vmin is None else vmin
    high = max(p.max() for p in patches) if vmax is None else vmax
    ncols = max(len(p) for p in patches)
    labelled = any(row_labels)
    fig, axes = panel_grid(len(rows) * ncols, ncols, width=size, height=size + 0.2,
                           extra_width=1.1 if labelled else 0.0)
    for row, (row_patches, row_values, label) in enumerate(zip(patches, values, row_labels)):
        axes_row = axes[row * ncols:(row + 1) * ncols]
        for col, ax in enumerate(axes_row):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():  # no frame, but keep the axis so that its label shows
                spine.set_visible(False)
            if col >= len(row_patches):
                ax.axis("off")
                continue
            _draw_picture(ax, to_display(row_patches[col]), cmap, low, high)
            if row_values is not None:
                ax.set_title(f"{float(row_values[col]):.2f}", fontsize=7)
        if label:
            axes_row[0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _weight_array(weight: torch.Tensor | np.ndarray | nn.Conv2d) -> np.ndarray:
    if isinstance(weight, nn.Conv2d):
        weight = weight.weight
    array = as_float_array(weight)
    if array.ndim != 4 or min(array.shape) < 1:
        raise ValueError(f"expected convolution weights C_out x C_in x k_h x k_w (or an nn.Conv2d), "
                         f"got shape {tuple(array.shape)}")
    return array


def show_filters(
    weight: torch.Tensor | np.ndarray | nn.Conv2d,
    *,
    input_channel: int | None = None,
    ncols: int = 8,
    size: float = 0.9,
    cmap: str = "RdBu_r",
    titles: Sequence[str] | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Draw each filter of a convolutional layer as a small image.

    - One input channel (or one chosen with ``input_channel``): each filter is
      a ``k_h x k_w`` grid drawn with a diverging colour map centred on zero
      (red positive, blue negative with the default ``"RdBu_r"``), on one
      scale shared by all filters, ``[-m, m]`` with ``m`` the largest absolute
      weight, so that strong and weak filters can be told apart.
    - Three input channels (a first layer on colour images): each filter is
      drawn in colour, its weights rescaled to ``[0, 1]`` filter by filter.

    Args:
        weight: ``C_out x C_in x k_h x k_w`` weights (tensor or array), or an
            ``nn.Conv2d`` whose weights to draw.
        input_channel: draw this input channel's slice of every filter; needed
            when ``C_in`` is neither 1 nor 3.
        ncols: filters per row.
        size: inches per filter.
        cmap: colour map for one-channel filters.
        titles: one title per filter (default: its index).
        title: a title over the whole figure.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: on a shape that is not 4-D, ``C_in`` not 1 or 3 without
            ``input_channel``, an ``input_channel`` out of range, a bad
            ``ncols``, or a wrong number of ``titles``.
    """
    array = _weight_array(weight)
    out_channels, in_channels = array.shape[:2]
    if input_channel is not None:
        input_channel = as_int("input_channel", input_channel, 0, in_channels - 1)
        array = array[:, input_channel:input_channel + 1]
    elif in_channels not in (1, 3):
        raise ValueError(f"the filters have {in_channels} input channels; pass input_channel=... to draw one "
                         f"of them (only 1 or 3 channels can be drawn whole)")
    ncols = as_int("ncols", ncols)
    if titles is not None and len(titles) != out_channels:
        raise ValueError(f"got {len(titles)} titles for {out_channels} filters")
    fig, axes = panel_grid(out_channels, ncols, width=size, height=size + 0.2)
    limit = float(np.abs(array).max()) or 1.0
    for index, ax in enumerate(axes):
        ax.axis("off")
        kernel = array[index]
        if kernel.shape[0] == 1:
            ax.imshow(kernel[0], cmap=cmap, vmin=-limit, vmax=limit)
        else:
            low, high = kernel.min(), kernel.max()
            ax.imshow(np.moveaxis((kernel - low) / (high - low if high > low else 1.0), 0, -1))
        ax.set_title(titles[index] if titles is not None else str(index), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_image(ax: plt.Axes, image: torch.Tensor | np.ndarray, title: str | None = None) -> None:
    """Draw one float image with values in ``[0, 1]`` on ``ax``, without ticks.

    Args:
        ax: the axis to draw on.
        image: ``3 x H x W``, ``1 x H x W`` or ``H x W`` (tensor or array;
            see :func:`to_display`), values in ``[0, 1]``; one channel is drawn in grey.
        title: a title for the axis.

    Raises:
        ValueError: as :func:`to_display`.
    """
    _draw_picture(ax, to_display(image), "gray", 0.0, 1.0)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def draw_boxes(ax: plt.Axes, boxes: torch.Tensor, labels: torch.Tensor | None = None,
               scores: torch.Tensor | None = None, *, classes: Sequence[str] | None = None,
               colour: str | None = None, linewidth: float = 1.5, linestyle: str = "-", fontsize: float = 6) -> None:
    """Outline boxes on an image drawn with ``imshow`` (:func:`show_image`), captioned with class and score.

    Args:
        ax: the axis holding the image.
        boxes: ``K x 4`` boxes ``(x1, y1, x2, y2)`` in pixels (``xyxy``,
            torchvision's format); a box ``(0, 0, 1, 1)`` covers the top-left pixel.
        labels: ``K`` integer class labels; each box is coloured by its label
            (:data:`CLASS_COLOURS`), white without labels.
        scores: ``K`` confidence scores, written after the class name.
        classes: class names indexed by label, for the captions.
        colour: one colour for every box, instead of the label's.
        linewidth, linestyle, fontsize: how the outlines and captions look.

    Raises:
        ValueError: if ``boxes`` is not ``K x 4`` or ``labels`` / ``scores`` do not have ``K`` entries.
    """
    rows = as_float_array(boxes)
    if rows.size == 0:
        rows = rows.reshape(0, 4)
    if rows.ndim != 2 or rows.shape[1] != 4:
        raise ValueError(f"boxes must be K x 4 (x1, y1, x2, y2), got shape {tuple(rows.shape)}")
    for name, values in (("labels", labels), ("scores", scores)):
        if values is not None and len(values) != len(rows):
            raise ValueError(f"got {len(rows)} boxes but {len(values)} {name}")
    for k, (x1, y1, x2, y2) in enumerate(rows.tolist()):
        label = int(labels[k]) if labels is not None else None
        edge = colour or (CLASS_COLOURS[label % len(CLASS_COLOURS)] if label is not None else "white")
        ax.add_patch(plt.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=edge,
                                   linewidth=linewidth, linestyle=linestyle))
        text = []
        if label is not None and classes is not None:
            text.append(classes[label])
        if scores is not None:
            text.append(f"{float(scores[k]):.2f}")
        if text:
            ax.text(x1 - 0.5, y1 - 1.5, " ".join(text), color="black", fontsize=fontsize,
                    bbox={"facecolor": edge, "alpha": 0.8, "pad": 0.5, "linewidth": 0})


def overlay_masks(ax: plt.Axes, label_map: torch.Tensor | np.ndarray, *, alpha: float = 0.5) -> None:
    """Colour each pixel of a label map by its class (:data:`CLASS_COLOURS`) over what ``ax`` shows.

    Args:
        ax: the axis holding the image.
        label_map: ``H x W`` integer class labels; label 0 (the background) is left transparent.
        alpha: the opacity of the coloured pixels.

    Raises:
        ValueError: if ``label_map`` is not 2-D.
    """
    labels = as_float_array(label_map).astype(np.int64)
    if labels.ndim != 2:
        raise ValueError(f"label_map must be H x W, got shape {tuple(labels.shape)}")
    colours = np.zeros((*labels.shape, 4))
    for label in np.unique(labels):
        if label == 0:
            continue
        colours[labels == label] = (*to_rgb(CLASS_COLOURS[int(label) % len(CLASS_COLOURS)]), alpha)
    ax.imshow(colours)
