"""Calibration of a classifier's confidence: reliability bins, expected calibration error, temperature scaling.

A classifier is calibrated when, among the samples it gives confidence ``p``,
a fraction ``p`` is classified correctly. :func:`reliability_bins` groups the
samples by confidence into equal-width bins of ``[0, 1]`` and compares each
bin's mean confidence with its accuracy; :func:`expected_calibration_error` is
the average gap, weighted by the bins' sizes (Guo et al., 2017).
:func:`fit_temperature` finds the one number ``T`` that, dividing the logits,
minimises the negative log-likelihood on held-out data (temperature scaling).

Bins are ``[0, 1/B], (1/B, 2/B], ..., ((B-1)/B, 1]``, the same as
scikit-learn's ``calibration_curve(..., strategy="uniform")``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ._inputs import binary_labels, check_count, class_labels, same_length, score_vector, scores_matrix

__all__ = ["ReliabilityBins", "expected_calibration_error", "fit_temperature", "reliability_bins"]


@dataclass(frozen=True)
class ReliabilityBins:
    """Samples grouped by confidence into ``B`` equal-width bins of ``[0, 1]``.

    Attributes:
        edges: float64 ``(B + 1,)``, the bin edges ``0, 1/B, ..., 1``.
        counts: int64 ``(B,)``, samples per bin.
        confidence: float64 ``(B,)``, mean confidence per bin (NaN where empty).
        accuracy: float64 ``(B,)``, fraction correct per bin (NaN where empty).
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray


def reliability_bins(confidence: Any, correct: Any, num_bins: int = 15) -> ReliabilityBins:
    """Group predictions by confidence and measure each group's accuracy.

    Args:
        confidence: float ``(N,)`` in ``[0, 1]``, e.g. the top softmax probability.
        correct: ``(N,)`` of 0/1 or booleans: whether each prediction was right.
        num_bins: ``B``, the number of equal-width bins.

    Returns:
        A :class:`ReliabilityBins`.

    Raises:
        ValueError: on bad shapes, confidences outside ``[0, 1]`` or ``num_bins`` < 1.
    """
    num_bins = check_count(num_bins, "num_bins")
    confidence = score_vector(confidence, "confidence")
    correct = binary_labels(correct, "correct")
    same_length(confidence, "confidence", correct, "correct")
    if confidence.min() < 0 or confidence.max() > 1:
        raise ValueError(f"confidence must lie in [0, 1], got values from {confidence.min()} to {confidence.max()}")
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    which = np.searchsorted(edges[1:-1], confidence, side="left")  # bin b holds (edges[b], edges[b + 1]]
    counts = np.bincount(which, minlength=num_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, weights=confidence, minlength=num_bins) / counts
        accuracy = np.bincount(which, weights=correct.astype(np.float64), minlength=num_bins) / counts
    return ReliabilityBins(edges, counts, mean_confidence, accuracy)


def expected_calibration_error(probabilities: Any, y_true: Any, num_bins: int = 15) -> float:
    """Expected calibration error of class probabilities.

    ``ECE = sum_b (n_b / N) |accuracy_b - confidence_b|`` over the
    :func:`reliability_bins` of the top probability of each sample.

    Args:
        probabilities: float ``(N, K)``, each row a probability distribution
            (e.g. a softmax of logits).
        y_true: integer labels ``(N,)`` in ``0 .. K - 1``.
        num_bins: ``B``, the number of equal-width confidence bins.

    Returns:
        The ECE in ``[0, 1]``.

    Raises:
        ValueError: on bad shapes or labels, or rows that are not probability
            distributions (entries outside ``[0, 1]`` or sums off 1 by more than 1e-4).
    """
    probabilities = scores_matrix(probabilities, "probabilities")
    if probabilities.min() < 0 or probabilities.max() > 1 or np.abs(probabilities.sum(axis=1) - 1).max() > 1e-4:
        raise ValueError("probabilities must have rows of non-negative numbers that sum to 1 "
                         "(apply a softmax to logits first)")
    true = class_labels(y_true, "y_true", probabilities.shape[1])
    same_length(true, "y_true", probabilities, "probabilities")
    bins = reliability_bins(np.clip(probabilities.max(axis=1), 0.0, 1.0), probabilities.argmax(axis=1) == true,
                            num_bins)
    filled = bins.counts > 0
    gaps = np.abs(bins.accuracy[filled] - bins.confidence[filled])
    return float(np.sum(bins.counts[filled] / bins.counts.sum() * gaps))


def fit_temperature(logits: Any, y_true: Any, *, max_iter: int = 100) -> float:
    """The temperature ``T > 0`` that minimises the cross-entropy of ``softmax(logits / T)``.

    Temperature scaling (Guo et al., 2017) rescales all logits by one number
    fitted on held-out (validation) data; it leaves every prediction's class
    unchanged, only its confidence. ``T > 1`` softens over-confident
    predictions. The search is over ``log T`` with L-BFGS, in float64 on the CPU.

    Args:
        logits: float ``(N, K)``, the model's outputs before the softmax.
        y_true: integer labels ``(N,)`` in ``0 .. K - 1``.
        max_iter: L-BFGS iterations at most.

    Returns:
        The fitted temperature as a float.

    Raises:
        ValueError: on bad shapes or labels, or ``max_iter`` < 1.
    """
    max_iter = check_count(max_iter, "max_iter")
    logits_array = scores_matrix(logits, "logits")
    true = class_labels(y_true, "y_true", logits_array.shape[1])
    same_length(true, "y_true", logits_array, "logits")
    logits_cpu = torch.from_numpy(logits_array)  # float64, CPU
    targets = torch.from_numpy(true)
    log_temperature = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_temperature], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits_cpu / log_temperature.exp(), targets)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_temperature.exp().item())


