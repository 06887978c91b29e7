"""A plain convolutional network as one ``nn.Sequential``: easy to export, prune and augment.

Each stage is a 3 x 3 convolution (padding 1), a ReLU and a 2 x 2 max pool; a
28 x 28 input shrinks 28 -> 14 -> 7 -> 3 over the default three stages, and a
linear layer (optionally after one hidden layer) reads the flattened last map. Being a flat ``nn.Sequential`` of
standard layers, it is what structured pruning
(:func:`cnnbook.deploy.prune_channels`) and ONNX export handle most simply.
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..checks import as_int

__all__ = ["small_convnet"]


def small_convnet(in_channels: int = 1, num_classes: int = 10, widths: Sequence[int] = (16, 32, 64), *,
                  hidden: int | None = None, image_size: int = 28) -> nn.Sequential:
    """Stages of conv 3 x 3 -> ReLU -> max pool 2 x 2, then flatten -> (linear -> ReLU) -> linear.

    Args:
        in_channels: channels of the input images (1 for digits).
        num_classes: number of outputs.
        widths: output channels of each stage's convolution.
        hidden: units of one hidden fully connected layer (with a ReLU) before
            the output layer; ``None`` for none.
        image_size: side ``H = W`` of the input images (each stage halves it, rounding down).

    Returns:
        An ``nn.Sequential`` mapping ``N x in_channels x image_size x image_size``
        float images to ``N x num_classes`` logits.

    Raises:
        ValueError: on a non-positive count or width, no stages, or an image
            too small for the number of stages.
    """
    for name, value in [("in_channels", in_channels), ("num_classes", num_classes), ("image_size", image_size)]:
        as_int(name, value)
    widths = tuple(widths)
    if not widths:
        raise ValueError(f"widths needs at least one stage, got {widths!r}")
    for width in widths:
        as_int("every entry of widths", width)
    side = image_size
    layers: list[nn.Module] = []
    channels = in_channels
    for width in widths:
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        channels, side = width, side // 2
    if side < 1:
        raise ValueError(f"image_size {image_size} is too small for {len(widths)} stages of 2 x 2 pooling")
    features = channels * side * side
    layers.append(nn.Flatten())
    if hidden is not None:
        as_int("hidden", hidden)
        layers += [nn.Linear(features, hidden), nn.ReLU()]
        features = hidden
    layers.append(nn.Linear(features, num_classes))
    return nn.Sequential(*layers)
