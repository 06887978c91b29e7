"""Output sizes and shapes predicted from the layers' hyperparameters, without running the layers.

Along one spatial dimension, a window of ``k`` taps spaced ``d`` pixels apart
(dilation) spans ``d (k - 1) + 1`` pixels of its input. Sliding it by ``s``
pixels (stride) over an input of ``n`` pixels padded with ``p`` pixels on each
side, it fits

    floor((n + 2p - d (k - 1) - 1) / s) + 1

times. That count is the output size (:func:`conv_output_size`); pooling
layers with ``ceil_mode=True`` round up instead of down, keeping an extra
window only if it starts inside the input or its left padding (PyTorch's
rule). A transposed convolution runs the formula backwards
(:func:`conv_transpose_output_size`).

:func:`~cnnbook.analysis.summary` *measures* each layer's output shape by
running the model; :func:`expected_shapes` *predicts* it, layer after layer,
from the rules each kind of layer follows:

- a convolution or pooling layer maps ``N x C x H x W`` to
  ``N x C' x H' x W'``, with ``H'`` and ``W'`` from the output-size formula
  and ``C'`` the number of filters (a convolution) or ``C`` (pooling);
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
from typing import Any

from torch import nn

from ..checks import IntOrPair, as_pair, as_shape, is_pair
from ..sliding_windows import window_count
from .layer_geometry import POINTWISE_LAYERS, chain_layers, is_chain, layer_geometry

__all__ = ["ShapeRow", "conv_output_size", "conv_transpose_output_size", "expected_shapes"]

_DIMENSIONS = ("height", "width")

def conv_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> IntOrPair:
    """Output size of a convolution or pooling layer: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``.

    Every argument is an int (the same along height and width) or a
    ``(height, width)`` pair. The result is a pair when any argument is a pair,
    and an int otherwise, so that ``conv_output_size(32, 3, padding=1) == 32``
    and ``conv_output_size((32, 48), 3) == (30, 46)``.

    Args:
        size: input size ``n`` (``H``, ``W`` of an ``N x C x H x W`` input), >= 1.
        kernel_size: ``k``, >= 1.
        stride: ``s``, >= 1.
        padding: ``p`` zeros added on each side, >= 0; or ``"valid"`` (no
            padding) or ``"same"`` (PyTorch's: the output keeps the input's
            size; needs stride 1).
        dilation: ``d``, the spacing between kernel taps, >= 1.
        ceil_mode: round up instead of down (pooling layers' ``ceil_mode``).

    Returns:
        The output size: an int, or an ``(H_out, W_out)`` pair.

    Raises:
        ValueError: on a non-int or out-of-range argument, ``"same"`` with a
            stride other than 1, or when the window is larger than the padded
            input (the output would be empty).
    """
    arguments: dict[str, Any] = {"size": size, "kernel_size": kernel_size, "stride": stride,
                                 "padding": padding, "dilation": dilation}
    want_pair = any(is_pair(v) for v in arguments.values())
    sizes = as_pair(size, "size", 1)
    kernels = as_pair(kernel_size, "kernel_size", 1)
    strides = as_pair(stride, "stride", 1)
    dilations = as_pair(dilation, "dilation", 1)
    if isinstance(padding, str):
        if padding == "valid":
            paddings = (0, 0)
        elif padding == "same":
            if strides != (1, 1):
                raise ValueError(f'padding="same" needs stride 1 (as in PyTorch), got stride {stride!r}')
            return sizes if want_pair else sizes[0]
        else:
            raise ValueError(f'padding must be an int, a pair, "valid" or "same", got {padding!r}')
    else:
        paddings = as_pair(padding, "padding", 0)
    out = tuple(
        window_count(n, k, s, p, p, d, bool(ceil_mode), dim)
        for n, k, s, p, d, dim in zip(sizes, kernels, strides, paddings, dilations, _DIMENSIONS)
    )
    return out if want_pair else out[0]


def conv_transpose_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of a transposed convolution: ``(n - 1) s - 2p + d(k - 1) + output_padding + 1``.

    The transposed convolution maps each input pixel to a ``k x k`` window of
    the output, the windows ``s`` pixels apart; it inverts the size arithmetic
    of :func:`conv_output_size`, and ``output_padding`` picks among the input
    sizes that a strided convolution maps to the same output size. Ints and
    pairs as in :func:`conv_output_size`.

    Args:
        size: input size ``n``, >= 1.
        kernel_size: ``k``, >= 1.
        stride: ``s``, >= 1.
        padding: ``p``, >= 0 (removed from each side of the output).
        output_padding: added on one side, >= 0 and smaller than the stride or
            the dilation (PyTorch's rule).
        dilation: ``d``, >= 1.

    Returns:
        The output size: an int, or an ``(H_out, W_out)`` pair.

    Raises:
        ValueError: on a non-int or out-of-range argument, or when the output
            would be empty.
    """
    arguments = (size, kernel_size, stride, padding, output_padding, dilation)
    want_pair = any(is_pair(v) for v in arguments)
    sizes = as_pair(size, "size", 1)
    kernels = as_pair(kernel_size, "kernel_size", 1)
    strides = as_pair(stride, "stride", 1)
    paddings = as_pair(padding, "padding", 0)
    output_paddings = as_pair(output_padding, "output_padding", 0)
    dilations = as_pair(dilation, "dilation", 1)
    out = []
    for n, k, s, p, op, d, dim in zip(sizes, kernels, strides, paddings, output_paddings, dilations, _DIMENSIONS):
        if op >= max(s, d):
            raise ValueError(f"along the {dim}, output_padding must be smaller than the stride or the dilation "
                             f"(here {max(s, d)}), got {op}")
        value = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        if value < 1:
            raise ValueError(f"along the {dim}, the output would have {value} pixels; expected at least 1 "
                             f"(padding {p} removes too much from (size - 1) * stride + dilation * (kernel - 1) + 1 "
                             f"= {(n - 1) * s + d * (k - 1) + 1})")
        out.append(value)
    return tuple(out) if want_pair else out[0]


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
    layers = chain_layers(model)
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
