"""From a semantic segmentation to instances.

Two ways: :func:`instances_from_semantic` takes the connected components of
each class (exact only while objects of one class never touch and the
prediction has no stray fragments); :func:`instances_from_interiors` starts
from a second, learned map of object *interiors* (each object's mask shrunk by
a margin, :func:`interior_masks`), whose connected components are one seed per
object even where objects touch, and grows each seed over the foreground.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage
from skimage.segmentation import watershed

__all__ = ["instances_from_interiors", "instances_from_semantic", "interior_masks"]


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
    return _instances_dict(masks, labels, scores, *classes.shape)


def _instances_dict(masks: list[torch.Tensor], labels: list[int], scores: list[float],
                    height: int, width: int) -> dict[str, torch.Tensor]:
    stacked = torch.stack(masks) if masks else torch.zeros(0, height, width, dtype=torch.bool)
    boxes = torch.zeros(len(stacked), 4)
    for k, mask in enumerate(stacked):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        boxes[k] = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
    return {"masks": stacked, "labels": torch.tensor(labels, dtype=torch.int64),
            "scores": torch.tensor(scores, dtype=torch.float32), "boxes": boxes}


def interior_masks(masks: torch.Tensor, *, margin: int = 1) -> torch.Tensor:
    """The interiors of instances: bool ``H x W``, the union of every mask shrunk by ``margin`` pixels.

    Each mask is eroded (a pixel stays if its 4-neighbours within ``margin``
    steps are in the mask), so two objects that touch, or lie closer than
    ``2 * margin`` pixels apart, become at least ``2 * margin`` pixels apart in the interior map:
    its connected components are the objects, one each, as long as every
    object is thicker than ``2 * margin`` pixels somewhere.

    Args:
        masks: bool ``D x H x W`` instance masks of one image (``D`` may be 0).
        margin: pixels removed along every outline (>= 1).
    """
    if masks.ndim != 3:
        raise ValueError(f"masks must be D x H x W, got {tuple(masks.shape)}")
    if not isinstance(margin, int) or isinstance(margin, bool) or margin < 1:
        raise ValueError(f"margin must be a positive integer, got {margin!r}")
    interior = np.zeros(masks.shape[1:], dtype=bool)
    for mask in masks.cpu().numpy().astype(bool):
        interior |= ndimage.binary_erosion(mask, iterations=margin)
    return torch.from_numpy(interior)


def instances_from_interiors(probabilities: torch.Tensor, interior: torch.Tensor, *, threshold: float = 0.5,
                             min_area: int = 1) -> dict[str, torch.Tensor]:
    """Instances from class probabilities and a predicted interior map: one per interior seed.

    The pixels whose interior probability exceeds ``threshold`` form seeds,
    one per connected region (4-connected) of at least ``min_area`` pixels.
    Each seed then grows, by a watershed on the interior probability, over the
    foreground (pixels whose most probable class is not the background, class
    0) that it reaches without crossing another seed's region. An instance's
    class is the object class with the largest summed probability over its
    pixels, so a few pixels of a wrong class inside an object do not make an
    instance of their own; its score is that class's mean probability there.

    Args:
        probabilities: float ``K x H x W`` class probabilities of one image (softmax output).
        interior: float ``H x W`` probability that a pixel lies in an object's interior.
        threshold: interior probability above which a pixel belongs to a seed.
        min_area: smallest seed kept, in pixels.

    Returns:
        A dict in torchmetrics' format, as :func:`instances_from_semantic`'s.
    """
    if probabilities.ndim != 3 or probabilities.shape[0] < 2:
        raise ValueError(f"probabilities must be K x H x W with K >= 2 classes, got {tuple(probabilities.shape)}")
    if interior.shape != probabilities.shape[1:]:
        raise ValueError(f"interior must be H x W = {tuple(probabilities.shape[1:])}, got {tuple(interior.shape)}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold!r}")
    if not isinstance(min_area, int) or isinstance(min_area, bool) or min_area < 1:
        raise ValueError(f"min_area must be a positive integer, got {min_area!r}")
    probabilities = probabilities.detach().float().cpu()
    interior = interior.detach().float().cpu().numpy()
    seeds, count = ndimage.label(interior > threshold)
    areas = np.bincount(seeds.ravel(), minlength=count + 1)
    seeds[areas[seeds] < min_area] = 0
    foreground = probabilities.argmax(dim=0).numpy() != 0
    regions = watershed(-interior, seeds, mask=foreground | (seeds > 0))
    masks, labels, scores = [], [], []
    for region in np.unique(regions[regions > 0]):
        mask = torch.from_numpy(regions == region)
        label = int(probabilities[1:, mask].sum(dim=1).argmax()) + 1
        masks.append(mask)
        labels.append(label)
        scores.append(float(probabilities[label][mask].mean()))
    return _instances_dict(masks, labels, scores, *foreground.shape)
