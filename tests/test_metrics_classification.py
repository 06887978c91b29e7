"""cnnbook.metrics.classification against scikit-learn on many random problems."""
import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from cnnbook.metrics import (
    confusion_matrix,
    most_confused_pairs,
    precision_recall_f1,
    roc_auc,
    roc_curve,
    top_k_accuracy,
)


def random_problem(rng, absent=True):
    """Labels and predictions of a random K-class problem, some classes possibly missing from either."""
    k = int(rng.integers(2, 9))
    n = int(rng.integers(1, 60))
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.integers(0, k, n))
    if absent and rng.random() < 0.5:  # remove one class from the labels, another from the predictions
        y_true[y_true == rng.integers(k)] = rng.integers(k)
        y_pred[y_pred == rng.integers(k)] = rng.integers(k)
    return y_true, y_pred, k


def test_confusion_matrix_equals_sklearn_on_random_problems():
    rng = np.random.default_rng(0)
    for _ in range(300):
        y_true, y_pred, k = random_problem(rng)
        expected = skm.confusion_matrix(y_true, y_pred, labels=range(k))
        np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, k), expected)


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_precision_recall_f1_equals_sklearn(average, zero_division):
    rng = np.random.default_rng(1)
    absent_seen = 0
    for _ in range(300):
        y_true, y_pred, k = random_problem(rng)
        absent_seen += len(set(range(k)) - set(y_true) - set(y_pred)) > 0
        ours = precision_recall_f1(y_true, y_pred, k, average=average, zero_division=zero_division)
        theirs = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(k), average=average,
                                                     zero_division=zero_division)[:3]
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, equal_nan=True)
    assert absent_seen > 10, "the random problems must include classes absent from labels and predictions"


def test_micro_average_is_accuracy_and_per_class_edge_cases():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 1, 1])
    precision, recall, f1 = precision_recall_f1(y_true, y_pred, 4)
    np.testing.assert_allclose(precision, [1.0, 2 / 3, 0.0, 0.0])
    np.testing.assert_allclose(recall, [0.5, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(f1, [2 / 3, 0.8, 0.0, 0.0])
    assert precision_recall_f1(y_true, y_pred, 4, average="micro")[0] == pytest.approx(0.75)
    assert precision_recall_f1(y_true, y_pred, 4, zero_division=1.0)[0][3] == 1.0


def test_inputs_may_be_tensors():
    y_true = torch.tensor([0, 1, 2, 2])
    y_pred = torch.tensor([0, 2, 2, 1])
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 3),
                                  skm.confusion_matrix(y_true.numpy(), y_pred.numpy(), labels=range(3)))
    scores = torch.randn(4, 3)
    assert top_k_accuracy(y_true, scores, 2) == skm.top_k_accuracy_score(y_true.numpy(), scores.numpy(), k=2,
                                                                         labels=range(3))


def test_top_k_accuracy_equals_sklearn_including_ties():
    rng = np.random.default_rng(2)
    for trial in range(300):
        k_classes = int(rng.integers(3, 10))
        n = int(rng.integers(1, 50))
        y_true = rng.integers(0, k_classes, n)
        scores = rng.normal(size=(n, k_classes))
        if trial % 2:
            scores = np.round(scores)  # many ties
        k = int(rng.integers(1, k_classes))
        expected = skm.top_k_accuracy_score(y_true, scores, k=k, labels=range(k_classes))
        assert top_k_accuracy(y_true, scores, k) == pytest.approx(expected, abs=1e-12)


def test_roc_curve_and_auc_equal_sklearn_including_ties():
    rng = np.random.default_rng(3)
    for trial in range(300):
        n = int(rng.integers(2, 80))
        y_true = rng.integers(0, 2, n)
        y_true[:2] = [0, 1]
        scores = rng.normal(size=n) + y_true
        if trial % 2:
            scores = np.round(scores * 2) / 2  # many tied scores
        fpr, tpr, thresholds = roc_curve(y_true, scores)
        sk_fpr, sk_tpr, sk_thresholds = skm.roc_curve(y_true, scores)
        np.testing.assert_allclose(fpr, sk_fpr, atol=1e-15)
        np.testing.assert_allclose(tpr, sk_tpr, atol=1e-15)
        np.testing.assert_array_equal(thresholds, sk_thresholds)
        assert roc_auc(y_true, scores) == pytest.approx(skm.roc_auc_score(y_true, scores), abs=1e-12)


def test_roc_auc_is_the_pairwise_ranking_probability():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 40)
    y[:2] = [0, 1]
    s = np.round(rng.normal(size=40), 1)
    pos, neg = s[y == 1], s[y == 0]
    pairwise = ((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean()
    assert roc_auc(y, s) == pytest.approx(pairwise, abs=1e-12)


def test_most_confused_pairs():
    counts = np.array([[5, 3, 0], [1, 7, 4], [3, 0, 9]])
    assert most_confused_pairs(counts, top=3) == [(1, 2, 4), (0, 1, 3), (2, 0, 3)]
    assert most_confused_pairs(np.eye(3, dtype=int)) == []


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: confusion_matrix([0, 1, 3], [0, 1, 1], 3), "labels in 0..2"),
        (lambda: confusion_matrix([0, -1], [0, 1], 3), "labels in 0..2"),
        (lambda: confusion_matrix([[0, 1]], [0, 1], 3), r"shape \(N,\)"),
        (lambda: confusion_matrix([0, 1], [0, 1, 1], 3), "got 2 and 3"),
        (lambda: confusion_matrix([0.5, 1], [0, 1], 3), "integer class labels"),
        (lambda: confusion_matrix([0, 1], [0, 1], 0), "num_classes must be an integer >= 1"),
        (lambda: precision_recall_f1([0, 1], [0, 1], 2, average="binary"), "average must be one of"),
        (lambda: precision_recall_f1([0, 1], [0, 1], 2, zero_division=0.5), "zero_division must be"),
        (lambda: top_k_accuracy([0, 1], np.zeros(2), 1), r"shape \(N, num_classes\)"),
        (lambda: top_k_accuracy([0, 4], np.zeros((2, 3)), 1), "labels in 0..2"),
        (lambda: top_k_accuracy([0, 1], np.zeros((2, 3)), 0), "k must be an integer >= 1"),
        (lambda: roc_curve([1, 1, 1], [0.1, 0.2, 0.3]), "both positives"),
        (lambda: roc_curve([0, 2], [0.1, 0.2]), "only 0 and 1"),
        (lambda: roc_curve([0, 1], [0.1, np.nan]), "finite"),
        (lambda: most_confused_pairs(np.zeros((2, 3))), "square"),
    ],
)
def test_bad_inputs_raise_value_errors_naming_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
