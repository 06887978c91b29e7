"""cnnbook.metrics.calibration: bins against scikit-learn's calibration_curve, ECE by hand, temperature recovered."""
import numpy as np
import pytest
import torch
from sklearn.calibration import calibration_curve

from cnnbook.metrics import expected_calibration_error, fit_temperature, reliability_bins


def test_reliability_bins_equal_sklearn_calibration_curve():
    rng = np.random.default_rng(0)
    for trial in range(100):
        n = int(rng.integers(5, 200))
        confidence = rng.random(n)
        if trial % 3 == 0:
            confidence = np.round(confidence * 10) / 10  # values on the bin edges
        correct = rng.random(n) < confidence
        correct[:2] = [False, True]
        num_bins = int(rng.integers(2, 20))
        bins = reliability_bins(confidence, correct, num_bins)
        filled = bins.counts > 0
        prob_true, prob_pred = calibration_curve(correct, confidence, n_bins=num_bins, strategy="uniform")
        np.testing.assert_allclose(bins.accuracy[filled], prob_true, atol=1e-12)
        np.testing.assert_allclose(bins.confidence[filled], prob_pred, atol=1e-12)
        assert bins.counts.sum() == n


def test_expected_calibration_error_by_hand():
    # two samples at confidence 0.9 (one right), two at 0.6 (both right); 10 bins
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.6, 0.4]])
    labels = np.array([0, 1, 1, 0])
    expected = 0.5 * abs(0.5 - 0.9) + 0.5 * abs(1.0 - 0.6)
    assert expected_calibration_error(probabilities, labels, num_bins=10) == pytest.approx(expected)
    perfect = np.eye(3)[[0, 1, 2]]
    assert expected_calibration_error(perfect, [0, 1, 2]) == 0.0


def test_fit_temperature_recovers_the_temperature_of_the_data():
    rng = np.random.default_rng(1)
    logits = torch.from_numpy(rng.normal(scale=3.0, size=(20000, 5)))
    true_temperature = 2.5
    labels = torch.distributions.Categorical(logits=logits / true_temperature).sample()
    # a model that reports logits ``logits`` is over-confident by a factor 2.5
    assert fit_temperature(logits.float(), labels) == pytest.approx(true_temperature, rel=0.05)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"confidence must lie in \[0, 1\]"):
        reliability_bins([0.5, 1.5], [0, 1])
    with pytest.raises(ValueError, match="sum to 1"):
        expected_calibration_error(np.ones((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="num_bins"):
        reliability_bins([0.5], [1], num_bins=0)
