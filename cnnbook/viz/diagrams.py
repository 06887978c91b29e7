"""Diagrams of a mechanism, drawn cell by cell: where each output of a sliding window reads its input.

The output-size formula ``floor((n + 2p - d(k - 1) - 1) / s) + 1`` counts the
positions of a window; :func:`show_sliding_windows` shows them, one row per
output, over the padded input, so that a reader can count them.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from ..sliding_windows import window_positions

__all__ = ["show_sliding_windows"]


def show_sliding_windows(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1, *,
                         ax: plt.Axes | None = None, title: str | None = None) -> plt.Figure:
    """Draw the positions of a 1-D sliding window over a zero-padded input, one row per output.

    The top row is the input: ``n`` white cells numbered from 0, with ``p``
    grey cells of padding (zeros) on each side. Each row below is one output
    ``j``: its ``k`` coloured cells are the taps that output reads
    (:func:`cnnbook.sliding_windows.window_positions`). Counting the rows counts the outputs.

    Args:
        size: input length ``n``, >= 1.
        kernel_size: ``k``, >= 1.
        stride: ``s``, >= 1.
        padding: ``p``, >= 0.
        dilation: ``d``, >= 1.
        ax: an existing axis to draw on (default: a new figure sized to fit).
        title: the axis title (default: the arguments and the output count).

    Returns:
        The matplotlib ``Figure``. The axis holds one rectangle per input cell
        (padding included) and one per tap, in that order.

    Raises:
        ValueError: as :func:`cnnbook.sliding_windows.window_positions`.
    """
    windows = window_positions(size, kernel_size, stride, padding, dilation)
    width = size + 2 * padding
    if ax is None:
        fig, ax = plt.subplots(figsize=(0.38 * width + 1.2, 0.36 * (len(windows) + 1) + 0.7))
    fig = ax.figure
    for position in range(-padding, size + padding):
        is_padding = position < 0 or position >= size
        ax.add_patch(Rectangle((position, 0), 1, 1, facecolor="0.85" if is_padding else "white",
                               edgecolor="0.3", linewidth=0.8))
        ax.text(position + 0.5, 0.5, "0" if is_padding else str(position), ha="center", va="center",
                fontsize=7, color="0.45" if is_padding else "black")
    colours = plt.get_cmap("tab10")
    for j, taps in enumerate(windows):
        row = -(j + 1.25)
        colour = colours(j % 10)
        ax.plot([taps[0] + 0.5, taps[-1] + 0.5], [row + 0.5, row + 0.5], color=colour, linewidth=1, zorder=1)
        for tap in taps:
            ax.add_patch(Rectangle((tap + 0.1, row + 0.1), 0.8, 0.8, facecolor=colour, edgecolor="none",
                                   alpha=0.85, zorder=2))
        ax.text(-padding - 0.3, row + 0.5, f"output {j}", ha="right", va="center", fontsize=7)
    ax.text(-padding - 0.3, 0.5, "input", ha="right", va="center", fontsize=7, fontweight="bold")
    ax.set_xlim(-padding - 3.2, size + padding + 0.1)
    ax.set_ylim(-(len(windows) + 0.35), 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title if title is not None else
                 f"n = {size}, k = {kernel_size}, p = {padding}, s = {stride}, d = {dilation}: "
                 f"{len(windows)} outputs", fontsize=9)
    return fig
