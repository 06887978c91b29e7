"""Face verification and identification measures on embeddings.

Verification asks of a pair of images "same identity or not?", and answers by
comparing a similarity score with a threshold. The threshold must be chosen on
other pairs than those it is scored on: :func:`cross_validated_verification`
follows the protocol of Labeled Faces in the Wild, with pairs split into folds
(10 in LFW), the threshold fitted on all folds but one and the accuracy
measured on the one left out. Identification asks "who is this?", and answers
with the nearest gallery embedding (:func:`nearest_neighbour_identify`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._inputs import as_array, binary_labels, same_length, score_vector

__all__ = ["CrossValidatedVerification", "best_threshold", "cosine_similarity_pairs",
           "cross_validated_verification", "nearest_neighbour_identify"]


def _embeddings(values: Any, name: str) -> np.ndarray:
    array = as_array(values, name)
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{name} must have shape (N, D), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} must hold floats, got dtype {array.dtype}")
    return array.astype(np.float64)


def _unit_rows(array: np.ndarray, name: str) -> np.ndarray:
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"{name} must have no all-zero rows (their direction, and so their cosine, is undefined)")
    return array / norms


def cosine_similarity_pairs(first: Any, second: Any) -> np.ndarray:
    """Cosine similarity of each row of ``first`` with the same row of ``second``.

    Args:
        first, second: float embeddings ``(P, D)``, no row all zero.

    Returns:
        float64 ``(P,)`` in ``[-1, 1]``: ``<a, b> / (|a| |b|)`` row by row.

    Raises:
        ValueError: on shapes that are not equal ``(P, D)``, or an all-zero row.
    """
    a, b = _embeddings(first, "first"), _embeddings(second, "second")
    if a.shape != b.shape:
        raise ValueError(f"first and second must have the same shape (P, D), got {a.shape} and {b.shape}")
    return np.sum(_unit_rows(a, "first") * _unit_rows(b, "second"), axis=1)


def best_threshold(scores: Any, same: Any) -> float:
    """The threshold ``t`` that maximises the accuracy of "same if ``score >= t``".

    Candidates are the midpoints between consecutive distinct scores, plus one
    below the lowest and one above the highest; ties in accuracy go to the
    lowest threshold.

    Args:
        scores: float similarity ``(P,)`` of each pair.
        same: ``(P,)`` of 0/1 or booleans: whether each pair shows one identity.

    Returns:
        The threshold as a float.

    Raises:
        ValueError: on bad shapes or labels.
    """
    scores = score_vector(scores, "scores")
    same = binary_labels(same, "same")
    same_length(scores, "scores", same, "same")
    distinct = np.unique(scores)
    candidates = np.r_[distinct[0] - 1.0, (distinct[1:] + distinct[:-1]) / 2, distinct[-1] + 1.0]
    # accuracy at each candidate: positives at or above it plus negatives below it
    order = np.sort(scores[same])
    positives_above = same.sum() - np.searchsorted(order, candidates, side="left")
    negatives_below = np.searchsorted(np.sort(scores[~same]), candidates, side="left")
    return float(candidates[np.argmax(positives_above + negatives_below)])


@dataclass(frozen=True)
class CrossValidatedVerification:
    """The result of :func:`cross_validated_verification`.

    Attributes:
        thresholds: float64 ``(F,)``, the threshold fitted without fold ``f``.
        accuracies: float64 ``(F,)``, the accuracy on fold ``f`` at that threshold.
    """

    thresholds: np.ndarray
    accuracies: np.ndarray

    @property
    def mean_accuracy(self) -> float:
        return float(self.accuracies.mean())

    @property
    def std_accuracy(self) -> float:
        return float(self.accuracies.std())


def cross_validated_verification(scores: Any, same: Any, folds: Any) -> CrossValidatedVerification:
    """Verification accuracy with the threshold chosen on the other folds only.

    For each fold ``f``: :func:`best_threshold` on the pairs of every other
    fold, then the accuracy of "same if ``score >= threshold``" on the pairs of
    fold ``f``. The pairs a threshold is scored on never help to choose it.

    Args:
        scores: float similarity ``(P,)`` of each pair.
        same: ``(P,)`` of 0/1 or booleans.
        folds: integer fold number ``(P,)`` of each pair; at least two folds.

    Returns:
        A :class:`CrossValidatedVerification`, folds in increasing order of their number.

    Raises:
        ValueError: on bad shapes or labels, or fewer than two folds.
    """
    scores = score_vector(scores, "scores")
    same = binary_labels(same, "same")
    fold_ids = as_array(folds, "folds")
    same_length(scores, "scores", same, "same")
    if fold_ids.shape != scores.shape or not np.issubdtype(fold_ids.dtype, np.integer):
        raise ValueError(f"folds must be integer fold numbers of shape {scores.shape}, "
                         f"got shape {fold_ids.shape} and dtype {fold_ids.dtype}")
    names = np.unique(fold_ids)
    if names.size < 2:
        raise ValueError(f"folds must name at least two folds, got {names.size}")
    thresholds, accuracies = [], []
    for name in names:
        held_out = fold_ids == name
        threshold = best_threshold(scores[~held_out], same[~held_out])
        thresholds.append(threshold)
        accuracies.append(np.mean((scores[held_out] >= threshold) == same[held_out]))
    return CrossValidatedVerification(np.array(thresholds), np.array(accuracies, dtype=np.float64))


def nearest_neighbour_identify(gallery: Any, gallery_labels: Any, probes: Any) -> np.ndarray:
    """The identity of each probe: the label of the gallery embedding with the highest cosine similarity.

    Args:
        gallery: float embeddings ``(G, D)`` of enrolled images, no row all zero.
        gallery_labels: integer identity ``(G,)`` of each gallery image.
        probes: float embeddings ``(Q, D)`` to identify.

    Returns:
        int64 ``(Q,)``: the predicted identity of each probe.

    Raises:
        ValueError: on bad shapes, or different embedding sizes ``D``.
    """
    g = _unit_rows(_embeddings(gallery, "gallery"), "gallery")
    q = _unit_rows(_embeddings(probes, "probes"), "probes")
    labels = as_array(gallery_labels, "gallery_labels")
    if labels.shape != (g.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"gallery_labels must be integers of shape ({g.shape[0]},), "
                         f"got shape {labels.shape} and dtype {labels.dtype}")
    if q.shape[1] != g.shape[1]:
        raise ValueError(f"probes must have the gallery's embedding size {g.shape[1]}, got {q.shape[1]}")
    return labels[np.argmax(q @ g.T, axis=1)].astype(np.int64)
