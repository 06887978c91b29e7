"""Mean average precision (mAP) of a detector, computed the way COCO computes it.

The COCO benchmark's reference implementation is ``pycocotools.cocoeval.COCOeval``;
this module computes the same twelve numbers, written to be read, and its unit
tests check it against pycocotools to 1e-9. The recipe, for one category and
one image at a time:

1. **Sort** the detections by score, highest first, and keep at most
   ``max(max_detections)`` (100) of them.
2. **Match greedily**: at an IoU threshold ``t``, each detection in score order
   takes the still unmatched ground-truth object it overlaps most, if that IoU is
   at least ``t``. A matched detection is a true positive, an unmatched one a
   false positive. *Crowd* regions (``iscrowd=1``) and objects outside the area
   range being scored are *ignored*: a detection matched to them counts neither
   way, and a crowd region can absorb any number of detections (its IoU is
   measured against the detection's own area).

Then, over all images of the category:

3. **Rank** all detections by score and walk down the list: after each one,
   precision = TP / (TP + FP) and recall = TP / (number of objects not ignored).
4. **Interpolate**: replace each precision by the best precision at any higher
   recall, then read it at the 101 recalls 0, 0.01, ..., 1 (0 beyond the last
   recall reached). The mean of these 101 numbers is the **average precision**
   (AP) of the category at threshold ``t``; the last recall reached is its
   **recall** at ``t``.

AP is averaged over the categories that have at least one object (and over
the ten thresholds 0.50, 0.55, ..., 0.95 for the headline ``map``). ``mar_k``
is the recall with at most ``k`` detections per image and category, averaged
the same way. Objects are *small* below 32² pixels of area, *medium* up to
96², *large* above; the area of a ground-truth object is its ``area`` field.
Numbers that are undefined (no object in that range) are -1, as in COCO.

Inputs and key names follow ``torchmetrics.detection.MeanAveragePrecision``:
one dict per image, boxes in ``xyxy`` pixels.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["AREA_RANGES", "COCO_KEYS", "IOU_THRESHOLDS", "MAX_DETECTIONS", "RECALL_THRESHOLDS", "CocoEvaluation",
           "coco_evaluation", "mean_average_precision"]

# The parameters of COCOeval, written with the same expressions, so that the floats are the same.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETECTIONS = (1, 10, 100)
AREA_RANGES = {"all": (0.0, 1e5 ** 2), "small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2),
               "large": (96.0 ** 2, 1e5 ** 2)}

#: The twelve COCO numbers: key -> (AP or AR, IoU threshold or None for the mean over all, area range, max detections).
COCO_KEYS = {
    "map": ("ap", None, "all", 100), "map_50": ("ap", 0.5, "all", 100), "map_75": ("ap", 0.75, "all", 100),
    "map_small": ("ap", None, "small", 100), "map_medium": ("ap", None, "medium", 100),
    "map_large": ("ap", None, "large", 100),
    "mar_1": ("ar", None, "all", 1), "mar_10": ("ar", None, "all", 10), "mar_100": ("ar", None, "all", 100),
    "mar_small": ("ar", None, "small", 100), "mar_medium": ("ar", None, "medium", 100),
    "mar_large": ("ar", None, "large", 100),
}

IOU_TYPES = ("bbox", "segm")


# ----------------------------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------------------------

@dataclass
class _Objects:
    """The objects of one image (ground truth or detections), as float64 NumPy arrays."""

    labels: np.ndarray        # K, int
    regions: np.ndarray       # K x 4 boxes (x, y, w, h), or K x (H*W) bool masks
    area: np.ndarray          # K
    scores: np.ndarray        # K (ones for the ground truth)
    crowd: np.ndarray         # K bool (False for detections)


def _field(record: dict, key: str, index: int, what: str) -> torch.Tensor:
    if key not in record:
        raise ValueError(f"{what}[{index}] needs the key {key!r}, got keys {sorted(record)}")
    value = record[key]
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(value)
    return value.detach().cpu()


def _objects(record: dict, index: int, what: str, iou_type: str) -> _Objects:
    if not isinstance(record, dict):
        raise ValueError(f"{what}[{index}] must be a dict, got {type(record).__name__}")
    labels = _field(record, "labels", index, what).reshape(-1).numpy().astype(np.int64)
    k = len(labels)
    if iou_type == "bbox":
        boxes = _field(record, "boxes", index, what).to(torch.float64)
        if boxes.shape != (k, 4) and not (k == 0 and boxes.numel() == 0):
            raise ValueError(f"{what}[{index}]: boxes must be {k} x 4 to match the labels, got {tuple(boxes.shape)}")
        boxes = boxes.reshape(k, 4).numpy()
        regions = np.stack([boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], axis=1)
        own_area = regions[:, 2] * regions[:, 3]
    else:
        masks = _field(record, "masks", index, what)
        if masks.ndim != 3 or masks.shape[0] != k:
            raise ValueError(f"{what}[{index}]: masks must be {k} x H x W to match the labels, got "
                             f"{tuple(masks.shape)}")
        regions = masks.to(torch.bool).reshape(k, masks.shape[1] * masks.shape[2]).numpy()
        own_area = regions.sum(axis=1).astype(np.float64)
    if what == "preds":
        scores = _field(record, "scores", index, what).to(torch.float64).reshape(-1).numpy()
        if len(scores) != k:
            raise ValueError(f"preds[{index}]: scores must have {k} entries to match the labels, got {len(scores)}")
        return _Objects(labels, regions, own_area, scores, np.zeros(k, dtype=bool))
    area = _field(record, "area", index, what).to(torch.float64).reshape(-1).numpy() if "area" in record else own_area
    crowd = _field(record, "iscrowd", index, what).reshape(-1).numpy().astype(bool) if "iscrowd" in record \
        else np.zeros(k, dtype=bool)
    if len(area) != k or len(crowd) != k:
        raise ValueError(f"targets[{index}]: area and iscrowd must have {k} entries, got {len(area)} and {len(crowd)}")
    return _Objects(labels, regions, area, np.ones(k), crowd)


def _select(objects: _Objects, keep: np.ndarray) -> _Objects:
    return _Objects(objects.labels[keep], objects.regions[keep], objects.area[keep], objects.scores[keep],
                    objects.crowd[keep])


# ----------------------------------------------------------------------------------------------------------------
# IoU between detections and ground truth (COCO's conventions for crowd regions)
# ----------------------------------------------------------------------------------------------------------------

def _iou(detections: _Objects, truth: _Objects, iou_type: str) -> np.ndarray:
    """IoU ``D x G``; against a crowd region the denominator is the detection's own area."""
    if len(detections.labels) == 0 or len(truth.labels) == 0:
        return np.zeros((len(detections.labels), len(truth.labels)))
    if iou_type == "bbox":
        d, g = detections.regions[:, None, :], truth.regions[None, :, :]
        width = np.minimum(d[..., 0] + d[..., 2], g[..., 0] + g[..., 2]) - np.maximum(d[..., 0], g[..., 0])
        height = np.minimum(d[..., 1] + d[..., 3], g[..., 1] + g[..., 3]) - np.maximum(d[..., 1], g[..., 1])
        intersection = np.where((width > 0) & (height > 0), width * height, 0.0)
        d_area = (detections.regions[:, 2] * detections.regions[:, 3])[:, None]
        g_area = (truth.regions[:, 2] * truth.regions[:, 3])[None, :]
    else:
        d_masks, g_masks = detections.regions.astype(np.float64), truth.regions.astype(np.float64)
        intersection = d_masks @ g_masks.T                      # pixel counts, exact in float64
        d_area, g_area = d_masks.sum(axis=1)[:, None], g_masks.sum(axis=1)[None, :]
    union = np.where(truth.crowd[None, :], d_area, d_area + g_area - intersection)
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


# ----------------------------------------------------------------------------------------------------------------
# Step 2: greedy matching in one image, for one category and one area range
# ----------------------------------------------------------------------------------------------------------------

@dataclass
class _ImageResult:
    scores: np.ndarray        # D, detections in decreasing score order
    matched: np.ndarray       # T x D bool: true positive at threshold t
    ignored: np.ndarray       # T x D bool: counts neither as true nor as false positive
    n_objects: int            # ground-truth objects that count (not ignored)


def _match_image(iou: np.ndarray, detections: _Objects, truth: _Objects, area_range: tuple[float, float],
                 thresholds: np.ndarray) -> _ImageResult:
    low, high = area_range
    truth_ignored = truth.crowd | (truth.area < low) | (truth.area > high)
    order = np.argsort(truth_ignored, kind="mergesort")       # objects that count first, then the ignored
    truth_ignored, crowd, iou = truth_ignored[order], truth.crowd[order], iou[:, order]
    n_det, n_truth = len(detections.scores), len(truth_ignored)
    matched = np.zeros((len(thresholds), n_det), dtype=bool)
    ignored = np.zeros((len(thresholds), n_det), dtype=bool)
    for t, threshold in enumerate(thresholds):
        taken = np.zeros(n_truth, dtype=bool)
        for d in range(n_det):
            best, best_iou = -1, min(threshold, 1 - 1e-10)
            for g in range(n_truth):
                if taken[g] and not crowd[g]:
                    continue                                   # each object matches one detection (crowds any)
                if best > -1 and not truth_ignored[best] and truth_ignored[g]:
                    break                                      # a counted match beats any ignored region
                if iou[d, g] < best_iou:
                    continue
                best, best_iou = g, iou[d, g]
            if best == -1:
                continue
            matched[t, d], ignored[t, d], taken[best] = True, truth_ignored[best], True
    outside = (detections.area < low) | (detections.area > high)
    ignored |= ~matched & outside[None, :]                     # unmatched detections of another size: ignored
    return _ImageResult(detections.scores, matched, ignored, int((~truth_ignored).sum()))


# ----------------------------------------------------------------------------------------------------------------
# Steps 3 and 4: precision and recall of one category over all images
# ----------------------------------------------------------------------------------------------------------------

def _precision_recall(results: Sequence[_ImageResult], max_detections: int,
                      recall_thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Interpolated precision ``T x R``, recall ``T`` and the score at each recall threshold ``T x R``,
    or ``None`` when no object counts (the category is then left out of the means)."""
    n_objects = sum(r.n_objects for r in results)
    if n_objects == 0:
        return None
    scores = np.concatenate([r.scores[:max_detections] for r in results])
    order = np.argsort(-scores, kind="mergesort")              # stable: ties keep image order
    matched = np.concatenate([r.matched[:, :max_detections] for r in results], axis=1)[:, order]
    ignored = np.concatenate([r.ignored[:, :max_detections] for r in results], axis=1)[:, order]
    true_positives = np.cumsum(matched & ~ignored, axis=1).astype(float)
    false_positives = np.cumsum(~matched & ~ignored, axis=1).astype(float)
    n_thresholds, n_det = matched.shape
    precision = np.zeros((n_thresholds, len(recall_thresholds)))
    score_at = np.zeros((n_thresholds, len(recall_thresholds)))
    recall_reached = np.zeros(n_thresholds)
    for t in range(n_thresholds):
        recall = true_positives[t] / n_objects
        curve = true_positives[t] / (true_positives[t] + false_positives[t] + np.spacing(1))
        recall_reached[t] = recall[-1] if n_det else 0.0
        curve = np.maximum.accumulate(curve[::-1])[::-1]      # best precision at this recall or any higher one
        index = np.searchsorted(recall, recall_thresholds, side="left")
        reached = index < n_det                               # recalls never reached keep precision 0
        precision[t, reached] = curve[index[reached]]
        score_at[t, reached] = scores[order][index[reached]]
    return precision, recall_reached, score_at


# ----------------------------------------------------------------------------------------------------------------
# The whole evaluation
# ----------------------------------------------------------------------------------------------------------------

@dataclass
class CocoEvaluation:
    """Everything COCO's evaluation computes, before the twelve numbers are read from it.

    Attributes:
        categories: the labels evaluated (every label that occurs), sorted; ``K`` of them.
        precision: ``T x R x K x A x M`` interpolated precision (-1 where the category has no object that
            counts); ``T`` IoU thresholds, ``R`` recall thresholds, ``A`` area ranges (``all, small, medium,
            large``), ``M`` maximum numbers of detections (1, 10, 100).
        recall: ``T x K x A x M`` recall reached (-1 likewise).
        scores: ``T x R x K x A x M`` the score of the detection at which each recall threshold is reached.
        stats: the twelve COCO numbers under torchmetrics' key names.
    """

    categories: list[int]
    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray
    stats: dict[str, float]


def _summary(evaluation_precision: np.ndarray, evaluation_recall: np.ndarray) -> dict[str, float]:
    areas = list(AREA_RANGES)
    stats = {}
    for key, (kind, threshold, area, max_det) in COCO_KEYS.items():
        values = evaluation_precision if kind == "ap" else evaluation_recall
        a, m = areas.index(area), MAX_DETECTIONS.index(max_det)
        values = values[..., a, m]
        if threshold is not None:
            values = values[np.where(threshold == IOU_THRESHOLDS)[0]]
        defined = values[values > -1]
        stats[key] = float(np.mean(defined)) if defined.size else -1.0
    return stats


def coco_evaluation(preds: Sequence[dict], targets: Sequence[dict], iou_type: str = "bbox") -> CocoEvaluation:
    """Evaluate detections against ground truth as COCOeval does; see :func:`mean_average_precision`."""
    if iou_type not in IOU_TYPES:
        raise ValueError(f"iou_type must be one of {IOU_TYPES}, got {iou_type!r}")
    if not isinstance(preds, Sequence) or not isinstance(targets, Sequence) or len(preds) != len(targets):
        raise ValueError("preds and targets must be lists with one dict per image, of the same length; got "
                         f"{type(preds).__name__} of {len(preds) if isinstance(preds, Sequence) else '?'} and "
                         f"{type(targets).__name__} of {len(targets) if isinstance(targets, Sequence) else '?'}")
    detections = [_objects(p, i, "preds", iou_type) for i, p in enumerate(preds)]
    truths = [_objects(t, i, "targets", iou_type) for i, t in enumerate(targets)]
    categories = sorted({int(c) for o in detections + truths for c in o.labels})
    areas = list(AREA_RANGES.values())
    shape = (len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), len(categories), len(areas), len(MAX_DETECTIONS))
    precision, scores = -np.ones(shape), -np.ones(shape)
    recall = -np.ones((len(IOU_THRESHOLDS), len(categories), len(areas), len(MAX_DETECTIONS)))
    for k, category in enumerate(categories):
        per_image = []
        for found, truth in zip(detections, truths):
            found, truth = _select(found, found.labels == category), _select(truth, truth.labels == category)
            if len(found.labels) == 0 and len(truth.labels) == 0:
                continue
            order = np.argsort(-found.scores, kind="mergesort")[:max(MAX_DETECTIONS)]   # step 1
            found = _select(found, order)
            per_image.append((found, truth, _iou(found, truth, iou_type)))
        for a, area_range in enumerate(areas):
            results = [_match_image(iou, found, truth, area_range, IOU_THRESHOLDS) for found, truth, iou in per_image]
            for m, max_det in enumerate(MAX_DETECTIONS):
                curves = _precision_recall(results, max_det, RECALL_THRESHOLDS)
                if curves is not None:
                    precision[:, :, k, a, m], recall[:, k, a, m], scores[:, :, k, a, m] = curves
    return CocoEvaluation(categories, precision, recall, scores, _summary(precision, recall))


def mean_average_precision(preds: Sequence[dict], targets: Sequence[dict], iou_type: str = "bbox") -> dict[str, float]:
    """The twelve COCO numbers of a detector (``iou_type="bbox"``) or an instance segmenter (``"segm"``).

    Args:
        preds: one dict per image: ``boxes`` float ``D x 4`` (``xyxy``, pixels; for ``bbox``),
            ``masks`` bool ``D x H x W`` (for ``segm``), ``scores`` float ``D``, ``labels`` int ``D``.
        targets: one dict per image: ``boxes`` ``G x 4`` or ``masks`` ``G x H x W``, ``labels`` ``G``, and
            optionally ``iscrowd`` ``G`` (0/1) and ``area`` ``G`` (default: the box area for ``bbox``, the
            mask's pixel count for ``segm``).
        iou_type: ``"bbox"`` compares boxes, ``"segm"`` compares masks.

    Returns:
        ``map, map_50, map_75, map_small, map_medium, map_large, mar_1, mar_10, mar_100, mar_small,
        mar_medium, mar_large`` as floats (-1 where undefined), equal to ``pycocotools``' ``COCOeval.stats``.
    """
    return coco_evaluation(preds, targets, iou_type).stats
