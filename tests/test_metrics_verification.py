"""cnnbook.metrics.verification: thresholds against brute force, folds kept apart, nearest neighbour."""
import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from cnnbook.metrics import (
    best_threshold,
    cosine_similarity_pairs,
    cross_validated_verification,
    nearest_neighbour_identify,
)


def accuracy_at(scores, same, t):
    return np.mean((scores >= t) == same)


def test_best_threshold_reaches_the_brute_force_best_accuracy():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 60))
        same = rng.random(n) < 0.5
        scores = np.round(rng.normal(size=n) + same, 1)
        t = best_threshold(scores, same)
        brute = max(accuracy_at(scores, same, c) for c in np.r_[scores, np.inf])
        assert accuracy_at(scores, same, t) == pytest.approx(brute)


def test_cross_validated_threshold_never_sees_its_fold():
    # fold 1 alone would want a threshold near 10; fitted on fold 0 the threshold stays near 0
    scores = np.r_[-1.0, 1.0, 9.0, 11.0]
    same = np.array([0, 1, 0, 1])
    result = cross_validated_verification(scores, same, np.array([0, 0, 1, 1]))
    assert result.thresholds[1] == pytest.approx(0.0)
    assert result.accuracies[1] == 0.5
    with pytest.raises(ValueError, match="at least two folds"):
        cross_validated_verification(scores, same, np.zeros(4, dtype=int))


def test_cosine_and_nearest_neighbour_equal_sklearn():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 8)), rng.normal(size=(30, 8))
    np.testing.assert_allclose(cosine_similarity_pairs(a, b), np.diag(cosine_similarity(a, b)), atol=1e-12)
    gallery_labels = rng.integers(0, 5, 30)
    predicted = nearest_neighbour_identify(a, gallery_labels, b)
    np.testing.assert_array_equal(predicted, gallery_labels[cosine_similarity(b, a).argmax(axis=1)])
    with pytest.raises(ValueError, match="embedding size"):
        nearest_neighbour_identify(a, gallery_labels, b[:, :4])
    with pytest.raises(ValueError, match="all-zero"):
        cosine_similarity_pairs(np.zeros((1, 3)), np.ones((1, 3)))
