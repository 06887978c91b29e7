"""Measures of a classifier: confusion matrix, precision / recall / F1, top-k accuracy, ROC.

Every function takes NumPy arrays or tensors (on any device) and returns NumPy
arrays or Python floats. Each is written to be read, and each equals its
scikit-learn counterpart (the unit tests compare them on many random problems):

==============================  ============================================================
here                            scikit-learn
==============================  ============================================================
:func:`confusion_matrix`        ``confusion_matrix(y_true, y_pred, labels=range(K))``
:func:`precision_recall_f1`     ``precision_recall_fscore_support(..., labels=range(K))``
:func:`top_k_accuracy`          ``top_k_accuracy_score(..., labels=range(K))``
:func:`roc_curve`               ``roc_curve`` (``drop_intermediate=True``), ties included
:func:`roc_auc`                 ``roc_auc_score`` for two classes
==============================  ============================================================

Labels are integers ``0 .. K - 1``; ``num_classes`` (``K``) is given
explicitly, so that a class absent from a test set still has its row, column
and score.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._inputs import binary_labels, check_count, class_labels, same_length, score_vector, scores_matrix

__all__ = ["AVERAGES", "confusion_matrix", "most_confused_pairs", "precision_recall_f1", "roc_auc", "roc_curve",
           "top_k_accuracy"]

#: The accepted values of ``average`` in :func:`precision_recall_f1`.
AVERAGES = (None, "micro", "macro", "weighted")


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int) -> np.ndarray:
    """Counts of true class against predicted class.

    Args:
        y_true: integer labels ``(N,)`` in ``0 .. num_classes - 1``.
        y_pred: integer predictions ``(N,)``, same range.
        num_classes: ``K``, the number of classes.

    Returns:
        An int64 array ``(K, K)``: entry ``[i, j]`` counts the samples of true
        class ``i`` predicted as class ``j`` (rows true, columns predicted).

    Raises:
        ValueError: on shapes that are not ``(N,)``, different lengths, or
            labels outside ``0 .. K - 1``.
    """
    num_classes = check_count(num_classes, "num_classes")
    true = class_labels(y_true, "y_true", num_classes)
    pred = class_labels(y_pred, "y_pred", num_classes)
    same_length(true, "y_true", pred, "y_pred")
    # each (true, predicted) pair gets one cell number, true * K + predicted; count each cell
    return np.bincount(true * num_classes + pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def _divide(numerator: np.ndarray, denominator: np.ndarray, zero_division: float) -> np.ndarray:
    """numerator / denominator elementwise, ``zero_division`` where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    safe = np.where(denominator == 0, 1.0, denominator)
    return np.where(denominator == 0, zero_division, numerator / safe)


def _nan_average(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Weighted mean of ``values``, skipping NaNs (scikit-learn's rule for ``zero_division=nan``)."""
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    if weights is None:
        return float(values[keep].mean())
    if weights[keep].sum() == 0:
        return 0.0
    return float(np.average(values[keep], weights=weights[keep]))


def precision_recall_f1(
    y_true: Any,
    y_pred: Any,
    num_classes: int,
    average: str | None = None,
    zero_division: float = 0.0,
) -> tuple[np.ndarray | float, np.ndarray | float, np.ndarray | float]:
    """Precision, recall and F1 score, per class or averaged.

    For class ``k`` with ``TP`` true positives, ``FP`` false positives and
    ``FN`` false negatives: precision ``TP / (TP + FP)``, recall
    ``TP / (TP + FN)``, and F1, their harmonic mean, ``2 TP / (2 TP + FP + FN)``.
    A ratio whose denominator is 0 (a class never predicted, never present, or
    both) is ``zero_division``.

    Averages: ``"micro"`` pools the counts of all classes first (with every
    class counted it equals the accuracy); ``"macro"`` is the plain mean of the
    per-class scores; ``"weighted"`` is their mean weighted by each class's
    support (its number of true samples). With ``zero_division=nan`` the
    averages skip the undefined classes, as scikit-learn does.

    Args:
        y_true: integer labels ``(N,)`` in ``0 .. num_classes - 1``.
        y_pred: integer predictions ``(N,)``, same range.
        num_classes: ``K``; every class ``0 .. K - 1`` is scored, present or not.
        average: ``None`` (per class), ``"micro"``, ``"macro"`` or ``"weighted"``.
        zero_division: the value of a ratio with denominator 0: 0.0, 1.0 or NaN.

    Returns:
        ``(precision, recall, f1)``: three float64 arrays ``(K,)`` when
        ``average`` is ``None``, else three floats. Equal to scikit-learn's
        ``precision_recall_fscore_support(y_true, y_pred, labels=range(K),
        average=average, zero_division=zero_division)[:3]``.

    Raises:
        ValueError: on bad labels (see :func:`confusion_matrix`), an unknown
            ``average`` or a ``zero_division`` other than 0, 1 or NaN.
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    if isinstance(zero_division, bool) or not isinstance(zero_division, (int, float)) or not (
        zero_division in (0, 1) or np.isnan(zero_division)
    ):
        raise ValueError(f"zero_division must be 0.0, 1.0 or nan, got {zero_division!r}")
    counts = confusion_matrix(y_true, y_pred, num_classes)
    true_positives = np.diag(counts)
    predicted = counts.sum(axis=0)  # TP + FP: how often each class was predicted
    support = counts.sum(axis=1)  # TP + FN: how often each class is the truth
    if average == "micro":
        true_positives, predicted, support = (np.array([a.sum()]) for a in (true_positives, predicted, support))
    precision = _divide(true_positives, predicted, zero_division)
    recall = _divide(true_positives, support, zero_division)
    f1 = _divide(2 * true_positives, predicted + support, zero_division)
    if average is None:
        return precision, recall, f1
    weights = support.astype(np.float64) if average == "weighted" else None
    return _nan_average(precision, weights), _nan_average(recall, weights), _nan_average(f1, weights)


def most_confused_pairs(counts: Any, top: int = 5) -> list[tuple[int, int, int]]:
    """The largest off-diagonal entries of a confusion matrix.

    Args:
        counts: a confusion matrix ``(K, K)`` (rows true, columns predicted).
        top: how many pairs to return at most.

    Returns:
        Up to ``top`` triples ``(true class, predicted class, count)``, largest
        count first (ties: lower true class, then lower predicted class, first),
        leaving out pairs with a count of 0.

    Raises:
        ValueError: if ``counts`` is not a square matrix or ``top`` < 1.
    """
    from ._inputs import as_array

    top = check_count(top, "top")
    counts = as_array(counts, "counts")
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts must be a square confusion matrix (K, K), got shape {counts.shape}")
    off_diagonal = counts.astype(np.float64).copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(-off_diagonal, axis=None, kind="stable")[:top]
    rows, columns = np.unravel_index(order, counts.shape)
    return [(int(i), int(j), int(counts[i, j])) for i, j in zip(rows, columns) if off_diagonal[i, j] > 0]


def top_k_accuracy(y_true: Any, scores: Any, k: int = 5) -> float:
    """Fraction of samples whose true class is among the ``k`` highest scores.

    Args:
        y_true: integer labels ``(N,)`` in ``0 .. K - 1``.
        scores: float scores ``(N, K)`` (logits or probabilities: only the order matters).
        k: how many of the top classes count as a hit, ``1 <= k``.

    Returns:
        The top-k accuracy in ``[0, 1]``. Tied scores are ordered as scikit-learn's
        ``top_k_accuracy_score(y_true, scores, k=k, labels=range(K))`` orders them
        (the higher class index first).

    Raises:
        ValueError: on shapes that are not ``(N,)`` and ``(N, K)``, labels
            outside ``0 .. K - 1``, or ``k`` not a positive integer.
    """
    k = check_count(k, "k")
    scores = scores_matrix(scores, "scores")
    true = class_labels(y_true, "y_true", scores.shape[1])
    same_length(true, "y_true", scores, "scores")
    # a stable ascending sort, read backwards: the best class first, ties towards the higher index
    ranking = np.argsort(scores, axis=1, kind="stable")[:, ::-1][:, :k]
    return float((ranking == true[:, None]).any(axis=1).mean())


def roc_curve(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The receiver operating characteristic of a score that should be high for positives.

    Declaring "positive" every sample with ``score >= t`` gives, for each
    threshold ``t``, a false positive rate (the fraction of negatives above it)
    and a true positive rate (the fraction of positives above it). The curve
    has one point per distinct score, from the highest down, with points that
    lie on a straight segment between their neighbours left out, and a first
    point ``(0, 0)`` at threshold ``inf``. Samples with equal scores enter
    together, which makes the curve take a diagonal step across a tie.

    Args:
        y_true: ``(N,)`` of 0/1 (or booleans): 1 marks a positive.
        scores: float scores ``(N,)``.

    Returns:
        ``(fpr, tpr, thresholds)``, three float64 arrays of the same length,
        equal to scikit-learn's ``roc_curve(y_true, scores)``.

    Raises:
        ValueError: on bad shapes, labels other than 0/1, non-finite scores,
            or ``y_true`` without both a positive and a negative.
    """
    positive = binary_labels(y_true, "y_true")
    scores = score_vector(scores, "scores")
    same_length(positive, "y_true", scores, "scores")
    if positive.all() or not positive.any():
        raise ValueError("y_true must hold both positives (1) and negatives (0) for a ROC curve, "
                         f"got only {int(positive[0])}s")
    order = np.argsort(-scores, kind="stable")  # highest score first
    scores, positive = scores[order], positive[order]
    # the last index of each run of equal scores: a threshold there admits the whole tie
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    true_positives = np.cumsum(positive)[last_of_tie].astype(np.float64)
    false_positives = (last_of_tie + 1) - true_positives
    thresholds = scores[last_of_tie]
    if true_positives.size > 2:  # drop the points that lie on the segment between their neighbours
        keep = np.r_[True, (np.diff(false_positives, 2) != 0) | (np.diff(true_positives, 2) != 0), True]
        true_positives, false_positives, thresholds = true_positives[keep], false_positives[keep], thresholds[keep]
    true_positives = np.r_[0.0, true_positives]
    false_positives = np.r_[0.0, false_positives]
    thresholds = np.r_[np.inf, thresholds]
    return false_positives / false_positives[-1], true_positives / true_positives[-1], thresholds


def roc_auc(y_true: Any, scores: Any) -> float:
    """Area under the ROC curve (trapezoidal rule over :func:`roc_curve`'s points).

    It equals the probability that a random positive scores higher than a
    random negative, ties counting one half (the Mann-Whitney statistic).

    Args:
        y_true: ``(N,)`` of 0/1 (or booleans).
        scores: float scores ``(N,)``.

    Returns:
        The area in ``[0, 1]``, equal to scikit-learn's ``roc_auc_score(y_true, scores)``.

    Raises:
        ValueError: as :func:`roc_curve`.
    """
    fpr, tpr, _ = roc_curve(y_true, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
