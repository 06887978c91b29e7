"""The small two-stage CNN (cnnbook.models.small_cnn)."""
import pytest
import torch
from torch import nn

from cnnbook.models import small_cnn, small_cnn_feature_size


def reference() -> nn.Sequential:
    # The network written out by hand: two conv-ReLU-pool stages and one linear layer.
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )


def test_default_is_the_two_stage_network_with_20490_parameters():
    model = small_cnn()
    assert sum(p.numel() for p in model.parameters()) == 20_490
    assert [name for name, _ in model.named_children()] == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc"]
    expected = reference()
    expected.load_state_dict(dict(zip(expected.state_dict(), model.state_dict().values())))
    x = torch.randn(3, 1, 28, 28)
    torch.testing.assert_close(model(x), expected(x))


@pytest.mark.parametrize("options, size", [
    (dict(), (32, 7)), (dict(padding=0), (32, 5)), (dict(kernel_size=5, padding=0), (32, 4)),
    (dict(stride=2, pool=False), (32, 7)), (dict(dilation=2, padding=2), (32, 7)),
    (dict(widths=(8, 16, 32)), (32, 3)), (dict(image_size=32, in_channels=3), (32, 8)),
])
def test_the_linear_layer_fits_every_variant(options, size):
    model = small_cnn(**options)
    image_size, channels = options.get("image_size", 28), options.get("in_channels", 1)
    out = model[:-1](torch.zeros(2, channels, image_size, image_size))
    assert out.shape == (2, size[0] * size[1] ** 2) == (2, model.fc.in_features)
    geometry = {k: v for k, v in options.items() if k not in ("in_channels", "widths", "image_size")}
    assert small_cnn_feature_size(image_size, options.get("widths", (16, 32)), **geometry) == size
    assert model(torch.zeros(2, channels, image_size, image_size)).shape == (2, 10)


@pytest.mark.parametrize("call, message", [
    (lambda: small_cnn(in_channels=0), r"in_channels must be a positive integer, got 0"),
    (lambda: small_cnn(widths=()), r"widths must list at least one stage"),
    (lambda: small_cnn(widths=(16, -1)), r"widths\[1\] must be a positive integer, got -1"),
    (lambda: small_cnn(padding=-1), r"padding must be a non-negative integer, got -1"),
    (lambda: small_cnn(image_size=4, widths=(8, 8, 8)), r"output is not empty"),
])
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
