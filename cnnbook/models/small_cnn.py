"""The small two-stage CNN: the first network a reader builds and trains.

Two stages of (convolution, ReLU, 2 x 2 max pooling), then a flatten and one
fully connected layer to the class scores::

    N x 1 x 28 x 28 -> conv1 (16 filters, 3 x 3, padding 1) -> relu1 -> pool1  -> N x 16 x 14 x 14
                    -> conv2 (32 filters, 3 x 3, padding 1) -> relu2 -> pool2  -> N x 32 x 7 x 7
                    -> flatten -> N x 1,568 -> fc -> N x 10 logits

20,490 parameters at the defaults. The keyword arguments change one design
choice at a time (kernel, padding, stride, dilation, pooling, widths, input
size), and the fully connected layer is sized from the output-size formula,
so that every variant is the same network with one thing changed.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from torch import nn

from ..analysis.shapes import conv_output_size
from ..checks import as_int

__all__ = ["small_cnn", "small_cnn_feature_size"]


def small_cnn_feature_size(image_size: int = 28, widths: Sequence[int] = (16, 32), *, kernel_size: int = 3,
                           padding: int = 1, stride: int = 1, dilation: int = 1, pool: bool = True) -> tuple[int, int]:
    """``(channels, side)`` of the last feature map of :func:`small_cnn` for a square input.

    Raises:
        ValueError: if a layer's window spans more than its padded input (the input is too small).
    """
    side = image_size
    for _ in widths:
        side = conv_output_size(side, kernel_size, stride=stride, padding=padding, dilation=dilation)
        if pool:
            side = conv_output_size(side, 2, stride=2)
    return widths[-1], side


def small_cnn(in_channels: int = 1, num_classes: int = 10, widths: Sequence[int] = (16, 32), *,
              image_size: int = 28, kernel_size: int = 3, padding: int = 1, stride: int = 1, dilation: int = 1,
              pool: bool = True) -> nn.Sequential:
    """Stages of convolution, ReLU and (optionally) 2 x 2 max pooling, then one linear layer.

    Args:
        in_channels: channels of the input images (1 for digits, 3 for colour).
        num_classes: number of outputs.
        widths: filters of each stage's convolution, one entry per stage.
        image_size: side of the square input the linear layer is sized for.
        kernel_size, padding, stride, dilation: every convolution's geometry.
        pool: whether each stage ends with a 2 x 2 max pool of stride 2.

    Returns:
        A ``Sequential`` with layers named ``conv1, relu1, pool1, conv2, ...,
        flatten, fc`` that maps ``N x in_channels x image_size x image_size``
        float32 images to ``N x num_classes`` logits.

    Raises:
        ValueError: on a non-positive size, an empty ``widths``, or an input
            too small for the layers.
    """
    for name, value in [("in_channels", in_channels), ("num_classes", num_classes), ("image_size", image_size),
                        ("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)]:
        as_int(name, value)
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    if len(widths) == 0:
        raise ValueError("widths must list at least one stage's filters, got an empty sequence")
    for i, width in enumerate(widths):
        as_int(f"widths[{i}]", width)
    channels_out, side = small_cnn_feature_size(image_size, widths, kernel_size=kernel_size, padding=padding,
                                                stride=stride, dilation=dilation, pool=pool)
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    channels = in_channels
    for stage, width in enumerate(widths, start=1):
        layers[f"conv{stage}"] = nn.Conv2d(channels, width, kernel_size, stride=stride, padding=padding,
                                           dilation=dilation)
        layers[f"relu{stage}"] = nn.ReLU()
        if pool:
            layers[f"pool{stage}"] = nn.MaxPool2d(2)
        channels = width
    layers["flatten"] = nn.Flatten()
    layers["fc"] = nn.Linear(channels_out * side * side, num_classes)
    return nn.Sequential(layers)
