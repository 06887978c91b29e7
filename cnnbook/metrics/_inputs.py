"""Turning the arguments of the metrics into checked NumPy arrays (private)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch


def as_array(values: Any, name: str) -> np.ndarray:
    """``values`` (a NumPy array, a tensor on any device, or a list) as a NumPy array."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu()
        if values.dtype in (torch.float16, torch.bfloat16):
            values = values.float()
        return values.numpy()
    try:
        return np.asarray(values)
    except Exception as error:  # ragged lists and other things NumPy cannot hold
        raise ValueError(f"{name} must be an array or a tensor, got {type(values).__name__}: {error}") from error


def check_count(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def class_labels(values: Any, name: str, num_classes: int) -> np.ndarray:
    """Integer class labels of shape ``(N,)`` in ``0 .. num_classes - 1``."""
    labels = as_array(values, name)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be one label per sample, shape (N,), got shape {labels.shape}")
    if labels.dtype == bool or not (np.issubdtype(labels.dtype, np.integer) or labels.size == 0):
        if np.issubdtype(labels.dtype, np.floating) and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integer class labels, got dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{name} must hold labels in 0..{num_classes - 1} (num_classes={num_classes}), "
                         f"got values from {labels.min()} to {labels.max()}")
    return labels


def same_length(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{a_name} and {b_name} must have one entry per sample each, "
                         f"got {a.shape[0]} and {b.shape[0]}")
    if a.shape[0] == 0:
        raise ValueError(f"{a_name} and {b_name} must hold at least one sample, got none")


def scores_matrix(values: Any, name: str) -> np.ndarray:
    """Finite float scores of shape ``(N, K)``."""
    return _finite_scores(values, name, 2, "shape (N, num_classes)")


def score_vector(values: Any, name: str) -> np.ndarray:
    """Finite float scores of shape ``(N,)``."""
    return _finite_scores(values, name, 1, "one score per sample, shape (N,)")


def _finite_scores(values: Any, name: str, ndim: int, shape: str) -> np.ndarray:
    """``values`` as float64 with ``ndim`` axes; ``ValueError`` naming ``shape`` otherwise, or on NaN / inf."""
    scores = as_array(values, name)
    if scores.ndim != ndim:
        raise ValueError(f"{name} must have {shape}, got shape {scores.shape}")
    if not np.issubdtype(scores.dtype, np.number) or scores.dtype == bool:
        raise ValueError(f"{name} must hold numbers, got dtype {scores.dtype}")
    scores = scores.astype(np.float64)
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name} must be finite, got NaN or infinite values")
    return scores


def binary_labels(values: Any, name: str) -> np.ndarray:
    """Labels of shape ``(N,)`` holding only 0/1 (or False/True), as a boolean array."""
    labels = as_array(values, name)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be one label per sample, shape (N,), got shape {labels.shape}")
    if labels.dtype != bool:
        if not np.issubdtype(labels.dtype, np.number) or not np.all(np.isin(labels, (0, 1))):
            raise ValueError(f"{name} must hold only 0 and 1 (or False and True), got values {np.unique(labels)[:5]}")
    return labels.astype(bool)
