"""cnnbook.metrics.segmentation against scikit-learn's jaccard_score."""
import numpy as np
import pytest
import torch
from sklearn.metrics import jaccard_score

from cnnbook.metrics import mean_iou, per_class_iou


@pytest.mark.parametrize("seed", range(10))
def test_iou_equals_sklearn_jaccard(seed):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 5, (3, 16, 16))
    pred = np.where(rng.random(target.shape) < 0.7, target, rng.integers(0, 6, target.shape))   # class 5: only predicted
    if seed % 2:
        target[target == 3] = 0                                    # class 3 only (wrongly) predicted
        pred[pred == 3] = 0                                        # and then absent from both: left out
    ours = per_class_iou(torch.from_numpy(pred), torch.from_numpy(target))
    labels = sorted(set(np.unique(pred)) | set(np.unique(target)))
    reference = jaccard_score(target.ravel(), pred.ravel(), average=None, labels=labels)
    assert list(ours) == [int(c) for c in labels]
    np.testing.assert_allclose(list(ours.values()), reference, rtol=0, atol=1e-12)
    assert mean_iou(pred, target) == pytest.approx(jaccard_score(target.ravel(), pred.ravel(), average="macro"), abs=1e-12)
    if seed % 2:
        assert 3 not in ours


def test_iou_edge_cases_and_ignore_index():
    target = np.array([[0, 1], [1, 255]])
    pred = np.array([[0, 1], [0, 1]])
    assert per_class_iou(pred, target, ignore_index=255) == {0: 0.5, 1: 0.5}
    assert mean_iou(target, target) == 1.0
    with pytest.raises(ValueError, match="same shape"):
        per_class_iou(pred, target[:1])
    with pytest.raises(ValueError, match="integer"):
        mean_iou(pred.astype(float), target)
