"""One number per layer, for several networks side by side: how a quantity changes with depth."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

__all__ = ["plot_layer_profile"]


def plot_layer_profile(
    profiles: Mapping[str, Sequence[float]],
    *,
    ylabel: str,
    log: bool = False,
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str = "layer (1 = nearest the input)",
) -> plt.Figure:
    """Draw one line per network of a per-layer quantity (a gradient norm, a fraction of units, ...).

    Args:
        profiles: ``{name: values}``, ``values[i]`` being the quantity at layer
            ``i + 1``; the networks may have different depths.
        ylabel: what the quantity is.
        log: a logarithmic vertical axis (for quantities that shrink or grow
            geometrically with depth); every value must then be positive.
        ax: an existing axis to draw on; default a new figure.
        title: a title for the axis.
        xlabel: the label of the horizontal axis.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: on no profiles, an empty profile, or a value ``<= 0`` with ``log=True``.
    """
    if not profiles:
        raise ValueError("plot_layer_profile needs at least one profile")
    for name, values in profiles.items():
        if len(values) == 0:
            raise ValueError(f"the profile {name!r} is empty")
        if log and min(values) <= 0:
            raise ValueError(f"a log axis needs positive values, but {name!r} has {min(values)!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
    fig = ax.figure
    depth = max(len(values) for values in profiles.values())
    for name, values in profiles.items():
        ax.plot(range(1, len(values) + 1), list(values), marker="o", markersize=4, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xticks(range(1, depth + 1))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, which="both" if log else "major")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
