"""Intersection over union of semantic segmentations, per class and averaged.

For class ``c``, IoU = |predicted c AND true c| / |predicted c OR true c|,
counted in pixels over every image given. A class that occurs neither in the
prediction nor in the truth has no IoU (0 / 0) and is left out of the mean,
as scikit-learn's ``jaccard_score`` leaves out labels absent from both.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["mean_iou", "per_class_iou"]


def _as_labels(values, name: str) -> np.ndarray:
    array = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class labels, got dtype {array.dtype}")
    return array


def per_class_iou(pred, target, *, ignore_index: int | None = None) -> dict[int, float]:
    """IoU of every class present in ``pred`` or ``target`` (integer label maps of the same shape, e.g. ``N x H x W``).

    Pixels whose target is ``ignore_index`` (when given) are left out. Returns
    ``{class: IoU}`` in increasing class order, equal to
    ``sklearn.metrics.jaccard_score(target.ravel(), pred.ravel(), average=None)``.
    """
    pred, target = _as_labels(pred, "pred"), _as_labels(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {pred.shape} and {target.shape}")
    pred, target = pred.ravel(), target.ravel()
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    result = {}
    for c in np.union1d(np.unique(pred), np.unique(target)):
        in_pred, in_target = pred == c, target == c
        result[int(c)] = float((in_pred & in_target).sum() / (in_pred | in_target).sum())
    return result


def mean_iou(pred, target, *, ignore_index: int | None = None) -> float:
    """Mean of :func:`per_class_iou` over the classes present in either map
    (``jaccard_score(..., average="macro")``); ``nan`` when no pixel is left."""
    ious = per_class_iou(pred, target, ignore_index=ignore_index)
    return float(np.mean(list(ious.values()))) if ious else float("nan")
