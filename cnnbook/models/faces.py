"""The two networks of a face recognition pipeline: a face/non-face window classifier and an embedding network.

:class:`FaceWindowClassifier` scores a 25 x 25 grey window as face or not
(or, with four outputs, regresses the box of the face it shows).
It is fully convolutional: on a 25 x 25 input it gives one score, on a larger
image a map of scores, one for every 25 x 25 window at a stride of 4 pixels,
which is a sliding-window detector computed in one pass (the windows share
their convolutions).

:class:`FaceEmbedder` maps a face image to a point on the unit sphere, so
that the cosine similarity of two embeddings is their dot product; it is
trained with a metric loss (triplet or contrastive) so that images of one
person land close together.
"""
from __future__ import annotations

import torch
from torch import nn

from ..checks import as_int

__all__ = ["FACE_WINDOW", "FACE_WINDOW_STRIDE", "FaceEmbedder", "FaceWindowClassifier"]

#: Side of the square window the face classifier reads, and the step between neighbouring windows.
FACE_WINDOW = 25
FACE_WINDOW_STRIDE = 4


class FaceWindowClassifier(nn.Module):
    """Face / non-face score of every 25 x 25 window, as a fully convolutional network.

    Layers: conv 4x4 (``width``) - ReLU - max pool 2 - conv 4x4 (``2 width``)
    - ReLU - max pool 2 - conv 4x4 (``4 width``, the "fully connected" layer
    over the remaining 4 x 4) - ReLU - conv 1x1 to ``outputs`` numbers. The
    receptive field of each output is exactly 25 x 25 pixels and neighbouring
    outputs are 4 pixels apart (25 -> 22 -> 11 -> 8 -> 4 -> 1).

    With ``outputs=1`` (the default) the number is the window's face logit.
    The same layers with ``outputs=4`` make a *box regressor*: four deltas
    ``(t_x, t_y, t_w, t_h)`` that move the window onto the face's box, in the
    encoding of :func:`cnnbook.vision.encode_boxes`.

    Args:
        width: channels of the first convolution.
        outputs: numbers per window.

    Shapes:
        input ``N x 1 x H x W`` (``H, W >= 25``) -> ``N x outputs x H' x W'``
        with ``H' = ((H - 3) // 2 - 3) // 2 - 3``; on 25 x 25 input, ``N x outputs x 1 x 1``.
    """

    def __init__(self, width: int = 8, outputs: int = 1) -> None:
        super().__init__()
        as_int("width", width)
        as_int("outputs", outputs)
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 4), nn.ReLU(),
            nn.Conv2d(4 * width, outputs, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 1 or min(images.shape[-2:]) < FACE_WINDOW:
            raise ValueError(f"images must be N x 1 x H x W with H, W >= {FACE_WINDOW}, got {tuple(images.shape)}")
        return self.features(images)


class FaceEmbedder(nn.Module):
    """A small CNN that maps a grey face image to a unit vector (its embedding).

    Three stages of (conv 3x3 - batch norm - ReLU) x 2 with ``width``,
    ``2 width`` and ``4 width`` channels, max pooling between them, global
    average pooling, a linear layer to ``dim`` numbers, and division by their
    Euclidean norm.

    Args:
        dim: size of the embedding.
        width: channels of the first stage.

    Shapes:
        input ``N x 1 x H x W`` (``H, W >= 4``) -> embeddings ``N x dim``, each row of norm 1.
    """

    def __init__(self, dim: int = 32, width: int = 16) -> None:
        super().__init__()
        as_int("dim", dim)
        as_int("width", width)
        layers: list[nn.Module] = []
        channels = 1
        for stage in range(3):
            out = width * 2**stage
            for _ in range(2):
                layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
                channels = out
            if stage < 2:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.project = nn.Linear(channels, dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(f"images must be N x 1 x H x W, got {tuple(images.shape)}")
        return nn.functional.normalize(self.project(self.features(images)), dim=1)
