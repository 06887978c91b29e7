"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012), full size and small.

AlexNet won ImageNet 2012 with five convolutional layers and three fully
connected ones. Its ideas, all visible in :class:`AlexNet`:

- ReLU instead of a squashing function, so that deep stacks train quickly;
- large kernels early (11 x 11 with stride 4) to shrink a 224 x 224 image fast;
- overlapping max pooling (3 x 3 windows, stride 2);
- dropout (p = 0.5) in the two large fully connected layers;
- data augmentation (random crops and flips), which lives in the data
  pipeline, not in the model.

:func:`alexnet` builds the single-tower network that torchvision ships:
64, 192, 384, 256, 256 channels, no local response normalisation, no split
over two GPUs, an adaptive average pooling to 6 x 6 before the classifier.
Its parameters and their names equal ``torchvision.models.alexnet()``'s
(61,100,840 for 1,000 classes), so torchvision's state dicts load into it.
torchvision credits Krizhevsky's "One weird trick for parallelizing
convolutional neural networks" (2014), but that paper's footnote gives
64, 192, 384, 384, 256 channels (:data:`ONE_WEIRD_TRICK_CHANNELS`); the 256
in the fourth convolution comes from the one-GPU configuration of
Krizhevsky's cuda-convnet2 code, on which the Torch re-implementation that
torchvision follows was based (pytorch/vision pull requests 463 and 704). ``alexnet(channels=ONE_WEIRD_TRICK_CHANNELS)`` builds the paper's
widths (61,838,248 parameters; no published weights). The 2012 paper's
two-GPU network had 96, 256, 384, 384, 256 channels and about 61.0 million
parameters.

:func:`small_alexnet` keeps the same eight layers and the same ideas, shrunk
for 28 x 28 or 32 x 32 images on a CPU.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..checks import check_images, as_int, check_probability

__all__ = ["AlexNet", "ONE_WEIRD_TRICK_CHANNELS", "TORCHVISION_CHANNELS", "alexnet", "small_alexnet"]

#: Filters of the five convolutions in torchvision's AlexNet (cuda-convnet2's one-GPU configuration).
TORCHVISION_CHANNELS = (64, 192, 384, 256, 256)
#: Filters of the five convolutions in "One weird trick ..." (Krizhevsky, 2014), footnote on page 5.
ONE_WEIRD_TRICK_CHANNELS = (64, 192, 384, 384, 256)


class AlexNet(nn.Module):
    """Five convolutions with ReLU and overlapping max pooling, then three fully connected layers.

    ``features``: conv1 -> ReLU -> maxpool -> conv2 -> ReLU -> maxpool ->
    conv3 -> ReLU -> conv4 -> ReLU -> conv5 -> ReLU -> maxpool, every max pool
    3 x 3 with stride 2. ``avgpool``: adaptive average pooling to
    ``pool_size x pool_size``. ``classifier``: dropout -> linear -> ReLU ->
    dropout -> linear -> ReLU -> linear.

    Args:
        channels: output channels of the five convolutions.
        first_kernel, first_stride, first_padding: the first convolution's
            geometry (11, 4, 2 at full size).
        second_kernel: the second convolution's kernel (5 at full size; padded
            to keep the size). The last three convolutions are 3 x 3, padded.
        pool_size: side of the feature grid the classifier reads.
        hidden: width of the two hidden fully connected layers.
        in_channels: channels of the input images.
        num_classes: number of outputs.
        dropout: dropout probability before each hidden fully connected layer.

    Shape:
        input ``N x in_channels x H x W`` -> output ``N x num_classes`` logits.
    """

    def __init__(self, channels: Sequence[int], first_kernel: int, first_stride: int, first_padding: int,
                 second_kernel: int, pool_size: int, hidden: int, in_channels: int, num_classes: int,
                 dropout: float = 0.5) -> None:
        super().__init__()
        if len(channels) != 5:
            raise ValueError(f"AlexNet has five convolutions, so channels needs 5 entries, got {list(channels)}")
        for name, value in [("in_channels", in_channels), ("num_classes", num_classes), ("hidden", hidden),
                            ("pool_size", pool_size)] + [(f"channels[{i}]", c) for i, c in enumerate(channels)]:
            as_int(name, value)
        check_probability("dropout", dropout)
        c1, c2, c3, c4, c5 = channels
        self.in_channels = in_channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, first_kernel, stride=first_stride, padding=first_padding),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),  # overlapping: the windows share a row or column
            nn.Conv2d(c1, c2, second_kernel, padding=second_kernel // 2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c2, c3, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c4, c5, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(c5 * pool_size * pool_size, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images("AlexNet", x, self.in_channels)
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def alexnet(num_classes: int = 1000, *, in_channels: int = 3, dropout: float = 0.5,
            channels: Sequence[int] = TORCHVISION_CHANNELS) -> AlexNet:
    """AlexNet at full size, as torchvision defines it (see the module docstring).

    Args:
        num_classes: number of outputs (1,000 for ImageNet).
        channels: filters of the five convolutions; the default is
            torchvision's, :data:`ONE_WEIRD_TRICK_CHANNELS` the 2014 paper's.
        in_channels: channels of the input images.
        dropout: dropout probability in the classifier.

    Returns:
        An :class:`AlexNet` mapping ``N x 3 x 224 x 224`` images to
        ``N x num_classes`` logits; 61,100,840 parameters at the defaults.
        Inputs as small as 63 x 63 pass (the adaptive pooling then repeats
        the last feature map's values).
    """
    return AlexNet(tuple(channels), first_kernel=11, first_stride=4, first_padding=2,
                   second_kernel=5, pool_size=6, hidden=4096, in_channels=in_channels,
                   num_classes=num_classes, dropout=dropout)


def small_alexnet(in_channels: int = 1, num_classes: int = 10, width: int = 16, *,
                  hidden: int = 128, dropout: float = 0.5) -> AlexNet:
    """AlexNet's eight layers and ideas, sized for 28 x 28 or 32 x 32 images on a CPU.

    The first convolution is 5 x 5 with stride 1 (a 28 x 28 digit has no
    pixels to spare for stride 4); the pooling, the ReLUs, the dropout and
    the layer pattern are AlexNet's. Channels are ``width x (1, 2, 3, 3, 2)``:
    they grow, then shrink for the last convolution, like the full network's
    64, 192, 384, 384, 256 (2014 paper). With a 28 x 28 input the
    feature maps are 28 -> 13 -> 6 -> 2 on a side.

    Args:
        in_channels: channels of the input images (1 for MNIST).
        num_classes: number of outputs.
        width: channels of the first convolution.
        hidden: width of the two hidden fully connected layers.
        dropout: dropout probability in the classifier.

    Returns:
        An :class:`AlexNet` mapping ``N x in_channels x H x W`` (``H, W >= 15``)
        to ``N x num_classes`` logits.
    """
    as_int("width", width)
    return AlexNet((width, 2 * width, 3 * width, 3 * width, 2 * width), first_kernel=5, first_stride=1,
                   first_padding=2, second_kernel=5, pool_size=2, hidden=hidden, in_channels=in_channels,
                   num_classes=num_classes, dropout=dropout)
