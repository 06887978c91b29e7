"""Depthwise separable convolutions and the MobileNets built from them.

A standard ``K x K`` convolution from ``M`` to ``N`` channels does two jobs at
once: it filters each input channel spatially and it mixes the channels. A
*depthwise separable* convolution does them one after the other:

1. a **depthwise** ``K x K`` convolution filters every input channel on its
   own (``groups = M``: one ``K x K`` filter per channel, ``M K^2`` weights);
2. a **pointwise** ``1 x 1`` convolution mixes the ``M`` filtered channels
   into ``N`` (``M N`` weights).

On an ``H x W`` output the pair costs ``H W M (K^2 + N)`` multiply-adds
instead of ``H W M N K^2``: the ratio is ``1/N + 1/K^2``
(Howard et al., 2017, section 3.1).

Blocks:

- :class:`DepthwiseSeparableConv`: MobileNet v1's block (Howard et al.,
  2017, figure 3): 3 x 3 depthwise, BN, ReLU, 1 x 1 pointwise, BN, ReLU.
- :class:`InvertedResidual`: MobileNet v2's block (Sandler et al., 2018,
  table 1): 1 x 1 *expansion* by a factor ``t`` (BN, ReLU6), 3 x 3 depthwise
  (BN, ReLU6), 1 x 1 *linear* projection (BN, no activation), plus the
  identity when the stride is 1 and the channels do not change. The shortcut
  joins the thin ends, the opposite of ResNet's bottleneck, hence "inverted".

:func:`mobilenet_v2` builds the ImageNet network of Sandler et al. (2018,
table 2) with the module names and parameter shapes of torchvision's
``mobilenet_v2`` (3,504,872 parameters for 1,000 classes), so torchvision's
state dicts load into it. :func:`small_mobilenet_v2` is a narrow version for
28 x 28 or 32 x 32 images, and :func:`small_strided_convnet` a plain stack of either
standard or depthwise separable convolutions, for comparing the two at an
equal budget.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..checks import check_images, as_int, check_probability

__all__ = [
    "MOBILENET_V2_SETTING",
    "ConvBNActivation",
    "DepthwiseSeparableConv",
    "InvertedResidual",
    "MobileNetV2",
    "make_divisible",
    "mobilenet_v2",
    "small_strided_convnet",
    "small_mobilenet_v2",
]

#: MobileNet v2's body (Sandler et al., 2018, table 2): one row per stage,
#: ``(t, c, n, s)`` = expansion factor, output channels, number of blocks,
#: stride of the stage's first block.
MOBILENET_V2_SETTING: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round ``value`` to the nearest multiple of ``divisor``, never more than 10% below it.

    MobileNets scale every layer's channels by a width multiplier and round to
    multiples of 8 (hardware likes them); this is the rounding rule of the
    reference implementations (TensorFlow's and torchvision's).
    """
    as_int("divisor", divisor)
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


class ConvBNActivation(nn.Sequential):
    """Convolution (no bias), batch normalisation, then an activation (or none).

    The three modules are children ``0``, ``1``, ``2`` (as in torchvision's
    ``Conv2dNormActivation``), so state-dict keys read ``...0.weight``,
    ``...1.running_mean``.

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: side of the square kernel; padding ``(kernel_size - 1) // 2`` keeps the size at stride 1.
        stride: stride of the convolution.
        groups: ``in_channels`` for a depthwise convolution, 1 for a standard one.
        activation: the activation module class (``nn.ReLU``, ``nn.ReLU6``) or ``None``.

    Shape:
        ``N x in_channels x H x W`` -> ``N x out_channels x ceil(H/stride) x ceil(W/stride)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 groups: int = 1, activation: type[nn.Module] | None = nn.ReLU6) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=(kernel_size - 1) // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)


class DepthwiseSeparableConv(nn.Module):
    """MobileNet v1's block: depthwise ``K x K`` conv, BN, ReLU, then pointwise 1 x 1 conv, BN, ReLU.

    Args:
        in_channels: ``M``, channels of the input (and of the depthwise convolution).
        out_channels: ``N``, channels of the output.
        stride: stride of the depthwise convolution (MobileNet v1 downsamples there).
        kernel_size: ``K`` (3 in MobileNets).
        activation: the activation after each batch normalisation (``nn.ReLU`` in v1).

    Shape:
        ``N x M x H x W`` -> ``N x out_channels x ceil(H/stride) x ceil(W/stride)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, kernel_size: int = 3,
                 activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        as_int("in_channels", in_channels)
        as_int("out_channels", out_channels)
        self.depthwise = ConvBNActivation(in_channels, in_channels, kernel_size, stride, groups=in_channels,
                                          activation=activation)
        self.pointwise = ConvBNActivation(in_channels, out_channels, 1, activation=activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class InvertedResidual(nn.Module):
    """MobileNet v2's block: expand (1 x 1), depthwise (3 x 3), project linearly (1 x 1), plus the identity.

    ``conv`` holds, in order: a :class:`ConvBNActivation` 1 x 1 expansion from
    ``in_channels`` to ``t * in_channels`` with ReLU6 (left out when ``t = 1``),
    a 3 x 3 depthwise :class:`ConvBNActivation` with ReLU6 carrying the stride,
    and a 1 x 1 convolution to ``out_channels`` followed by a batch
    normalisation and *no* activation: Sandler et al. (2018, section 3.2)
    found that a ReLU on the thin output destroys information (the "linear
    bottleneck"). The identity is added when ``stride == 1`` and
    ``in_channels == out_channels``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        stride: 1 or 2.
        expand_ratio: the expansion factor ``t`` (6 in most of MobileNet v2).

    Shape:
        ``N x in_channels x H x W`` -> ``N x out_channels x ceil(H/stride) x ceil(W/stride)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        as_int("expand_ratio", expand_ratio)
        hidden = in_channels * expand_ratio
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNActivation(in_channels, hidden, kernel_size=1))
        layers += [
            ConvBNActivation(hidden, hidden, kernel_size=3, stride=stride, groups=hidden),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        self.conv = nn.Sequential(*layers)
        self.stride = stride
        self.use_residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_residual else out


class MobileNetV2(nn.Module):
    """A MobileNet v2: stem, a stack of inverted residual blocks, a 1 x 1 head convolution, classifier.

    ``features`` = ``[stem, block, ..., block, head]``: the stem is a 3 x 3
    convolution (BN, ReLU6) to ``stem_channels``; each row ``(t, c, n, s)`` of
    ``setting`` adds ``n`` :class:`InvertedResidual` blocks with ``c``
    outputs, the first with stride ``s``; the head is a 1 x 1 convolution
    (BN, ReLU6) to ``last_channels``. Global average pooling, dropout and a
    linear layer (``classifier``) give the logits.

    Args:
        setting: the rows ``(t, c, n, s)``.
        num_classes: number of outputs.
        in_channels: channels of the input images.
        stem_channels: channels of the stem convolution.
        stem_stride: stride of the stem convolution (2 for ImageNet, 1 for small images).
        last_channels: channels of the head convolution.
        dropout: dropout probability before the linear layer.

    Shape:
        ``N x in_channels x H x W`` (float32) -> ``N x num_classes`` logits.
    """

    def __init__(self, setting: Sequence[tuple[int, int, int, int]], num_classes: int = 1000,
                 in_channels: int = 3, stem_channels: int = 32, stem_stride: int = 2,
                 last_channels: int = 1280, dropout: float = 0.2) -> None:
        super().__init__()
        as_int("num_classes", num_classes)
        as_int("in_channels", in_channels)
        check_probability("dropout", dropout)
        if not setting or any(len(row) != 4 for row in setting):
            raise ValueError(f"setting must be a non-empty sequence of (t, c, n, s) rows, got {setting!r}")
        self.in_channels = in_channels
        features: list[nn.Module] = [ConvBNActivation(in_channels, stem_channels, 3, stride=stem_stride)]
        channels = stem_channels
        for t, c, n, s in setting:
            for i in range(n):
                features.append(InvertedResidual(channels, c, s if i == 0 else 1, expand_ratio=t))
                channels = c
        features.append(ConvBNActivation(channels, last_channels, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(last_channels, num_classes))
        self._initialise()

    def _initialise(self) -> None:
        """He initialisation (fan-out) for convolutions, BN at (1, 0), a small normal for the classifier."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images("MobileNetV2", x, self.in_channels)
        x = self.features(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(x)


def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0) -> MobileNetV2:
    """MobileNet v2 for 224 x 224 ImageNet images (Sandler et al., 2018, table 2).

    Every layer's channels are multiplied by ``width_mult`` and rounded by
    :func:`make_divisible`; the head keeps at least 1,280 channels. With
    ``width_mult=1`` and 1,000 classes: 3,504,872 parameters, the same names and
    shapes as ``torchvision.models.mobilenet_v2()``.

    Raises:
        ValueError: if ``width_mult`` is not a positive number.
    """
    if isinstance(width_mult, bool) or not isinstance(width_mult, (int, float)) or width_mult <= 0:
        raise ValueError(f"width_mult must be a positive number, got {width_mult!r}")
    setting = [(t, make_divisible(c * width_mult), n, s) for t, c, n, s in MOBILENET_V2_SETTING]
    return MobileNetV2(setting, num_classes=num_classes, stem_channels=make_divisible(32 * width_mult),
                       last_channels=make_divisible(1280 * max(1.0, width_mult)))


def small_mobilenet_v2(in_channels: int = 1, num_classes: int = 10, width: int = 8) -> MobileNetV2:
    """A narrow MobileNet v2 for 28 x 28 or 32 x 32 images, for the CPU.

    Stem: 3 x 3 convolution, stride 1, ``width`` channels. Body, as rows
    ``(t, c, n, s)``: ``(1, width, 1, 1)``, ``(6, 2 width, 2, 2)``,
    ``(6, 4 width, 2, 2)``, ``(6, 6 width, 1, 1)``: maps 28 -> 14 -> 7.
    Head: 1 x 1 convolution to ``16 width`` channels; no dropout.

    Raises:
        ValueError: on a non-positive ``width``, ``in_channels`` or ``num_classes``.
    """
    as_int("width", width)
    setting = [(1, width, 1, 1), (6, 2 * width, 2, 2), (6, 4 * width, 2, 2), (6, 6 * width, 1, 1)]
    return MobileNetV2(setting, num_classes=num_classes, in_channels=in_channels, stem_channels=width,
                       stem_stride=1, last_channels=16 * width, dropout=0.0)


def small_strided_convnet(in_channels: int = 1, num_classes: int = 10, widths: Sequence[int] = (16, 32, 64), *,
                  separable: bool = False) -> nn.Sequential:
    """A plain stack of 3 x 3 convolutions, standard or depthwise separable, for small images.

    A standard 3 x 3 stem (conv, BN, ReLU) to ``widths[0]`` channels (a
    depthwise convolution of a one-channel image would be a single filter),
    then one layer per further width, each with stride 2: a standard 3 x 3
    convolution with BN and ReLU, or with ``separable=True`` a
    :class:`DepthwiseSeparableConv`. Global average pooling and a linear layer
    end the network.

    Args:
        in_channels: channels of the input images.
        num_classes: number of outputs.
        widths: channels of the stem and of each following layer (at least two entries).
        separable: depthwise separable layers instead of standard ones after the stem.

    Returns:
        An ``nn.Sequential`` mapping ``N x in_channels x H x W`` to ``N x num_classes`` logits.

    Raises:
        ValueError: on fewer than two widths or a non-positive width.
    """
    widths = tuple(widths)
    if len(widths) < 2:
        raise ValueError(f"widths needs at least two entries (stem and one layer), got {widths!r}")
    for w in widths:
        as_int("widths", w)
    layers: list[nn.Module] = [ConvBNActivation(in_channels, widths[0], 3, activation=nn.ReLU)]
    for m, n in zip(widths[:-1], widths[1:]):
        layers.append(DepthwiseSeparableConv(m, n, stride=2) if separable
                      else ConvBNActivation(m, n, 3, stride=2, activation=nn.ReLU))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(widths[-1], num_classes)]
    return nn.Sequential(*layers)
