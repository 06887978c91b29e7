"""small_convnet: a flat nn.Sequential of conv stages with the documented shapes and checks."""
import pytest
import torch
from torch import nn

from cnnbook.analysis import summary
from cnnbook.models import small_convnet


@pytest.mark.parametrize("widths, hidden, size", [((16, 32, 64), None, 28), ((8, 16), 32, 32), ((4,), None, 8)])
def test_shapes_and_layers(widths, hidden, size):
    net = small_convnet(3, 7, widths, hidden=hidden, image_size=size)
    assert isinstance(net, nn.Sequential)
    assert net(torch.rand(2, 3, size, size)).shape == (2, 7)
    assert [m.out_channels for m in net if isinstance(m, nn.Conv2d)] == list(widths)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    side = size // 2 ** len(widths)
    assert linears[0].in_features == widths[-1] * side * side
    assert len(linears) == (1 if hidden is None else 2)


def test_parameter_count_by_hand():
    net = small_convnet(widths=(16, 32, 64), hidden=256)
    by_hand = (9 * 16 + 16) + (9 * 16 * 32 + 32) + (9 * 32 * 64 + 64) + (576 * 256 + 256) + (256 * 10 + 10)
    assert summary(net, (1, 1, 28, 28)).total_params == by_hand == 173_578


@pytest.mark.parametrize("kwargs, match", [
    (dict(widths=()), "widths"), (dict(widths=(8, 0)), "widths"), (dict(hidden=0), "hidden"),
    (dict(in_channels=0), "in_channels"), (dict(image_size=4), "too small"), (dict(num_classes=True), "num_classes"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        small_convnet(**kwargs)
