"""cnnbook.models.Ensemble: the mean of its members' outputs."""
import pytest
import torch
from torch import nn

from cnnbook.models import Ensemble
from cnnbook.models.faces import FaceWindowClassifier


def test_ensemble_output_is_the_mean_of_the_members_outputs_on_a_whole_image():
    torch.manual_seed(0)
    members = [FaceWindowClassifier(width=4).eval() for _ in range(3)]
    images = torch.rand(2, 1, 61, 45)
    with torch.no_grad():
        expected = (members[0](images) + members[1](images) + members[2](images)) / 3
        averaged = Ensemble(members)(images)
    assert averaged.shape == expected.shape == (2, 1, 10, 6)  # H' = ((H - 3) // 2 - 3) // 2 - 3
    torch.testing.assert_close(averaged, expected)
    assert len(list(Ensemble(members).parameters())) == 3 * len(list(members[0].parameters()))


def test_ensemble_of_one_is_that_member():
    torch.manual_seed(1)
    member = nn.Linear(5, 2)
    inputs = torch.randn(4, 5)
    torch.testing.assert_close(Ensemble([member])(inputs), member(inputs))


def test_ensemble_rejects_no_members_non_modules_and_mismatched_outputs():
    with pytest.raises(ValueError, match="non-empty"):
        Ensemble([])
    with pytest.raises(ValueError, match="non-empty"):
        Ensemble([nn.Linear(2, 2), "not a network"])
    with pytest.raises(ValueError, match="one shape"):
        Ensemble([nn.Linear(3, 2), nn.Linear(3, 4)])(torch.randn(1, 3))
