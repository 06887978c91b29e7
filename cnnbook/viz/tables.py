"""Numbers by category: a confusion matrix (counts per true and predicted class) and each layer's share of a network's costs."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import PercentFormatter

from ..analysis.costs import LAYER_COSTS, layer_cost_shares
from .grid import as_float_array

__all__ = ["plot_confusion_matrix", "plot_layer_costs"]


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
    counts = as_float_array(matrix)
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
    shown = counts
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


def plot_layer_costs(
    model_summary,
    quantities: Sequence[str] = ("params", "macs"),
    *,
    labels: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Grouped bars: for each weight layer, its share of the parameters, the multiply-adds, the output values.

    Shows at a glance where a network keeps its weights and where it spends
    its computation and memory (see :func:`layer_cost_shares` for what each
    quantity counts).

    Args:
        model_summary: a ``ModelSummary`` from :func:`cnnbook.analysis.summary`.
        quantities: which shares to draw, names from :data:`LAYER_COSTS`.
        labels: one name per weight layer (default: the rows' qualified names).
        ax: an existing axis to draw on; default a new figure.
        title: a title for the axis.

    Returns:
        The matplotlib ``Figure``; the axis holds one bar per layer and
        quantity, quantity by quantity.

    Raises:
        ValueError: as :func:`layer_cost_shares`, or if ``labels`` does not
            have one entry per weight layer.
    """
    shares = layer_cost_shares(model_summary, quantities)
    layers = [row for row in model_summary if row.params > 0]
    if labels is None:
        labels = [row.name or "(model)" for row in layers]
    elif len(labels) != len(layers):
        raise ValueError(f"got {len(labels)} labels for {len(layers)} weight layers")
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(11.0, max(5.0, 0.3 * len(layers) * len(quantities) + 2.0)), 3.4))
    fig = ax.figure
    width = 0.8 / len(quantities)
    colours = {"params": "tab:blue", "macs": "tab:orange", "activations": "tab:green"}
    for index, quantity in enumerate(quantities):
        positions = [i - 0.4 + width * (index + 0.5) for i in range(len(layers))]
        ax.bar(positions, shares[quantity], width=width, color=colours[quantity],
               label=f"share of the {LAYER_COSTS[quantity]}")
    ax.set_xticks(range(len(layers)), list(labels), rotation=45 if len(layers) > 8 else 0, fontsize=8)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
