"""Image patches in rows: such as the input patches that excite each of a few units most."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .images import to_display

__all__ = ["show_patches"]


def _as_patches(value: object, name: str) -> np.ndarray:
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    if array.ndim != 4 or array.shape[1] not in (1, 3) or len(array) == 0:
        raise ValueError(f"{name} must be k x C x h x w patches with C = 1 or 3 and k >= 1, "
                         f"got shape {tuple(array.shape)}")
    return array.astype(np.float64)


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
    fig, axes = plt.subplots(len(rows), ncols, figsize=(size * ncols + (1.1 if labelled else 0),
                                                        (size + 0.2) * len(rows)), squeeze=False)
    for axes_row, row_patches, row_values, label in zip(axes, patches, values, row_labels):
        for col, ax in enumerate(axes_row):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():  # no frame, but keep the axis so that its label shows
                spine.set_visible(False)
            if col >= len(row_patches):
                ax.axis("off")
                continue
            picture = to_display(row_patches[col])
            if picture.ndim == 2:
                ax.imshow(picture, cmap=cmap, vmin=low, vmax=high)
            else:
                ax.imshow(np.clip(picture, 0.0, 1.0))
            if row_values is not None:
                value = row_values[col]
                ax.set_title(f"{float(value):.2f}", fontsize=7)
        if label:
            axes_row[0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
