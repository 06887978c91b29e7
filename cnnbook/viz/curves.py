"""Learning curves: loss and accuracy per epoch, training against validation."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

__all__ = ["plot_history"]


def plot_history(history, *, metrics: Sequence[str] = ("loss", "accuracy"), title: str | None = None,
                 axes: Sequence[plt.Axes] | None = None, label: str | None = None) -> plt.Figure:
    """Plot learning curves from a :class:`cnnbook.train.History`.

    One panel per metric, training as a solid line and validation (when
    recorded) as a dashed one, epoch on the horizontal axis. Pass ``axes``
    and ``label`` to overlay several runs on the same panels.

    Args:
        history: a ``History`` or a mapping with keys ``train_<metric>`` and
            optionally ``val_<metric>`` (lists, one value per epoch).
        metrics: which metrics to draw, among ``"loss"``, ``"accuracy"``.
        title: a title over the figure.
        axes: existing axes to draw on, one per metric.
        label: a name for this run in the legend.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if a metric was not recorded or ``axes`` has the wrong length.
    """
    values = history if isinstance(history, Mapping) else history.as_dict()
    for metric in metrics:
        if not values.get(f"train_{metric}"):
            raise ValueError(f"the history has no 'train_{metric}'; it has {sorted(values)}")
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
        axes = list(axes.flat)
    elif len(axes) != len(metrics):
        raise ValueError(f"need one axis per metric ({len(metrics)}), got {len(axes)}")
    fig = axes[0].figure
    prefix = f"{label}: " if label else ""
    for ax, metric in zip(axes, metrics):
        train = values[f"train_{metric}"]
        epochs = range(1, len(train) + 1)
        line, = ax.plot(epochs, train, marker=".", label=f"{prefix}train")
        val = values.get(f"val_{metric}") or []
        if val and not all(math.isnan(v) for v in val):
            ax.plot(range(1, len(val) + 1), val, linestyle="--", marker=".", color=line.get_color(),
                    label=f"{prefix}validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
