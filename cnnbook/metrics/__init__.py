"""Evaluation metrics, each checked in the unit tests against a reference library.

- :mod:`.detection`: COCO's mean average precision and recall for boxes and
  instance masks (checked against ``pycocotools``).
- :mod:`.segmentation`: per-class and mean intersection over union of label
  maps (checked against scikit-learn's ``jaccard_score``).
"""
from .detection import CocoEvaluation, coco_evaluation, mean_average_precision
from .segmentation import mean_iou, per_class_iou

__all__ = ["CocoEvaluation", "coco_evaluation", "mean_average_precision", "mean_iou", "per_class_iou"]
