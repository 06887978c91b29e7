"""Greedy non-maximum suppression (NMS), as ``torchvision.ops.nms`` and ``batched_nms``.

A detector proposes many overlapping boxes for one object. NMS keeps the
highest-scoring box, removes every remaining box that overlaps it by more
than an IoU threshold, and repeats with the best box left.
"""
from __future__ import annotations

import torch

from .boxes import check_boxes, box_iou

__all__ = ["batched_nms", "nms"]


def _check_scores(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> None:
    check_boxes(boxes)
    if not isinstance(scores, torch.Tensor) or scores.ndim != 1 or len(scores) != len(boxes):
        shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(f"scores must be a tensor of shape ({len(boxes)},) to match the boxes, got {shape}")
    if not isinstance(iou_threshold, (int, float)) or isinstance(iou_threshold, bool):
        raise ValueError(f"iou_threshold must be a number, got {iou_threshold!r}")


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Indices (int64) of the boxes kept by greedy NMS, in decreasing order of score.

    Args:
        boxes: ``K x 4`` in ``xyxy``.
        scores: ``K``.
        iou_threshold: a box is removed when its IoU with a kept, higher-scoring box is *greater* than this.
    """
    _check_scores(boxes, scores, iou_threshold)
    order = torch.argsort(scores, descending=True)
    iou = box_iou(boxes[order], boxes[order])
    removed = torch.zeros(len(order), dtype=torch.bool)
    kept = []
    for i in range(len(order)):
        if removed[i]:
            continue
        kept.append(i)
        removed |= iou[i] > iou_threshold      # removes box i itself too, which is already kept
    return order[torch.tensor(kept, dtype=torch.int64)]


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """NMS run separately for each label: boxes of different classes never suppress each other.

    Returns the kept indices (int64) in decreasing order of score, as
    ``torchvision.ops.batched_nms(boxes, scores, labels, iou_threshold)``.
    """
    _check_scores(boxes, scores, iou_threshold)
    if not isinstance(labels, torch.Tensor) or labels.shape != scores.shape:
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"labels must be a tensor of shape ({len(boxes)},), got {shape}")
    kept = [torch.nonzero(labels == label).flatten() for label in torch.unique(labels)]
    kept = torch.cat([index[nms(boxes[index], scores[index], iou_threshold)] for index in kept]) if kept else \
        torch.zeros(0, dtype=torch.int64)
    return kept[torch.argsort(scores[kept], descending=True)]
