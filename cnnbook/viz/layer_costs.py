"""Where a network's costs lie: each weight layer's share of the parameters, multiply-adds and output values."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter

from ..analysis.costs import LAYER_COSTS, layer_cost_shares

__all__ = ["plot_layer_costs"]

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
