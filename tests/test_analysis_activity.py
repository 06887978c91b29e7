"""record_activations, dead_units, weight_gradients, weight_gradient_norms and gradient_agreement against
hand computations and autograd."""
import pytest
import torch
from torch import nn

from cnnbook.analysis import (
    ActivationRecord,
    dead_units,
    gradient_agreement,
    record_activations,
    weight_gradient_norms,
    weight_gradients,
)

pytestmark = pytest.mark.usefixtures("single_thread")


def _chain():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(3, 4, 3, padding=1), nn.Sigmoid(),
                         nn.Flatten(), nn.Linear(4 * 5 * 5, 2))


def test_records_true_pre_activations_even_for_an_in_place_relu():
    model = _chain().train()
    x = torch.randn(6, 1, 5, 5)
    records = record_activations(model, x, (nn.ReLU, nn.Sigmoid))
    assert [r.name for r in records] == ["1", "3"] and all(isinstance(r, ActivationRecord) for r in records)
    with torch.no_grad():
        z1 = model[0](x)
        z2 = model[2](torch.relu(z1))
    assert (z1 < 0).any(), "the test needs negative pre-activations to be meaningful"
    torch.testing.assert_close(records[0].input, z1)
    torch.testing.assert_close(records[0].output, torch.relu(z1))
    torch.testing.assert_close(records[1].input, z2)
    torch.testing.assert_close(records[1].output, torch.sigmoid(z2))
    assert model.training and not records[0].input.requires_grad


def test_a_layer_called_twice_is_recorded_twice_in_call_order():
    relu = nn.ReLU()
    model = nn.Sequential(nn.Linear(3, 3), relu, nn.Linear(3, 3), relu)
    records = record_activations(model, torch.randn(2, 3), nn.ReLU)
    assert len(records) == 2 and records[0].module is records[1].module is relu
    with torch.no_grad():
        torch.testing.assert_close(records[1].input, model[2](records[0].output))


def test_record_activations_rejects_missing_or_bad_layer_types():
    with pytest.raises(ValueError, match="no layer of type Tanh"):
        record_activations(_chain(), torch.randn(1, 1, 5, 5), nn.Tanh)
    with pytest.raises(ValueError, match="layer_types"):
        record_activations(_chain(), torch.randn(1, 1, 5, 5), "ReLU")


def test_dead_units_marks_channels_never_positive_anywhere():
    z = torch.randn(4, 3, 2, 2)
    z[:, 0] = -torch.rand(4, 2, 2)        # never positive: dead
    z[:, 1] = -1.0
    z[2, 1, 1, 0] = 0.5                    # positive once, at one position of one sample: alive
    z[:, 2] = 0.0                          # exactly zero everywhere: a ReLU outputs 0 and passes no gradient
    assert dead_units(z).tolist() == [True, False, True]
    dense = torch.tensor([[-1.0, 2.0], [-3.0, -1.0]])
    assert dead_units(dense).tolist() == [True, False]


def test_a_dead_relu_unit_gets_exactly_zero_gradient():
    torch.manual_seed(1)
    conv = nn.Conv2d(1, 4, 3)
    with torch.no_grad():
        conv.bias[2] = -100.0              # channel 2 cannot turn on for inputs in [0, 1]
    x = torch.rand(8, 1, 6, 6)
    z = conv(x)
    dead = dead_units(z.detach())
    assert dead.tolist() == [False, False, True, False]
    torch.relu(z).square().sum().backward()
    assert torch.all(conv.weight.grad[2] == 0) and conv.bias.grad[2] == 0
    assert torch.all(conv.weight.grad[~dead].abs().sum(dim=(1, 2, 3)) > 0)


def test_dead_units_rejects_other_shapes():
    with pytest.raises(ValueError, match="N x C"):
        dead_units(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="N >= 1"):
        dead_units(torch.zeros(0, 3))


def test_weight_gradient_norms_equal_those_of_backward_and_leave_grads_alone():
    model = _chain()
    x, y = torch.randn(5, 1, 5, 5), torch.tensor([0, 1, 1, 0, 1])
    norms = weight_gradient_norms(model, x, y)
    assert [name for name, _ in norms] == ["0", "2", "5"]
    assert all(p.grad is None for p in model.parameters())
    nn.functional.cross_entropy(model(x), y).backward()
    expected = [model[i].weight.grad.norm().item() for i in (0, 2, 5)]
    assert [value for _, value in norms] == pytest.approx(expected, rel=1e-6)


def test_weight_gradient_norms_with_another_loss_and_layer_type():
    model = _chain()
    x, target = torch.randn(3, 1, 5, 5), torch.randn(3, 2)
    norms = weight_gradient_norms(model, x, target, loss=nn.functional.mse_loss, layer_types=nn.Conv2d)
    nn.functional.mse_loss(model(x), target).backward()
    assert [v for _, v in norms] == pytest.approx([model[0].weight.grad.norm().item(),
                                                    model[2].weight.grad.norm().item()], rel=1e-6)


def test_weight_gradient_norms_of_an_unused_layer_is_zero_and_errors():
    class WithSpare(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.spare = nn.Linear(2, 2), nn.Linear(2, 2)  # spare is registered, never called

        def forward(self, x):
            return self.used(x)

    model = WithSpare()
    norms = dict(weight_gradient_norms(model, torch.randn(3, 2), torch.tensor([0, 1, 0])))
    assert norms["spare"] == 0.0 and norms["used"] > 0
    with pytest.raises(ValueError, match="no layer of type Conv2d"):
        weight_gradient_norms(model, torch.randn(3, 2), torch.tensor([0, 1, 0]), layer_types=nn.Conv2d)


def test_weight_gradients_equal_those_of_backward():
    model = _chain()
    x, y = torch.randn(5, 1, 5, 5), torch.tensor([0, 1, 1, 0, 1])
    gradients = weight_gradients(model, x, y, layer_types=nn.Conv2d)
    assert [name for name, _ in gradients] == ["0", "2"]
    assert all(p.grad is None for p in model.parameters())
    nn.functional.cross_entropy(model(x), y).backward()
    for (_, g), index in zip(gradients, (0, 2)):
        assert g.shape == model[index].weight.shape and not g.requires_grad
        torch.testing.assert_close(g, model[index].weight.grad)


def _pairwise_mean_cosine(vectors):
    values = [nn.functional.cosine_similarity(vectors[i], vectors[j], dim=0).item()
              for i in range(len(vectors)) for j in range(i + 1, len(vectors))]
    return sum(values) / len(values)


def test_gradient_agreement_is_the_mean_pairwise_cosine_of_the_batches_gradients():
    model = _chain()
    x, y = torch.randn(13, 1, 5, 5), torch.randint(0, 2, (13,))
    agreement = gradient_agreement(model, x, y, batches=3)  # 4 samples each, the 13th dropped
    assert [name for name, _ in agreement] == ["0", "2", "5"]
    for index, (name, value) in zip((0, 2, 5), agreement):
        per_batch = []
        for b in range(3):
            model.zero_grad()
            nn.functional.cross_entropy(model(x[4 * b:4 * b + 4]), y[4 * b:4 * b + 4]).backward()
            per_batch.append(model[index].weight.grad.flatten().clone())
        assert value == pytest.approx(_pairwise_mean_cosine(per_batch), abs=1e-5)
        assert -1.0 <= value <= 1.0


def test_gradient_agreement_of_identical_batches_is_one():
    model = _chain()
    x, y = torch.randn(4, 1, 5, 5), torch.tensor([0, 1, 1, 0])
    agreement = gradient_agreement(model, torch.cat([x, x]), torch.cat([y, y]), batches=2)
    assert [value for _, value in agreement] == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)


def test_gradient_agreement_rejects_bad_arguments():
    model = _chain()
    x, y = torch.randn(4, 1, 5, 5), torch.tensor([0, 1, 1, 0])
    with pytest.raises(ValueError, match="batches must be an integer >= 2"):
        gradient_agreement(model, x, y, batches=1)
    with pytest.raises(ValueError, match="same length"):
        gradient_agreement(model, x, y[:3])
    with pytest.raises(ValueError, match="at least one sample per mini-batch"):
        gradient_agreement(model, x, y, batches=5)
