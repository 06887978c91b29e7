"""A small U-Net: an encoder that halves the resolution twice, a decoder that
doubles it back with transposed convolutions, and skip connections that hand
each decoder stage the encoder's features of the same resolution
(Ronneberger, Fischer and Brox, 2015), sized for 64 x 64 images on a CPU;
and its training loss, the pixel-wise cross-entropy plus a soft Dice loss
that weighs every class equally, as the mean IoU does.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SmallUNet", "dice_loss", "segmentation_loss"]


def _double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
    )


class SmallUNet(nn.Module):
    """U-Net with two down- and two up-sampling stages: ``N x C_in x H x W`` to class scores ``N x K x H x W``.

    ``H`` and ``W`` must be multiples of 4. Channels are ``width``, ``2 width``
    and ``4 width`` at full, half and quarter resolution. Each up-sampling step
    is a 2 x 2 transposed convolution of stride 2, the adjoint of a 2 x 2
    convolution of stride 2, with learned weights.

    Args:
        in_channels: channels of the input images.
        num_classes: classes ``K`` (the background included).
        width: channels of the first stage.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 4, *, width: int = 8) -> None:
        super().__init__()
        self.encode1 = _double_conv(in_channels, width)
        self.encode2 = _double_conv(width, 2 * width)
        self.bottom = _double_conv(2 * width, 4 * width)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * width, 2 * width, kernel_size=2, stride=2)
        self.decode2 = _double_conv(4 * width, 2 * width)
        self.up1 = nn.ConvTranspose2d(2 * width, width, kernel_size=2, stride=2)
        self.decode1 = _double_conv(2 * width, width)
        self.classify = nn.Conv2d(width, num_classes, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[-1] % 4 or images.shape[-2] % 4:
            raise ValueError(f"expected images N x C x H x W with H and W multiples of 4, got {tuple(images.shape)}")
        full = self.encode1(images)                                  # N x w x H x W
        half = self.encode2(self.pool(full))                         # N x 2w x H/2 x W/2
        quarter = self.bottom(self.pool(half))                       # N x 4w x H/4 x W/4
        half = self.decode2(torch.cat([self.up2(quarter), half], dim=1))
        full = self.decode1(torch.cat([self.up1(half), full], dim=1))
        return self.classify(full)                                   # N x K x H x W


def _check_scores_and_labels(scores: torch.Tensor, labels: torch.Tensor) -> None:
    if scores.ndim != 4 or scores.shape[1] < 2:
        raise ValueError(f"scores must be N x K x H x W with K >= 2 classes, got {tuple(scores.shape)}")
    if labels.shape != scores.shape[:1] + scores.shape[2:] or labels.dtype != torch.int64:
        raise ValueError(f"labels must be int64 N x H x W = {tuple(scores.shape[:1] + scores.shape[2:])}, "
                         f"got {labels.dtype} {tuple(labels.shape)}")


def dice_loss(scores: torch.Tensor, labels: torch.Tensor, *, smooth: float = 1.0) -> torch.Tensor:
    """Soft Dice loss: one minus the mean over classes of ``(2 |P & T| + s) / (|P| + |T| + s)``.

    ``P`` is the softmax of ``scores`` (a soft set of pixels for each class),
    ``T`` the one-hot labels, the sums run over the whole batch and ``s`` is
    ``smooth``, which keeps a class absent from both at a Dice of 1 (no loss)
    instead of 0 / 0. Each class weighs the same however few pixels it has,
    as in the mean IoU, so small and thin classes are not drowned by the
    background as they are in the pixel-averaged cross-entropy.

    Args:
        scores: float ``N x K x H x W`` class scores (logits).
        labels: int64 ``N x H x W`` class of every pixel, in ``0 .. K-1``.
        smooth: the additive constant ``s`` (positive).

    Returns:
        A 0-dim tensor in ``[0, 1)``.
    """
    _check_scores_and_labels(scores, labels)
    if not smooth > 0:
        raise ValueError(f"smooth must be positive, got {smooth!r}")
    probabilities = scores.softmax(dim=1)
    truth = F.one_hot(labels, scores.shape[1]).permute(0, 3, 1, 2).to(probabilities.dtype)
    overlap = (probabilities * truth).sum(dim=(0, 2, 3))                    # K
    total = probabilities.sum(dim=(0, 2, 3)) + truth.sum(dim=(0, 2, 3))     # K
    return 1 - ((2 * overlap + smooth) / (total + smooth)).mean()


def segmentation_loss(scores: torch.Tensor, labels: torch.Tensor, *, dice_weight: float = 1.0) -> torch.Tensor:
    """Pixel-wise cross-entropy plus ``dice_weight`` times :func:`dice_loss`, in the form ``loss(outputs, targets)``
    that ``cnnbook.train.fit`` takes.

    Args:
        scores: float ``N x K x H x W`` class scores (logits).
        labels: int64 ``N x H x W`` class of every pixel.
        dice_weight: weight of the Dice term (0: cross-entropy alone).
    """
    _check_scores_and_labels(scores, labels)
    if not dice_weight >= 0:
        raise ValueError(f"dice_weight must be >= 0, got {dice_weight!r}")
    loss = F.cross_entropy(scores, labels)
    return loss + dice_weight * dice_loss(scores, labels) if dice_weight else loss

