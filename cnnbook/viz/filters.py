"""Learned filters: the weights of a convolutional layer drawn as small images."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from ..checks import as_int
from .grid import panel_grid

__all__ = ["show_filters"]


def _weight_array(weight: torch.Tensor | np.ndarray | nn.Conv2d) -> np.ndarray:
    if isinstance(weight, nn.Conv2d):
        weight = weight.weight
    array = weight.detach().cpu().numpy() if isinstance(weight, torch.Tensor) else np.asarray(weight)
    if array.ndim != 4 or min(array.shape) < 1:
        raise ValueError(f"expected convolution weights C_out x C_in x k_h x k_w (or an nn.Conv2d), "
                         f"got shape {tuple(array.shape)}")
    return array.astype(np.float64)


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
