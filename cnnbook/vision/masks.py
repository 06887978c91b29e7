"""From a semantic segmentation to instances: connected components of each class."""
from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage

__all__ = ["instances_from_semantic"]


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
    height, width = classes.shape
    masks = torch.stack(masks) if masks else torch.zeros(0, height, width, dtype=torch.bool)
    boxes = torch.zeros(len(masks), 4)
    for k, mask in enumerate(masks):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        boxes[k] = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
    return {"masks": masks, "labels": torch.tensor(labels, dtype=torch.int64),
            "scores": torch.tensor(scores, dtype=torch.float32), "boxes": boxes}
