"""Activation functions drawn with their derivatives, one panel per function."""
from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import torch

from .grid import panel_grid

__all__ = ["plot_activations"]

Activation = Callable[[torch.Tensor], torch.Tensor]


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
