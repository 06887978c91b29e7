"""The book's evaluation measures, each checked against the library people trust.

- :mod:`~cnnbook.metrics.classification`: confusion matrix, precision / recall / F1
  (per class, micro, macro, weighted), the most confused pairs, top-k accuracy,
  ROC curve and its area (all equal to scikit-learn's).
- :mod:`~cnnbook.metrics.calibration`: reliability bins, expected calibration error,
  temperature scaling.
- :mod:`~cnnbook.metrics.verification`: cosine similarity of pairs, the verification
  threshold chosen by cross-validation over folds, nearest-neighbour identification.
- :mod:`~cnnbook.metrics.detection`: COCO's mean average precision and recall for boxes
  and instance masks (equal to ``pycocotools``).
- :mod:`~cnnbook.metrics.segmentation`: per-class and mean intersection over union of
  label maps (equal to scikit-learn's ``jaccard_score``).
"""
from .calibration import ReliabilityBins, expected_calibration_error, fit_temperature, reliability_bins
from .classification import (
    AVERAGES,
    confusion_matrix,
    most_confused_pairs,
    precision_recall_f1,
    roc_auc,
    roc_curve,
    top_k_accuracy,
)
from .detection import CocoEvaluation, coco_evaluation, mean_average_precision
from .segmentation import mean_iou, per_class_iou
from .verification import (
    CrossValidatedVerification,
    best_threshold,
    cosine_similarity_pairs,
    cross_validated_verification,
    nearest_neighbour_identify,
)
