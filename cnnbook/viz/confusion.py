"""A confusion matrix drawn as a grid of counts."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["plot_confusion_matrix"]


def plot_confusion_matrix(
    matrix: np.ndarray | torch.Tensor,
    classes: Sequence[str] | None = None,
    *,
    hide_diagonal: bool = False,
    size: float = 4.5,
    cmap: str = "Blues",
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Draw a confusion matrix: row = true class, column = predicted class, each cell its count.

    A well-trained classifier puts almost every sample on the diagonal, whose
    large counts then wash out the colour scale. With ``hide_diagonal=True``
    the diagonal is left white (its counts are still written, in grey) and the
    colours show only the mistakes, so that the classes a model confuses
    stand out.

    Args:
        matrix: ``K x K`` non-negative counts (``matrix[i, j]``: samples of class
            ``i`` predicted as class ``j``), e.g. from
            ``sklearn.metrics.confusion_matrix(labels, predictions)``.
        classes: ``K`` class names for the axes (default ``0 .. K-1``).
        hide_diagonal: colour only the off-diagonal cells.
        size: width and height of the figure in inches, when it is made here.
        cmap: matplotlib colour map of the counts.
        title: a title over the axes.
        ax: existing axes to draw into (default: a new figure).

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if ``matrix`` is not square, has negative entries, or
            ``classes`` has the wrong length.
    """
    counts = matrix.detach().cpu().numpy() if isinstance(matrix, torch.Tensor) else np.asarray(matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"matrix must be a non-empty square K x K array, got shape {counts.shape}")
    if (counts < 0).any():
        raise ValueError("matrix must hold non-negative counts, got a negative entry")
    k = counts.shape[0]
    names = [str(i) for i in range(k)] if classes is None else [str(c) for c in classes]
    if len(names) != k:
        raise ValueError(f"got a {k} x {k} matrix but {len(names)} class names")
    if ax is None:
        fig, ax = plt.subplots(figsize=(size, size))
    else:
        fig = ax.figure
    shown = counts.astype(float)
    if hide_diagonal:
        shown = np.ma.masked_array(shown, mask=np.eye(k, dtype=bool))
    coloured = counts[~np.eye(k, dtype=bool)] if hide_diagonal else counts.ravel()
    top = float(coloured.max()) if coloured.size and coloured.max() > 0 else 1.0
    ax.imshow(shown, cmap=cmap, vmin=0, vmax=top)
    for i in range(k):
        for j in range(k):
            value = counts[i, j]
            if value == 0:
                continue
            if hide_diagonal and i == j:
                color = "0.45"
            else:
                color = "white" if value > 0.6 * top else "black"
            text = f"{int(value)}" if float(value).is_integer() else f"{value:.2f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
