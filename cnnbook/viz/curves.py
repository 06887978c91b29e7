"""Curves: learning curves, a score against a labelling budget, a quantity per layer, activation functions.

Each helper draws lines on one axis per panel (several panels are laid out by
:func:`~cnnbook.viz.grid.panel_grid`) and returns the ``Figure``; those that
draw one axis accept ``ax=`` to draw on an existing one.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch

from .grid import panel_grid

__all__ = ["plot_activations", "plot_budget_curves", "plot_history", "plot_layer_profile"]

Activation = Callable[[torch.Tensor], torch.Tensor]


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
        fig, axes = panel_grid(len(metrics), len(metrics), width=4.5, height=3.2)
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


def plot_budget_curves(
    results: Mapping[str, Mapping[float, Sequence[float]]],
    *,
    xlabel: str = "labelled examples per class",
    ylabel: str = "holdout accuracy",
    log_x: bool = True,
    reference: tuple[str, float] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Draw, for each method, its mean score at each budget, the min-max band over repeats, and every repeat.

    Args:
        results: ``{method: {budget: scores}}``, ``scores`` being one value per
            repeat (different seeds or subsets) at that budget, at least one.
            Methods may have different budgets.
        xlabel: what the budget counts.
        ylabel: what the score is.
        log_x: a logarithmic budget axis (budgets must then be positive), with
            a tick at every budget.
        reference: ``(label, value)`` of a horizontal dashed line, e.g. a score
            obtained without any labels.
        ax: an existing axis to draw on; default a new figure.
        title: a title for the axis.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: on no methods, a method without budgets, a budget without
            scores, or a budget ``<= 0`` with ``log_x=True``.
    """
    if not results:
        raise ValueError("plot_budget_curves needs at least one method")
    for method, by_budget in results.items():
        if not by_budget:
            raise ValueError(f"the method {method!r} has no budgets")
        for budget, scores in by_budget.items():
            if len(scores) == 0:
                raise ValueError(f"the method {method!r} has no scores at budget {budget!r}")
            if log_x and not budget > 0:
                raise ValueError(f"a log axis needs positive budgets, but {method!r} has {budget!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.8))
    fig = ax.figure
    budgets_seen: set[float] = set()
    for index, (method, by_budget) in enumerate(results.items()):
        colour = f"C{index}"
        budgets = sorted(by_budget)
        budgets_seen.update(budgets)
        means = [math.fsum(by_budget[b]) / len(by_budget[b]) for b in budgets]
        ax.fill_between(budgets, [min(by_budget[b]) for b in budgets], [max(by_budget[b]) for b in budgets],
                        color=colour, alpha=0.15, linewidth=0)
        for b in budgets:
            ax.scatter([b] * len(by_budget[b]), list(by_budget[b]), color=colour, s=9, alpha=0.5, linewidths=0)
        ax.plot(budgets, means, color=colour, marker="o", markersize=5, label=method)
    if reference is not None:
        label, value = reference
        ax.axhline(value, color="gray", linestyle="--", linewidth=1, label=label)
    if log_x:
        ax.set_xscale("log")
        ticks = sorted(budgets_seen)
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


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


def _derivative(function: Activation, z: torch.Tensor) -> torch.Tensor:
    """``f'(z)`` of an element-wise ``function`` at every point of ``z`` (1-D), by autograd."""
    z = z.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(function(z).sum(), z)
    return grad.detach()


def plot_activations(
    functions: Mapping[str, Activation],
    *,
    z_range: tuple[float, float] = (-4.0, 4.0),
    points: int = 401,
    ncols: int = 3,
    size: tuple[float, float] = (3.2, 2.5),
    derivative: bool = True,
) -> plt.Figure:
    """Draw each activation function ``f(z)`` and, dashed, its derivative ``f'(z)``.

    The derivative is computed by autograd, so it is the one backpropagation
    uses (at a kink such as ReLU's ``z = 0`` that is PyTorch's convention).

    Args:
        functions: ``{name: f}`` where ``f`` maps a float tensor to a tensor of
            the same shape, element by element (``torch.relu``, ``torch.sigmoid``,
            ``torch.nn.GELU()``, ...).
        z_range: ``(low, high)``, the interval of ``z`` shown.
        points: how many values of ``z`` to evaluate, evenly spaced.
        ncols: panels per row.
        size: ``(width, height)`` of one panel, in inches.
        derivative: also draw ``f'(z)``.

    Returns:
        The matplotlib ``Figure``: one panel per function (in the mapping's
        order), titled with its name; spare panels of the grid are hidden.

    Raises:
        ValueError: on no functions, ``low >= high``, ``points < 2``,
            ``ncols < 1``, or a function whose output shape differs from its input's.
    """
    if not functions:
        raise ValueError("plot_activations needs at least one function")
    low, high = z_range
    if not low < high:
        raise ValueError(f"z_range must be (low, high) with low < high, got {z_range!r}")
    if points < 2 or ncols < 1:
        raise ValueError(f"need points >= 2 and ncols >= 1, got points={points}, ncols={ncols}")
    z = torch.linspace(low, high, points)
    fig, axes = panel_grid(len(functions), ncols, width=size[0], height=size[1])
    for ax, (name, function) in zip(axes, functions.items()):
        with torch.no_grad():
            values = function(z)
        if values.shape != z.shape:
            raise ValueError(f"{name}: an activation must keep the shape of its input, "
                             f"got {tuple(values.shape)} for an input of {tuple(z.shape)}")
        ax.axhline(0, color="0.7", linewidth=0.8)
        ax.axvline(0, color="0.7", linewidth=0.8)
        ax.plot(z, values, color="tab:blue", label="$f(z)$")
        if derivative:
            ax.plot(z, _derivative(function, z), color="tab:orange", linestyle="--", label="$f'(z)$")
        ax.set_title(name)
        ax.set_xlabel("$z$")
        ax.set_xlim(low, high)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
