"""Small random distortions of in-memory image batches, drawn afresh every epoch.

Data augmentation in general is better served by ``torchvision.transforms.v2``;
this module holds only the distortions LeCun et al. (1998) already used
to enlarge MNIST: small planar affine transformations (translation, rotation,
scaling, squeezing, shearing), drawn *per image* (torchvision's transforms,
applied to a batch tensor, move every image of the batch the same way). This
module holds:

- :func:`affine_warp`: move every image of a batch by its own, given affine
  transformation (bilinear interpolation, uncovered pixels set to a constant);
- :func:`random_affine`: draw those transformations at random within given
  ranges and apply them;
- :class:`AugmentedBatches`: shuffled mini-batches of a dataset held as
  tensors, with a transform applied to every batch, drawn afresh each time the
  batches are iterated (each epoch of :func:`cnnbook.train.fit`).

Conventions: the transformations act about the image's centre, in pixel
units; ``x`` points right and ``y`` down; a positive rotation turns the
content counter-clockwise as the image is displayed; a positive shift moves
it right (``dx``) and down (``dy``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from .checks import as_int, as_number, check_image_batch

__all__ = ["AugmentedBatches", "affine_warp", "random_affine"]

Batch = tuple[torch.Tensor, torch.Tensor]


def affine_warp(images: torch.Tensor, *, rotation: torch.Tensor | None = None, scale: torch.Tensor | None = None,
                squeeze: torch.Tensor | None = None, shear: torch.Tensor | None = None,
                shift: torch.Tensor | None = None, fill: float = 0.0) -> torch.Tensor:
    """Apply one affine transformation per image, about the image centre.

    Image ``n`` is transformed by ``p -> A_n p + t_n`` (pixel coordinates
    relative to the centre) with ``A_n = R(rotation_n) @ [[1, shear_n], [0, 1]]
    @ diag(scale_n * squeeze_n, scale_n / squeeze_n)`` and ``t_n = shift_n``.
    Squeezing stretches one axis and shrinks the other by the same factor, so
    it keeps the area. Each output pixel is read from the input by bilinear
    interpolation; pixels that come from outside the input are set to ``fill``.
    A whole-pixel shift and a quarter turn of a square image are exact (up to
    rounding).

    Args:
        images: float tensor ``N x C x H x W``.
        rotation: angles in degrees, shape ``N`` (counter-clockwise on screen).
        scale: zoom factors, shape ``N`` (``> 0``; 1 keeps the size).
        squeeze: aspect factors, shape ``N`` (``> 0``; 1 keeps the aspect).
        shear: horizontal shear factors, shape ``N`` (``x += shear * y``).
        shift: shifts in pixels, shape ``N x 2`` as ``(dy, dx)``.
            Every argument left out is the identity.
        fill: the value of pixels that come from outside the image.

    Returns:
        Float tensor ``N x C x H x W``.

    Raises:
        ValueError: on a bad ``images`` tensor, a parameter of the wrong shape,
            or a non-positive ``scale`` or ``squeeze``.
    """
    check_image_batch(images)
    n, _, h, w = images.shape
    options = dict(dtype=images.dtype, device=images.device)

    def per_image(name: str, value: torch.Tensor | None, default: float, shape: tuple[int, ...]) -> torch.Tensor:
        if value is None:
            return torch.full(shape, default, **options)
        value = torch.as_tensor(value, **options)
        if value.shape != shape:
            raise ValueError(f"{name} must have shape {shape} (one value per image), got {tuple(value.shape)}")
        return value

    angle = torch.deg2rad(per_image("rotation", rotation, 0.0, (n,)))
    zoom = per_image("scale", scale, 1.0, (n,))
    aspect = per_image("squeeze", squeeze, 1.0, (n,))
    slant = per_image("shear", shear, 0.0, (n,))
    move = per_image("shift", shift, 0.0, (n, 2))
    if (zoom <= 0).any() or (aspect <= 0).any():
        raise ValueError("scale and squeeze must be positive")
    cos, sin = torch.cos(angle), torch.sin(angle)
    # forward map in pixel units, x right and y down: A = R @ Shear @ diag(sx, sy)
    rotate = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)  # N x 2 x 2
    shear_matrix = torch.eye(2, **options).repeat(n, 1, 1)
    shear_matrix[:, 0, 1] = slant
    stretch = torch.diag_embed(torch.stack([zoom * aspect, zoom / aspect], -1))
    forward = rotate @ shear_matrix @ stretch
    translation = move.flip(-1)  # (dy, dx) -> (x, y)
    # affine_grid maps output to input positions in coordinates normalised to [-1, 1]:
    # p_in = A^-1 (p_out - t), with pixel units converted by D = diag(2/W, 2/H).
    to_unit = torch.tensor([2.0 / w, 2.0 / h], **options)
    inverse = torch.linalg.inv(forward)
    theta_linear = to_unit.view(1, 2, 1) * inverse / to_unit.view(1, 1, 2)
    theta_offset = -(theta_linear @ (translation * to_unit).unsqueeze(-1))
    theta = torch.cat([theta_linear, theta_offset], dim=-1)  # N x 2 x 3
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    moved = F.grid_sample(images - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return moved + fill


def random_affine(images: torch.Tensor, *, translate: float = 0.0, rotate: float = 0.0, scale: float = 0.0,
                  squeeze: float = 0.0, shear: float = 0.0, fill: float = 0.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Distort every image by its own random affine transformation (see :func:`affine_warp`).

    Each parameter is drawn independently and uniformly, per image: shifts
    ``dy, dx`` in ``[-translate, translate]`` pixels, rotation in
    ``[-rotate, rotate]`` degrees, scale in ``[1 - scale, 1 + scale]``,
    squeeze in ``[1 - squeeze, 1 + squeeze]``, shear in ``[-shear, shear]``.
    Zero ranges (the defaults) leave that parameter at the identity.

    Args:
        images: float tensor ``N x C x H x W``.
        translate: largest shift in pixels (``>= 0``).
        rotate: largest rotation in degrees (``0 <= rotate <= 180``).
        scale: largest relative change of size (``0 <= scale < 1``).
        squeeze: largest relative change of aspect (``0 <= squeeze < 1``).
        shear: largest shear factor (``>= 0``).
        fill: value of the pixels uncovered by the distortion (the background).
        generator: random generator of the draws (default: PyTorch's global one).

    Returns:
        Float tensor ``N x C x H x W``, the distorted images.

    Raises:
        ValueError: on a bad ``images`` tensor or a range outside the limits above.
    """
    check_image_batch(images)
    limits = {"translate": (translate, math.inf), "rotate": (rotate, 180.0), "scale": (scale, 1.0),
              "squeeze": (squeeze, 1.0), "shear": (shear, math.inf)}
    for name, (value, upper) in limits.items():
        as_number(name, value, 0, None if upper == math.inf else upper, strict_maximum=upper == 1.0)
    n = len(images)

    def uniform(half_width: float, *shape: int) -> torch.Tensor:
        draw = torch.rand(*shape, generator=generator) * 2 - 1
        return (draw * half_width).to(device=images.device, dtype=images.dtype)

    return affine_warp(images, rotation=uniform(rotate, n), scale=1 + uniform(scale, n),
                       squeeze=1 + uniform(squeeze, n), shear=uniform(shear, n),
                       shift=uniform(translate, n, 2), fill=fill)


class AugmentedBatches:
    """Shuffled mini-batches of ``(transform(images[i]), labels[i])``, new draws every pass.

    Pass it to :func:`cnnbook.train.fit` as the training data: ``fit`` iterates
    it once per epoch, so every epoch sees a fresh order and fresh random
    transformations of the same images. The stored images are never changed.

    Args:
        images: float tensor ``N x C x H x W``.
        labels: tensor ``N``.
        batch_size: images per batch (the last batch may be smaller).
        transform: maps a batch ``B x C x H x W`` to a batch of the same
            length, e.g. ``lambda x: random_affine(x, translate=2, rotate=10)``.
        generator: random generator of the shuffle (default: PyTorch's global one).

    Raises:
        ValueError: if the lengths differ, ``images`` is not 4-D, or
            ``batch_size`` is not a positive integer.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int,
                 transform: Callable[[torch.Tensor], torch.Tensor],
                 generator: torch.Generator | None = None) -> None:
        if not isinstance(images, torch.Tensor) or images.ndim != 4:
            got = f"shape {tuple(images.shape)}" if isinstance(images, torch.Tensor) else type(images).__name__
            raise ValueError(f"images must be a tensor N x C x H x W, got {got}")
        if not isinstance(labels, torch.Tensor) or labels.shape != images.shape[:1]:
            got = f"shape {tuple(labels.shape)}" if isinstance(labels, torch.Tensor) else type(labels).__name__
            raise ValueError(f"labels must be a tensor of shape ({images.shape[0]},) to match the images, got {got}")
        batch_size = as_int("batch_size", batch_size)
        self.images, self.labels = images, labels  # the stored, undistorted samples
        self.batch_size, self.transform, self.generator = batch_size, transform, generator

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        order = torch.randperm(len(self.labels), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            index = order[start:start + self.batch_size]
            yield self.transform(self.images[index]), self.labels[index]
