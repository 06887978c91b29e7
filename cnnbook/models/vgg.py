"""VGG (Simonyan and Zisserman, 2015), full size and small.

The paper "Very deep convolutional networks for large-scale image
recognition" (ICLR 2015) built networks from one repeated idea: stacks of
3 x 3 convolutions (padding 1, so the size is kept), each stack followed by
a 2 x 2 max pooling that halves the size, the channels doubling from 64 up
to 512 from one stack to the next. Two stacked 3 x 3 convolutions see a 5 x 5 window, and
three see 7 x 7, with fewer parameters and more non-linearities than one
large kernel. Three fully connected layers (4096, 4096, classes) follow.

The paper's configurations A, B, D and E have 11, 13, 16 and 19 weight
layers (:data:`VGG_STAGES`). :func:`vgg` builds them as torchvision does,
with an optional batch normalisation after every convolution (which the
paper did not have; it came later, Ioffe and Szegedy 2015) and an adaptive
average pooling to 7 x 7 before the classifier. Parameter counts and
parameter names equal ``torchvision.models.vgg11()`` ... ``vgg19_bn()``'s
(138,357,544 for VGG-16), so torchvision's state dicts load into it.

:func:`small_vgg` uses the same builder with three narrow stages for 28 x 28
or 32 x 32 images.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..checks import check_choice, check_images, as_int, check_probability

__all__ = ["VGG", "VGG_DEPTHS", "VGG_STAGES", "small_vgg", "vgg", "vgg11", "vgg13", "vgg16", "vgg19",
           "vgg_features"]

#: Output channels of each convolution, stage by stage; each stage ends with a
#: 2 x 2 max pooling. Keyed by the number of weight layers (convolutions plus
#: the three fully connected layers): the paper's configurations A, B, D, E.
VGG_STAGES: dict[int, tuple[tuple[int, ...], ...]] = {
    11: ((64,), (128,), (256, 256), (512, 512), (512, 512)),
    13: ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
    16: ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
    19: ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512)),
}
VGG_DEPTHS = tuple(VGG_STAGES)


def vgg_features(stages: Sequence[Sequence[int]], in_channels: int = 3, batch_norm: bool = False) -> nn.Sequential:
    """The convolutional part of a VGG: stacks of 3 x 3 convolutions, each stack closed by a max pool.

    Every convolution is followed by ``BatchNorm2d`` (if ``batch_norm``) and a
    ReLU. The layers sit in one flat ``nn.Sequential``, numbered in order.

    Args:
        stages: output channels of each convolution, one sequence per stage.
        in_channels: channels of the input images.
        batch_norm: insert a batch normalisation after each convolution.

    Returns:
        An ``nn.Sequential`` mapping ``N x in_channels x H x W`` to
        ``N x stages[-1][-1] x H / 2**S x W / 2**S`` (``S`` stages, sizes rounded down).
    """
    layers: list[nn.Module] = []
    channels = in_channels
    for stage in stages:
        for out_channels in stage:
            layers.append(nn.Conv2d(channels, out_channels, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
            channels = out_channels
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """A VGG network: ``features`` (see :func:`vgg_features`), ``avgpool``, ``classifier``.

    ``classifier``: linear -> ReLU -> dropout -> linear -> ReLU -> dropout -> linear.

    Args:
        stages: output channels of each convolution, one sequence per stage.
        in_channels: channels of the input images.
        num_classes: number of outputs.
        batch_norm: batch normalisation after each convolution.
        pool_size: side of the feature grid the classifier reads (7 at full size).
        hidden: width of the two hidden fully connected layers (4096 at full size).
        dropout: dropout probability after each hidden fully connected layer.

    Shape:
        input ``N x in_channels x H x W`` (``H, W >= 2**len(stages)``) -> output ``N x num_classes`` logits.
    """

    def __init__(self, stages: Sequence[Sequence[int]], in_channels: int = 3, num_classes: int = 1000,
                 batch_norm: bool = False, pool_size: int = 7, hidden: int = 4096, dropout: float = 0.5) -> None:
        super().__init__()
        if len(stages) == 0 or any(len(stage) == 0 for stage in stages):
            raise ValueError(f"stages must be non-empty sequences of channel counts, got {stages!r}")
        for name, value in [("in_channels", in_channels), ("num_classes", num_classes),
                            ("pool_size", pool_size), ("hidden", hidden)]:
            as_int(name, value)
        for channels in (c for stage in stages for c in stage):
            as_int("every channel count in stages", channels)
        check_choice("batch_norm", batch_norm, (False, True))
        check_probability("dropout", dropout)
        self.in_channels = in_channels
        self.features = vgg_features(stages, in_channels, batch_norm)
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Linear(stages[-1][-1] * pool_size * pool_size, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes),
        )
        self._initialise()

    def _initialise(self) -> None:
        """He (Kaiming) normal for convolutions, N(0, 0.01) for linear layers, zero biases, BN as identity."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, 0.0, 0.01)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images("VGG", x, self.in_channels)
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def vgg(depth: int = 16, batch_norm: bool = False, num_classes: int = 1000, *, in_channels: int = 3,
        dropout: float = 0.5) -> VGG:
    """VGG-11, -13, -16 or -19 at full size (configurations A, B, D, E of the paper).

    Args:
        depth: number of weight layers: one of 11, 13, 16, 19.
        batch_norm: batch normalisation after every convolution (torchvision's
            ``vgg16_bn`` etc.; not in the paper).
        num_classes: number of outputs (1,000 for ImageNet).
        in_channels: channels of the input images.
        dropout: dropout probability in the classifier.

    Returns:
        A :class:`VGG` mapping ``N x 3 x 224 x 224`` to ``N x num_classes``
        logits. Parameters at the defaults: 132,863,336 (11),
        133,047,848 (13), 138,357,544 (16), 143,667,240 (19); batch
        normalisation adds two per channel of every convolution.

    Raises:
        ValueError: if ``depth`` is not one of 11, 13, 16, 19.
    """
    check_choice("depth", depth, VGG_DEPTHS)
    return VGG(VGG_STAGES[depth], in_channels=in_channels, num_classes=num_classes, batch_norm=batch_norm,
               dropout=dropout)


def vgg11(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-11 (configuration A); see :func:`vgg`."""
    return vgg(11, batch_norm, num_classes)


def vgg13(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-13 (configuration B); see :func:`vgg`."""
    return vgg(13, batch_norm, num_classes)


def vgg16(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-16 (configuration D); see :func:`vgg`."""
    return vgg(16, batch_norm, num_classes)


def vgg19(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-19 (configuration E); see :func:`vgg`."""
    return vgg(19, batch_norm, num_classes)


def small_vgg(in_channels: int = 1, num_classes: int = 10, width: int = 16, *,
              convs_per_stage: Sequence[int] = (2, 2, 2), batch_norm: bool = False, hidden: int = 128,
              dropout: float = 0.5) -> VGG:
    """A VGG for 28 x 28 or 32 x 32 images: a few stages of 3 x 3 stacks, channels doubling.

    Stage ``s`` (from 0) has ``convs_per_stage[s]`` convolutions of
    ``width * 2**s`` channels and ends with a 2 x 2 max pool; a 28 x 28 input
    shrinks 28 -> 14 -> 7 -> 3 over the default three stages. The classifier
    reads a 3 x 3 grid (adaptive average pooling) through two hidden layers
    of ``hidden`` units. Weight layers: ``sum(convs_per_stage) + 3`` (9 at the
    defaults).

    Args:
        in_channels: channels of the input images (1 for MNIST).
        num_classes: number of outputs.
        width: channels of the first stage.
        convs_per_stage: number of 3 x 3 convolutions in each stage.
        batch_norm: batch normalisation after every convolution.
        hidden: width of the two hidden fully connected layers.
        dropout: dropout probability in the classifier.

    Returns:
        A :class:`VGG` mapping ``N x in_channels x H x W``
        (``H, W >= 2**len(convs_per_stage)``) to ``N x num_classes`` logits.
    """
    as_int("width", width)
    if len(convs_per_stage) == 0:
        raise ValueError(f"convs_per_stage needs at least one stage, got {convs_per_stage!r}")
    for count in convs_per_stage:
        as_int("every entry of convs_per_stage", count)
    stages = [(width * 2**s,) * count for s, count in enumerate(convs_per_stage)]
    return VGG(stages, in_channels=in_channels, num_classes=num_classes, batch_norm=batch_norm, pool_size=3,
               hidden=hidden, dropout=dropout)
