"""Anchor boxes: a fixed set of reference boxes repeated at every position of a feature map.

Same layout and values as torchvision's ``AnchorGenerator``: for each feature
map position (row by row), one anchor per (aspect ratio, size) pair, ratio
major. An aspect ratio ``r`` means height / width = ``r`` at constant area
``size**2``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["base_anchors", "generate_anchors", "grid_anchors"]


def _check_positive_numbers(name: str, values: Sequence[float]) -> None:
    if len(values) == 0 or any(not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0 for v in values):
        raise ValueError(f"{name} must be a non-empty sequence of positive numbers, got {values!r}")


def base_anchors(sizes: Sequence[float], aspect_ratios: Sequence[float], *, round_to_pixels: bool = True) -> torch.Tensor:
    """The anchors ``A x 4`` (``xyxy``, float32) centred at the origin, ``A = len(aspect_ratios) * len(sizes)``.

    Width ``size / sqrt(r)`` and height ``size * sqrt(r)`` for ratio ``r``;
    torchvision rounds the corners to whole pixels (``round_to_pixels=True``).
    """
    _check_positive_numbers("sizes", sizes)
    _check_positive_numbers("aspect_ratios", aspect_ratios)
    scales = torch.as_tensor(sizes, dtype=torch.float32)
    ratios = torch.as_tensor(aspect_ratios, dtype=torch.float32)
    height_factor = torch.sqrt(ratios)
    width_factor = 1 / height_factor
    widths = (width_factor[:, None] * scales[None, :]).reshape(-1)
    heights = (height_factor[:, None] * scales[None, :]).reshape(-1)
    anchors = torch.stack([-widths, -heights, widths, heights], dim=1) / 2
    return anchors.round() if round_to_pixels else anchors


def grid_anchors(base: torch.Tensor, feature_size: tuple[int, int], stride: tuple[int, int],
                 *, offset: float = 0.0) -> torch.Tensor:
    """Repeat ``base`` (``A x 4``) at every position of a feature map: ``(H * W * A) x 4``.

    Position ``(i, j)`` of the ``H x W`` map is centred at image point
    ``((j + offset) * stride_x, (i + offset) * stride_y)``; torchvision uses
    ``offset = 0`` (the top-left corner of each cell), YOLO-style detectors the
    cell centre (``offset = 0.5``).
    """
    height, width = feature_size
    stride_y, stride_x = stride
    if height < 1 or width < 1 or stride_y <= 0 or stride_x <= 0:
        raise ValueError(f"feature_size and stride must be positive, got {feature_size!r} and {stride!r}")
    shifts_x = (torch.arange(width, dtype=torch.float32) + offset) * stride_x
    shifts_y = (torch.arange(height, dtype=torch.float32) + offset) * stride_y
    grid_y, grid_x = torch.meshgrid(shifts_y, shifts_x, indexing="ij")
    shifts = torch.stack((grid_x, grid_y, grid_x, grid_y), dim=-1).reshape(-1, 1, 4)
    return (shifts + base.reshape(1, -1, 4)).reshape(-1, 4)


def generate_anchors(image_size: tuple[int, int], feature_sizes: Sequence[tuple[int, int]],
                     sizes: Sequence[Sequence[float]], aspect_ratios: Sequence[Sequence[float]]) -> torch.Tensor:
    """All anchors of one image over several feature maps, concatenated level by level.

    Level ``l`` has the feature map ``feature_sizes[l]``, the stride
    ``image_size // feature_sizes[l]`` (integer division, per axis) and the
    anchors ``base_anchors(sizes[l], aspect_ratios[l])``. Equal to the output of
    torchvision's ``AnchorGenerator(sizes, aspect_ratios)`` for one image.
    """
    if not (len(feature_sizes) == len(sizes) == len(aspect_ratios)):
        raise ValueError(f"need one feature size, one tuple of sizes and one tuple of ratios per level, got "
                         f"{len(feature_sizes)}, {len(sizes)} and {len(aspect_ratios)}")
    levels = []
    for (height, width), level_sizes, level_ratios in zip(feature_sizes, sizes, aspect_ratios):
        stride = (image_size[0] // height, image_size[1] // width)
        levels.append(grid_anchors(base_anchors(level_sizes, level_ratios), (height, width), stride))
    return torch.cat(levels)
