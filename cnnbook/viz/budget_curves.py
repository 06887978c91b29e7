"""A score against the amount of labelled data, one line per method: what labels buy, and what a method saves."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

__all__ = ["plot_budget_curves"]


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
