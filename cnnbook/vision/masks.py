"""From a semantic segmentation to instances.

Two bottom-up groupings: connected components of each class
(:func:`instances_from_semantic`), and groups of uniform-colour regions inside
the predicted foreground (:func:`instances_from_regions`).
"""
from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage
from scipy.cluster.hierarchy import fcluster, linkage

__all__ = ["instances_from_regions", "instances_from_semantic"]


def instances_from_semantic(probabilities: torch.Tensor, *, min_area: int = 1, smooth: int = 1) -> dict[str, torch.Tensor]:
    """Split a semantic segmentation into instances, one per connected region of a class.

    The probabilities are first averaged over ``smooth x smooth`` windows
    (``smooth=1``: not at all), which removes isolated pixels of a wrong class.
    Each pixel takes its most probable class; the pixels of one class (not the
    background, class 0) that touch, horizontally or vertically, form one
    instance. Regions smaller than ``min_area`` pixels are dropped as noise.
    An instance's score is the mean probability of its class over its pixels.
    Two objects of one class that touch become one instance: this method
    cannot separate them.

    Args:
        probabilities: float ``K x H x W`` class probabilities of one image (softmax output).
        min_area: smallest instance kept, in pixels.
        smooth: odd window size of the averaging before the arg-max.

    Returns:
        A dict in torchmetrics' format: ``masks`` bool ``D x H x W``, ``labels`` int64 ``D``
        (1 .. K-1), ``scores`` float32 ``D``, ``boxes`` float32 ``D x 4`` (``xyxy``, pixel edges).
    """
    if probabilities.ndim != 3 or probabilities.shape[0] < 2:
        raise ValueError(f"probabilities must be K x H x W with K >= 2 classes, got {tuple(probabilities.shape)}")
    if not isinstance(smooth, int) or smooth < 1 or smooth % 2 == 0:
        raise ValueError(f"smooth must be a positive odd integer, got {smooth!r}")
    probabilities = probabilities.detach().float().cpu()
    if smooth > 1:
        probabilities = torch.nn.functional.avg_pool2d(probabilities[None], smooth, stride=1, padding=smooth // 2,
                                                       count_include_pad=False)[0]
    classes = probabilities.argmax(dim=0).numpy()
    masks, labels, scores = [], [], []
    for label in range(1, probabilities.shape[0]):
        regions, count = ndimage.label(classes == label)
        for region in range(1, count + 1):
            mask = regions == region
            if mask.sum() < min_area:
                continue
            masks.append(torch.from_numpy(mask))
            labels.append(label)
            scores.append(float(probabilities[label][torch.from_numpy(mask)].mean()))
    return _instances(masks, labels, scores, classes.shape)


def _instances(masks: list[torch.Tensor], labels: list[int], scores: list[float],
               shape: tuple[int, int]) -> dict[str, torch.Tensor]:
    """Pack instance masks, labels and scores in torchmetrics' format, with each mask's box (``xyxy``, pixel edges)."""
    masks = torch.stack(masks) if masks else torch.zeros(0, *shape, dtype=torch.bool)
    boxes = torch.zeros(len(masks), 4)
    for k, mask in enumerate(masks):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        boxes[k] = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
    return {"masks": masks, "labels": torch.tensor(labels, dtype=torch.int64),
            "scores": torch.tensor(scores, dtype=torch.float32), "boxes": boxes}


def _single_linkage(colours: np.ndarray, tolerance: float) -> np.ndarray:
    """Group ``P x C`` colours: two are in one group when a chain of colours links them, each step no larger than
    ``tolerance`` in mean absolute difference over the channels (SciPy's single-linkage clustering, cut at that
    distance). Returns the group of each colour, ``P`` ints from 0."""
    if len(colours) < 2:
        return np.zeros(len(colours), dtype=np.int64)
    tree = linkage(colours, method="single", metric="cityblock")       # cityblock = C x mean absolute difference
    groups = fcluster(tree, t=tolerance * colours.shape[1], criterion="distance")
    return np.unique(groups, return_inverse=True)[1]


def instances_from_regions(probabilities: torch.Tensor, image: torch.Tensor, regions: np.ndarray | torch.Tensor, *,
                           min_part: int = 30, colour_tolerance: float = 0.045,
                           min_area: int = 20) -> dict[str, torch.Tensor]:
    """Split the predicted foreground into instances by grouping uniform-colour regions.

    ``regions`` is an over-segmentation of the image into regions of nearly
    uniform colour (superpixels), for example from
    ``skimage.segmentation.felzenszwalb``. The steps:

    1. the *foreground* is the pixels whose most probable class is not the
       background (class 0); its connected pieces (4-neighbours) smaller than
       ``min_area`` pixels are dropped;
    2. a region is a *part* of an object when at least ``min_part`` of its
       pixels, and at least half of them, are foreground (a background region
       that only brushes the foreground's edge is not); the part is its
       foreground pixels;
    3. within one piece of foreground, parts whose mean colours differ by at
       most ``colour_tolerance`` (mean absolute difference over the channels)
       are one object, and so are chains of such parts;
    4. the piece's remaining foreground pixels go to the object of the nearest
       part pixel; a piece with no part is one object.

    Each instance's class is the one (background excluded) with the largest
    summed probability over its pixels, and its score is the mean probability
    of that class over them. The class map decides *where* objects are, the
    colours decide *how many*: an object the network gives its neighbour's
    class is still separated from it when its colour differs, and a corner
    given a wrong class stays part of its object.

    Args:
        probabilities: float ``K x H x W`` class probabilities of one image (softmax output).
        image: float ``C x H x W`` image whose colours are compared (values in ``[0, 1]``).
        regions: int ``H x W`` region index of every pixel.
        min_part: smallest number of foreground pixels of a part.
        colour_tolerance: largest mean absolute colour difference of two parts of one object.
        min_area: smallest piece of foreground kept, in pixels.

    Returns:
        A dict in torchmetrics' format: ``masks`` bool ``D x H x W``, ``labels`` int64 ``D``
        (1 .. K-1), ``scores`` float32 ``D``, ``boxes`` float32 ``D x 4`` (``xyxy``, pixel edges).
    """
    if probabilities.ndim != 3 or probabilities.shape[0] < 2:
        raise ValueError(f"probabilities must be K x H x W with K >= 2 classes, got {tuple(probabilities.shape)}")
    shape = tuple(probabilities.shape[1:])
    if image.ndim != 3 or tuple(image.shape[1:]) != shape:
        raise ValueError(f"image must be C x H x W with H x W = {shape}, got {tuple(image.shape)}")
    regions = np.asarray(regions.cpu() if isinstance(regions, torch.Tensor) else regions)
    if regions.shape != shape or not np.issubdtype(regions.dtype, np.integer) or (regions < 0).any():
        raise ValueError(f"regions must be non-negative integers of shape {shape}, got {regions.dtype} {regions.shape}")
    for name, value in (("min_part", min_part), ("min_area", min_area)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not colour_tolerance >= 0:
        raise ValueError(f"colour_tolerance must be >= 0, got {colour_tolerance!r}")
    probabilities = probabilities.detach().float().cpu()
    colours = image.detach().float().cpu().permute(1, 2, 0).numpy()          # H x W x C
    foreground = (probabilities.argmax(dim=0) > 0).numpy()
    region_size = np.bincount(regions.ravel())
    pieces, count = ndimage.label(foreground)
    masks, labels, scores = [], [], []
    for piece in range(1, count + 1):
        inside = pieces == piece
        if inside.sum() < min_area:
            continue
        ids, sizes = np.unique(regions[inside], return_counts=True)
        parts = [r for r, n in zip(ids, sizes) if n >= min_part and 2 * n >= region_size[r]]
        objects = np.zeros(shape, dtype=np.int64)                             # 1 + object index on part pixels
        if parts:
            groups = _single_linkage(np.stack([colours[inside & (regions == r)].mean(axis=0) for r in parts]),
                                     colour_tolerance)
            for r, g in zip(parts, groups):
                objects[inside & (regions == r)] = g + 1
            nearest = ndimage.distance_transform_edt(objects == 0, return_distances=False, return_indices=True)
            objects = np.where(inside, objects[nearest[0], nearest[1]], 0)
        else:
            objects[inside] = 1
        for k in range(1, objects.max() + 1):
            mask = torch.from_numpy(objects == k)
            summed = probabilities[1:, mask].sum(dim=1)
            label = int(summed.argmax()) + 1
            masks.append(mask)
            labels.append(label)
            scores.append(float(probabilities[label][mask].mean()))
    return _instances(masks, labels, scores, shape)
