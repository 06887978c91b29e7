"""Where a network's costs lie: each weight layer's share of the parameters, multiply-adds and output values."""
from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter

__all__ = ["LAYER_COSTS", "layer_cost_shares", "plot_layer_costs"]

#: The quantities :func:`plot_layer_costs` can draw, with the words used on the figure.
LAYER_COSTS = {
    "params": "parameters",
    "macs": "multiply-adds",
    "activations": "output values (activation memory)",
}


def layer_cost_shares(model_summary, quantities: Sequence[str] = ("params", "macs")) -> dict[str, list[float]]:
    """Each weight layer's share of each quantity, from a :func:`cnnbook.analysis.summary`.

    The weight layers are the summary's rows with parameters (convolutions,
    linear layers, batch normalisation), in call order. A share is the layer's
    value divided by the sum over those rows, so each quantity's shares sum to
    one. ``"params"`` is the row's parameter count, ``"macs"`` its
    multiply-adds, ``"activations"`` the number of values in its output (what
    must be kept in memory for the backward pass; layers without parameters,
    such as pooling, are left out).

    Args:
        model_summary: a ``ModelSummary`` (or any sequence of rows with
            ``params``, ``macs`` and ``output_shape``).
        quantities: names from :data:`LAYER_COSTS`.

    Returns:
        ``{quantity: [share of layer 1, share of layer 2, ...]}``.

    Raises:
        ValueError: on an unknown quantity, a summary without weight layers,
            a weight layer whose multiply-adds are unknown or whose output is
            not one tensor, or a quantity that is zero in every layer.
    """
    if len(quantities) == 0:
        raise ValueError("quantities must name at least one of " + ", ".join(LAYER_COSTS))
    for quantity in quantities:
        if quantity not in LAYER_COSTS:
            raise ValueError(f"unknown quantity {quantity!r}; expected one of {', '.join(LAYER_COSTS)}")
    rows = [row for row in model_summary if row.params > 0]
    if not rows:
        raise ValueError("the summary has no layer with parameters, so there is no weight layer to show")
    shares = {}
    for quantity in quantities:
        values = []
        for row in rows:
            if quantity == "params":
                values.append(row.params)
            elif quantity == "macs":
                if row.macs is None:
                    raise ValueError(f"the multiply-adds of layer {row.name!r} ({row.kind}) are unknown")
                values.append(row.macs)
            else:
                shape = row.output_shape
                if shape is None or not all(isinstance(d, int) for d in shape):
                    raise ValueError(f"layer {row.name!r} does not return one tensor, got output {shape!r}")
                values.append(math.prod(shape))
        total = sum(values)
        if total == 0:
            raise ValueError(f"the quantity {quantity!r} is zero in every weight layer")
        shares[quantity] = [value / total for value in values]
    return shares


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
