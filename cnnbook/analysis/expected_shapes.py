"""The output shape of every layer of a chain, predicted from the layers' hyperparameters without running them.

:func:`~cnnbook.analysis.summary` *measures* each layer's output shape by
running the model; :func:`expected_shapes` *predicts* it, layer after layer,
from the rules each kind of layer follows:

- a convolution or pooling layer maps ``N x C x H x W`` to
  ``N x C' x H' x W'``, with ``H'`` and ``W'`` from the output-size formula
  ``floor((n + 2p - d(k - 1) - 1) / s) + 1`` (:func:`conv_output_size`) and
  ``C'`` the number of filters (a convolution) or ``C`` (pooling);
- an activation, normalization or dropout layer keeps the shape;
- ``Flatten`` multiplies the dimensions it merges;
- ``Linear`` replaces the last dimension ``D_in`` by ``D_out``.

The predictions equal the shapes PyTorch produces (the unit tests check it on
random chains): the formula is the whole story of how shapes change through a chain.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from torch import nn

from ..checks import as_shape
from ..sliding_windows import window_count
from .layer_geometry import POINTWISE_LAYERS, is_chain, layer_geometry

__all__ = ["ShapeRow", "expected_shapes"]

Shape = tuple[int, ...]

# Layers that keep their input's shape, beyond those acting on each position separately.
_SAME_SHAPE: tuple[type[nn.Module], ...] = POINTWISE_LAYERS + (
    nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.BatchNorm1d, nn.Dropout1d, nn.Dropout3d,
)
_ADAPTIVE_POOLS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
_SUPPORTED = ("Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, 2-D padding layers, "
              "activations, softmax, batch normalization, dropout, Identity, Flatten and Linear, "
              "chained in nn.Sequential")


@dataclass(frozen=True)
class ShapeRow:
    """The predicted output of one layer.

    Attributes:
        name: the layer's qualified name in the model (``"features.0"``), as
            :func:`~cnnbook.analysis.summary` names it; ``""`` when the model
            is a single layer.
        kind: its class name (``"Conv2d"``).
        output_shape: the predicted shape of its output, batch dimension included.
    """

    name: str
    kind: str
    output_shape: Shape


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers of a chain in the order they run, nested Sequentials flattened, with qualified names."""
    if not is_chain(model):
        return [("", model)]
    layers: list[tuple[str, nn.Module]] = []

    def walk(module: nn.Module, prefix: str) -> None:
        for child_name, child in module.named_children():
            name = f"{prefix}.{child_name}" if prefix else child_name
            if is_chain(child):
                walk(child, name)
            else:
                layers.append((name, child))

    walk(model, "")
    if not layers:
        raise ValueError(f"the model has no layers (an empty {type(model).__name__}); expected at least one")
    return layers


def _require_image(shape: Shape, where: str) -> None:
    if len(shape) != 4:
        raise ValueError(f"{where} expects an N x C x H x W input, got shape {shape}")


def _next_shape(module: nn.Module, shape: Shape, where: str) -> Shape:
    """The output shape of ``module`` on an input of ``shape`` (``where`` names the layer in messages)."""
    if isinstance(module, _SAME_SHAPE):
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and (len(shape) < 2 or shape[1] != module.num_features):
            raise ValueError(f"{where} expects {module.num_features} channels in dimension 1 but would receive "
                             f"shape {shape}")
        return shape
    geometry = layer_geometry(module)  # a convolution, pooling or padding layer: a window slides over H and W
    if geometry is not None:
        _require_image(shape, where)
        n, c, h, w = shape
        if isinstance(module, nn.Conv2d) and c != module.in_channels:
            raise ValueError(f"{where} expects {module.in_channels} input channels but would receive {c} "
                             f"(input shape {shape})")
        try:
            height, width = (window_count(size, geometry.kernel[i], geometry.stride[i], geometry.pad_start[i],
                                          geometry.pad_end[i], geometry.dilation[i], geometry.ceil_mode, dim)
                             for i, (size, dim) in enumerate(((h, "height"), (w, "width"))))
        except ValueError as error:
            raise ValueError(f"{where} cannot take an input of shape {shape}: {error}") from None
        channels = module.out_channels if isinstance(module, nn.Conv2d) else c
        return (n, channels, height, width)
    if isinstance(module, _ADAPTIVE_POOLS):
        _require_image(shape, where)
        target = module.output_size
        target = (target, target) if isinstance(target, int) else tuple(target)
        return shape[:2] + tuple(size if t is None else int(t) for size, t in zip(shape[2:], target))
    if isinstance(module, nn.Flatten):
        start, end = (d % len(shape) for d in (module.start_dim, module.end_dim))
        if start > end:
            raise ValueError(f"{where} flattens dimensions {module.start_dim}..{module.end_dim}, "
                             f"which is empty for an input of shape {shape}")
        return shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]
    if isinstance(module, nn.Linear):
        if shape[-1] != module.in_features:
            raise ValueError(f"{where} expects {module.in_features} input features in the last dimension "
                             f"but would receive {shape[-1]} (input shape {shape}); a fully connected layer "
                             f"is built for one input size")
        return shape[:-1] + (module.out_features,)
    raise ValueError(f"{where} is a layer whose output shape expected_shapes cannot predict; "
                     f"expected {_SUPPORTED}")


def expected_shapes(model: nn.Module, input_shape: Sequence[int]) -> list[ShapeRow]:
    """Predict the output shape of every layer of a chain from its hyperparameters, without running it.

    Convolution and pooling layers follow the output-size formula
    ``floor((n + 2p - d(k - 1) - 1) / s) + 1`` along height and width
    (``padding="same"``, ``ceil_mode`` and padding layers included, as
    PyTorch defines them); a convolution sets the channels to its number of
    filters; shape-keeping layers (activations, softmax, batch normalization,
    dropout) keep the shape; ``Flatten`` merges dimensions; ``Linear`` maps
    the last dimension ``D_in -> D_out``. The rows have the same names as
    :func:`~cnnbook.analysis.summary`'s, so the two compare row by row.

    Args:
        model: an ``nn.Sequential`` (nesting allowed) of the layers above, or
            one such layer.
        input_shape: the full input shape, batch dimension included, such as
            ``(1, 1, 28, 28)`` (``N x C x H x W``).

    Returns:
        One :class:`ShapeRow` per layer, in the order the layers run; the last
        row's ``output_shape`` is the model's output shape.

    Raises:
        ValueError: if ``model`` is not a module or not a chain of supported
            layers, ``input_shape`` is not a sequence of positive ints, or a
            layer cannot take the shape it would receive (wrong number of
            channels or features, an input smaller than a window); the
            message names the layer.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    shape = as_shape(input_shape)
    rows = []
    for name, module in _layers(model):
        where = f"layer '{name}' ({type(module).__name__})" if name else f"the {type(module).__name__}"
        shape = _next_shape(module, shape, where)
        rows.append(ShapeRow(name, type(module).__name__, shape))
    return rows
