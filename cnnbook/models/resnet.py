"""ResNet (He, Zhang, Ren and Sun, 2016), its plain twin, full size and small.

"Deep residual learning for image recognition" (CVPR 2016) observed the
*degradation problem*: a deeper plain stack of convolutions can reach a
*higher training* error than a shallower one, although it could copy the
shallower one and add identity layers. Its fix is the residual block: the
block's layers learn a residual ``F(x)`` and the block outputs
``relu(F(x) + x)``, so that an identity mapping is as easy as ``F = 0``, and
gradients flow back through the ``+ x`` shortcuts unchanged.

Blocks (``expansion`` = the block's output channels / ``planes``):

- :class:`BasicBlock` (ResNet-18/34 and the CIFAR networks): two 3 x 3
  convolutions, ``expansion = 1``.
- :class:`Bottleneck` (ResNet-50/101/152): 1 x 1 reduce, 3 x 3, 1 x 1 expand
  to ``4 * planes``, ``expansion = 4``. The stride sits on the 3 x 3
  convolution, as in torchvision (the "ResNet v1.5" placement; the paper put
  it on the first 1 x 1).

Where a block changes the size or the channels, the shortcut must too; the
paper offers two options (section 3.3):

- ``"A"``: subsample the identity by the stride and pad the new channels
  with zeros: no parameters (the paper's CIFAR-10 networks, section 4.2);
- ``"B"``: a 1 x 1 convolution with that stride and a batch normalisation
  (a *projection*), used by the ImageNet networks and torchvision.

With ``residual=False`` the same builder makes the *plain* network of the
paper's comparison: the same layers, no shortcuts. Its parameter count equals
the residual one's with option A shortcuts, and is smaller by the
projections' parameters with option B.

:func:`resnet` / :func:`resnet18` / :func:`resnet34` / :func:`resnet50` build
the ImageNet networks with the parameter counts and names of torchvision's
(11,689,512 / 21,797,672 / 25,557,032 for 1,000 classes). :func:`small_resnet`
builds the paper's CIFAR-10 family (depth ``6n + 2``: 20, 32, 44, 56, 110)
for 28 x 28 or 32 x 32 images, and :func:`small_plainnet` its plain twin.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import as_int, check_choice, check_images, is_int

__all__ = [
    "RESNET_DEPTHS",
    "BasicBlock",
    "Bottleneck",
    "ResNet",
    "ZeroPadShortcut",
    "resnet",
    "resnet18",
    "resnet34",
    "resnet50",
    "small_plainnet",
    "small_resnet",
]

SHORTCUTS = ("A", "B")


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3 x 3 convolution, padding 1, no bias (a batch normalisation follows and has its own)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1 x 1 convolution, no bias."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


class ZeroPadShortcut(nn.Module):
    """Option A shortcut: keep every ``stride``-th pixel and append zero channels.

    Shape:
        input ``N x C_in x H x W`` -> output ``N x C_out x ceil(H/stride) x ceil(W/stride)``,
        the first ``C_in`` channels being the input's, the rest zeros. No parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"a zero-padding shortcut cannot remove channels: {in_channels} -> {out_channels}")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


class BasicBlock(nn.Module):
    """Two 3 x 3 convolutions with batch normalisation, plus the shortcut: ``relu(F(x) + x)``.

    ``F(x) = bn2(conv2(relu(bn1(conv1(x)))))``; ``conv1`` carries the stride.

    Args:
        in_channels: channels of the input ``C_in``.
        planes: channels of both convolutions (the output has ``planes * expansion = planes``).
        stride: stride of the first convolution (2 where a stage starts, else 1).
        downsample: the shortcut's module when size or channels change
            (a projection or a :class:`ZeroPadShortcut`), else ``None`` for the identity.
        residual: ``False`` drops the shortcut (the plain network): ``relu(F(x))``.

    Shape:
        input ``N x C_in x H x W`` -> output ``N x planes x ceil(H/stride) x ceil(W/stride)``.
    """

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 residual: bool = True) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.residual = residual

    def last_bn(self) -> nn.BatchNorm2d:
        """The batch normalisation that closes the residual branch (zeroed by ``zero_init_residual``)."""
        return self.bn2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class Bottleneck(nn.Module):
    """1 x 1 reduce, 3 x 3, 1 x 1 expand (each with batch normalisation), plus the shortcut.

    ``F(x) = bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))))``, with ``conv2``
    (the 3 x 3) carrying the stride. The 3 x 3 convolution works on ``planes``
    channels, four times fewer than the block's output, which is what makes
    50 layers affordable.

    Args:
        in_channels: channels of the input ``C_in``.
        planes: channels inside the block; the output has ``4 * planes``.
        stride: stride of the 3 x 3 convolution.
        downsample: the shortcut's module when size or channels change, else ``None``.
        residual: ``False`` drops the shortcut (the plain network).

    Shape:
        input ``N x C_in x H x W`` -> output ``N x 4*planes x ceil(H/stride) x ceil(W/stride)``.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 residual: bool = True) -> None:
        super().__init__()
        self.conv1 = conv1x1(in_channels, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.residual = residual

    def last_bn(self) -> nn.BatchNorm2d:
        """The batch normalisation that closes the residual branch (zeroed by ``zero_init_residual``)."""
        return self.bn3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


Block = type[BasicBlock] | type[Bottleneck]


class ResNet(nn.Module):
    """A stem, stages of residual blocks, global average pooling and a linear classifier.

    Stem ``"imagenet"``: ``conv1`` 7 x 7 stride 2 (64 channels at full size),
    ``bn1``, ReLU, ``maxpool`` 3 x 3 stride 2: a 224 x 224 image becomes 56 x 56.
    Stem ``"cifar"``: ``conv1`` 3 x 3 stride 1, ``bn1``, ReLU, no pooling
    (``maxpool`` is an identity): small images keep their size.

    Stage ``i`` (``layer1``, ``layer2``, ...) has ``blocks[i]`` blocks of
    ``widths[i]`` planes; every stage but the first starts with stride 2.

    Args:
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        blocks: number of blocks per stage.
        widths: planes per stage (the stem has ``widths[0]`` channels).
        stem: ``"imagenet"`` or ``"cifar"``.
        in_channels: channels of the input images.
        num_classes: number of outputs.
        shortcut: ``"A"`` (zero padding) or ``"B"`` (projection) where a block
            changes size or channels; see the module docstring.
        residual: ``False`` builds the plain network (no shortcuts at all).
        zero_init_residual: start the last batch normalisation of every block
            at zero, so that every residual block starts as the identity
            (Goyal et al., 2017); needs ``residual=True``.

    Shape:
        input ``N x in_channels x H x W`` -> output ``N x num_classes`` logits.
    """

    def __init__(self, block: Block, blocks: Sequence[int], widths: Sequence[int], *, stem: str = "imagenet",
                 in_channels: int = 3, num_classes: int = 1000, shortcut: str = "B", residual: bool = True,
                 zero_init_residual: bool = False) -> None:
        super().__init__()
        check_choice("block", block, (BasicBlock, Bottleneck))
        check_choice("stem", stem, ("imagenet", "cifar"))
        check_choice("shortcut", shortcut, SHORTCUTS)
        check_choice("residual", residual, (True, False))
        check_choice("zero_init_residual", zero_init_residual, (False, True))
        if len(blocks) != len(widths) or len(blocks) == 0:
            raise ValueError(f"blocks and widths need one entry per stage, got {list(blocks)} and {list(widths)}")
        for name, value in [("in_channels", in_channels), ("num_classes", num_classes)] \
                + [("every entry of blocks", b) for b in blocks] + [("every entry of widths", w) for w in widths]:
            as_int(name, value)
        if zero_init_residual and not residual:
            raise ValueError("zero_init_residual=True would silence every block of a plain network "
                             "(residual=False): it needs residual=True")
        self.in_channels, self.residual, self.shortcut = in_channels, residual, shortcut
        stem_width = widths[0]
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, stem_width, kernel_size=7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = conv3x3(in_channels, stem_width)
        self.bn1 = nn.BatchNorm2d(stem_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1) if stem == "imagenet" else nn.Identity()
        channels = stem_width
        self.stage_names: list[str] = []
        for index, (count, planes) in enumerate(zip(blocks, widths)):
            stride = 1 if index == 0 else 2
            stage, channels = self._make_stage(block, channels, planes, count, stride)
            name = f"layer{index + 1}"
            self.add_module(name, stage)
            self.stage_names.append(name)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        self._initialise(zero_init_residual)

    def _make_stage(self, block: Block, in_channels: int, planes: int, count: int,
                    stride: int) -> tuple[nn.Sequential, int]:
        """``count`` blocks; the first one changes stride and channels. Returns the stage and its output channels."""
        out_channels = planes * block.expansion
        downsample: nn.Module | None = None
        if self.residual and (stride != 1 or in_channels != out_channels):
            if self.shortcut == "A":
                downsample = ZeroPadShortcut(in_channels, out_channels, stride)
            else:
                downsample = nn.Sequential(conv1x1(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels))
        layers = [block(in_channels, planes, stride, downsample, residual=self.residual)]
        layers += [block(out_channels, planes, residual=self.residual) for _ in range(count - 1)]
        return nn.Sequential(*layers), out_channels

    def _initialise(self, zero_init_residual: bool) -> None:
        """He (Kaiming) normal for convolutions (fan-out, ReLU gain), batch normalisations as identities."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, (BasicBlock, Bottleneck)):
                    nn.init.zeros_(module.last_bn().weight)

    def stages(self) -> list[nn.Sequential]:
        """The stages ``layer1``, ``layer2``, ... in order."""
        return [getattr(self, name) for name in self.stage_names]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images("ResNet" if self.residual else "plain network", x, self.in_channels)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.stages():
            x = stage(x)
        return self.fc(self.avgpool(x).flatten(1))


#: Blocks per stage of the ImageNet networks (the paper's Table 1).
RESNET_DEPTHS: dict[int, tuple[Block, tuple[int, ...]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


def resnet(depth: int = 18, num_classes: int = 1000, *, in_channels: int = 3, zero_init_residual: bool = False,
           residual: bool = True) -> ResNet:
    """ResNet-18, -34, -50, -101 or -152 for ImageNet (the paper's Table 1), as torchvision builds them.

    Four stages of 64, 128, 256, 512 planes after a 7 x 7 stem; projection
    (option B) shortcuts where size or channels change.

    Args:
        depth: one of 18, 34 (basic blocks), 50, 101, 152 (bottlenecks).
        num_classes: number of outputs (1,000 for ImageNet).
        in_channels: channels of the input images.
        zero_init_residual: start every block as the identity (see :class:`ResNet`).
        residual: ``False`` for the plain network of the same depth (no shortcuts,
            hence no projections).

    Returns:
        A :class:`ResNet` mapping ``N x 3 x 224 x 224`` to ``N x num_classes``
        logits (any input of 32 x 32 or more works: the pooling is global).

    Raises:
        ValueError: if ``depth`` is not one of the five.
    """
    check_choice("depth", depth, tuple(RESNET_DEPTHS))
    block, blocks = RESNET_DEPTHS[depth]
    return ResNet(block, blocks, (64, 128, 256, 512), stem="imagenet", in_channels=in_channels,
                  num_classes=num_classes, shortcut="B", residual=residual, zero_init_residual=zero_init_residual)


def resnet18(num_classes: int = 1000, *, zero_init_residual: bool = False) -> ResNet:
    """ResNet-18: basic blocks (2, 2, 2, 2); 11,689,512 parameters for 1,000 classes. See :func:`resnet`."""
    return resnet(18, num_classes, zero_init_residual=zero_init_residual)


def resnet34(num_classes: int = 1000, *, zero_init_residual: bool = False) -> ResNet:
    """ResNet-34: basic blocks (3, 4, 6, 3); 21,797,672 parameters for 1,000 classes. See :func:`resnet`."""
    return resnet(34, num_classes, zero_init_residual=zero_init_residual)


def resnet50(num_classes: int = 1000, *, zero_init_residual: bool = False) -> ResNet:
    """ResNet-50: bottlenecks (3, 4, 6, 3); 25,557,032 parameters for 1,000 classes. See :func:`resnet`."""
    return resnet(50, num_classes, zero_init_residual=zero_init_residual)


def small_resnet(depth: int = 20, in_channels: int = 1, num_classes: int = 10, width: int = 16, *,
                 block: str = "basic", residual: bool = True, shortcut: str = "A",
                 zero_init_residual: bool = False) -> ResNet:
    """The paper's CIFAR-10 ResNets (section 4.2), for 28 x 28 or 32 x 32 images.

    A 3 x 3 stem of ``width`` channels, then three stages of ``n`` blocks with
    ``width``, ``2 width``, ``4 width`` planes (feature maps 28 -> 14 -> 7 for
    MNIST, 32 -> 16 -> 8 for CIFAR), global average pooling and a linear layer.
    Counting convolutions and the linear layer, ``depth = 6n + 2`` with basic
    blocks (20, 32, 44, 56, 110 in the paper) and ``depth = 9n + 2`` with
    bottlenecks (29, 47, 164, ...).

    Args:
        depth: number of weight layers, ``6n + 2`` (basic) or ``9n + 2`` (bottleneck), ``n >= 1``.
        in_channels: channels of the input images (1 for MNIST, 3 for CIFAR).
        num_classes: number of outputs.
        width: channels of the stem and planes of the first stage (16 in the paper).
        block: ``"basic"`` or ``"bottleneck"``.
        residual: ``False`` for the plain network (see :func:`small_plainnet`).
        shortcut: ``"A"`` (zero padding, the paper's choice for CIFAR; no
            parameters) or ``"B"`` (projection).
        zero_init_residual: start every residual block as the identity.

    Returns:
        A :class:`ResNet` mapping ``N x in_channels x H x W`` to ``N x num_classes`` logits.

    Raises:
        ValueError: if ``depth`` does not have the form above, or on an unknown ``block`` or ``shortcut``.
    """
    check_choice("block", block, ("basic", "bottleneck"))
    as_int("width", width)
    layers_per_block = 2 if block == "basic" else 3
    per_depth = 3 * layers_per_block
    if not is_int(depth) or depth < per_depth + 2 or (depth - 2) % per_depth:
        first = [per_depth * n + 2 for n in (1, 2, 3, 4)]
        raise ValueError(f"depth of a small ResNet with {block} blocks must be {per_depth}n + 2 for n >= 1 "
                         f"({', '.join(map(str, first))}, ...), got {depth!r}")
    n = (depth - 2) // per_depth
    block_class = BasicBlock if block == "basic" else Bottleneck
    return ResNet(block_class, (n, n, n), (width, 2 * width, 4 * width), stem="cifar", in_channels=in_channels,
                  num_classes=num_classes, shortcut=shortcut, residual=residual, zero_init_residual=zero_init_residual)


def small_plainnet(depth: int = 20, in_channels: int = 1, num_classes: int = 10, width: int = 16, *,
                   block: str = "basic") -> ResNet:
    """The plain twin of :func:`small_resnet`: the same layers, no shortcut connections.

    Every block computes ``relu(F(x))`` instead of ``relu(F(x) + x)``. Its
    parameter count equals ``small_resnet(depth, ..., shortcut="A")``'s; the
    paper's degradation experiment (its Fig. 1 and Fig. 6) compares exactly
    these two.

    Args: as :func:`small_resnet`.

    Returns:
        A :class:`ResNet` with ``residual=False``.
    """
    return small_resnet(depth, in_channels, num_classes, width, block=block, residual=False)
