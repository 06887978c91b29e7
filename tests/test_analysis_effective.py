"""effective_receptive_field against a linear layer's weights and per-image input gradients; bad input."""
import pytest
import torch
from torch import nn

from cnnbook.analysis import effective_receptive_field, empirical_receptive_field, receptive_field

pytestmark = pytest.mark.usefixtures("single_thread")


def test_a_single_convolution_gives_its_mean_absolute_filter():
    # y_c(i, j) = sum_m,u,v w[c, m, u, v] x[m, i + u, j + v] + b_c: the input gradient is the filter itself,
    # whatever the input, so the mean absolute gradient over channels is the mean of |w| placed at the field
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3)
    erf = effective_receptive_field(conv, torch.randn(4, 2, 9, 9), (2, 5))
    expected = torch.zeros(9, 9)
    expected[2:5, 5:8] = conv.weight.detach().abs().sum(dim=1).mean(dim=0)
    torch.testing.assert_close(erf, expected)
    one = effective_receptive_field(conv, torch.randn(4, 2, 9, 9), (2, 5), channel=1)
    torch.testing.assert_close(one[2:5, 5:8], conv.weight.detach()[1].abs().sum(dim=0))


def test_equals_the_mean_of_per_image_gradients():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 3, 3))
    images = torch.rand(6, 1, 14, 14)
    erf = effective_receptive_field(model, images, batch_size=4)  # 14 -> 7 -> 5: unit (2, 2)
    per_image = torch.stack([torch.stack([_gradient(model, image, c) for c in range(3)]).mean(dim=0)
                             for image in images])
    torch.testing.assert_close(erf, per_image.mean(dim=0))
    # never outside the analytic field
    top, left, bottom, right = receptive_field(model, images.shape)[-1].input_region((2, 2))
    outside = erf.clone()
    outside[top:bottom, left:right] = 0
    assert erf.sum() > 0 and not outside.any()


def _gradient(model, image, channel):
    try:
        return empirical_receptive_field(model, input=image[None], unit=(2, 2), channel=channel).gradient
    except ValueError:  # every path to the unit passes a ReLU that is off: the gradient is zero
        return torch.zeros(image.shape[-2:])


def test_the_model_is_left_as_it_was():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).train()
    model[0].weight.requires_grad_(False)
    effective_receptive_field(model, torch.rand(3, 1, 8, 8))
    assert model.training and model[1].training
    assert not model[0].weight.requires_grad and model[0].bias.requires_grad
    assert all(p.grad is None for p in model.parameters())
    assert model[1].num_batches_tracked == 0


def test_bad_input():
    conv = nn.Conv2d(1, 2, 3)
    images = torch.rand(2, 1, 8, 8)
    with pytest.raises(ValueError, match=r"unit must be a pair \(i, j\) with 0 <= i < 6"):
        effective_receptive_field(conv, images, (6, 0))
    with pytest.raises(ValueError, match=r"channel must be None or an int in \[0, 2\)"):
        effective_receptive_field(conv, images, channel=2)
    with pytest.raises(ValueError, match="N x C x H x W"):
        effective_receptive_field(conv, images[0])
    with pytest.raises(ValueError, match=r"output must be an N x C x H x W tensor, got \(2, 3\)"):
        effective_receptive_field(nn.Sequential(nn.Flatten(), nn.Linear(64, 3)), images)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        effective_receptive_field(conv, images, batch_size=0)
    with pytest.raises(ValueError, match="must be a torch.nn.Module"):
        effective_receptive_field("conv", images)
