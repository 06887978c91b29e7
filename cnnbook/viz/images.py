"""Grids of images with their labels (and predictions)."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .grid import panel_grid

__all__ = ["show_images", "to_display"]


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
    array = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    array = array.astype(np.float64)
    if array.ndim == 2:
        return array
    if array.ndim == 3 and array.shape[0] in (1, 3):  # C x H x W, the book's convention
        array = np.moveaxis(array, 0, -1)
    if array.ndim == 3 and array.shape[-1] == 1:
        return array[..., 0]
    if array.ndim == 3 and array.shape[-1] == 3:
        return array
    raise ValueError(f"expected an image C x H x W, H x W or H x W x 3, got shape {tuple(np.shape(image))}")


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
        picture = to_display(images[index])
        if picture.ndim == 2:
            ax.imshow(picture, cmap=cmap)
        else:
            ax.imshow(np.clip(picture, 0.0, 1.0))
        if predictions is not None:
            right = name(predictions[index]) == name(labels[index])
            ax.set_title(f"{name(predictions[index])} ({name(labels[index])})", fontsize=9,
                         color="tab:green" if right else "tab:red")
        elif labels is not None:
            ax.set_title(name(labels[index]), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig
