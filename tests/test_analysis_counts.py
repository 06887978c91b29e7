"""Parameter and multiply-add counts against hand counts, sum(p.numel()) and PyTorch's FLOP counter."""
import random

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnbook.analysis import (
    batchnorm2d_macs,
    batchnorm2d_params,
    conv2d_macs,
    conv2d_params,
    conv_output_size,
    count_parameters,
    layer_macs,
    linear_macs,
    linear_params,
    locally_connected2d_params,
    pool2d_ops,
)


pytestmark = pytest.mark.usefixtures("single_thread")


def _numel(module):
    return sum(p.numel() for p in module.parameters())


def _flops(module, x):
    """FLOPs PyTorch's own counter measures for one call (2 per multiply-add)."""
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


def test_hand_counts():
    # AlexNet's first layer (torchvision): 64 filters of 3 x 11 x 11 weights, plus 64 biases
    assert conv2d_params(3, 64, 11) == 64 * 3 * 11 * 11 + 64 == 23_296
    # ... on a 224 x 224 image: 55 x 55 positions, each 3 * 11 * 11 = 363 multiply-adds per filter
    assert conv2d_macs(3, 64, 11, 55) == 64 * 55 * 55 * 363 == 70_276_800
    # a depthwise 3 x 3 convolution of 32 channels: one 3 x 3 filter per channel
    assert conv2d_params(32, 32, 3, groups=32) == 32 * 9 + 32
    assert conv2d_params(32, 32, 3, groups=32, bias=False) == 288
    assert conv2d_macs(32, 32, 3, 10, groups=32) == 32 * 10 * 10 * 9
    # two groups halve a convolution's weights and multiply-adds
    assert conv2d_params(8, 16, 3, groups=2, bias=False) == conv2d_params(8, 16, 3, bias=False) // 2
    assert conv2d_params(3, 4, (1, 5), bias=False) == 60
    # AlexNet's first fully connected layer: 256 * 6 * 6 inputs to 4096 outputs
    assert linear_params(9216, 4096) == 9216 * 4096 + 4096 == 37_752_832
    assert linear_macs(9216, 4096) == 37_748_736
    assert linear_params(10, 3, bias=False) == 30
    assert batchnorm2d_params(64) == 128 and batchnorm2d_params(64, affine=False) == 0
    assert batchnorm2d_macs(64, (7, 5)) == 64 * 35
    # 2 x 2 max pooling of 4 channels to 8 x 8: 3 comparisons per output
    assert pool2d_ops(4, 2, 8) == 4 * 64 * 3
    # 3 x 3 average pooling: 8 additions and 1 multiplication per output
    assert pool2d_ops(4, 3, (8, 6), kind="avg") == 4 * 48 * 9


def test_parameter_counts_match_pytorch_layers_on_random_cases():
    rng = random.Random(0)
    for _ in range(50):
        groups = rng.choice([1, 1, 2, 3])
        c_in, c_out = groups * rng.randint(1, 4), groups * rng.randint(1, 4)
        kernel = (rng.randint(1, 5), rng.randint(1, 5))
        bias = rng.random() < 0.5
        conv = nn.Conv2d(c_in, c_out, kernel, groups=groups, bias=bias)
        assert conv2d_params(c_in, c_out, kernel, groups=groups, bias=bias) == _numel(conv)
        d_in, d_out = rng.randint(1, 50), rng.randint(1, 50)
        assert linear_params(d_in, d_out, bias=bias) == _numel(nn.Linear(d_in, d_out, bias=bias))
        c = rng.randint(1, 20)
        assert batchnorm2d_params(c, affine=bias) == _numel(nn.BatchNorm2d(c, affine=bias))


class _LocallyConnected2d(nn.Module):
    """A reference locally connected layer: one filter bank per output position (no weight sharing)."""

    def __init__(self, c_in, c_out, kernel, out_size, bias):
        super().__init__()
        (kh, kw), (oh, ow) = kernel, out_size
        self.kernel, self.out_size = kernel, out_size
        self.weight = nn.Parameter(torch.randn(oh * ow, c_out, c_in * kh * kw))
        self.bias = nn.Parameter(torch.randn(c_out, oh, ow)) if bias else None

    def forward(self, x):
        columns = nn.functional.unfold(x, self.kernel)  # N x (C_in k_h k_w) x (H_out W_out)
        out = torch.einsum("nkp,pok->nop", columns, self.weight).reshape(len(x), -1, *self.out_size)
        return out + self.bias if self.bias is not None else out


def test_locally_connected_counts_match_a_reference_layer():
    assert locally_connected2d_params(1, 16, 3, 26) == 26 * 26 * 16 * (9 + 1)
    rng = random.Random(1)
    for _ in range(20):
        c_in, c_out = rng.randint(1, 4), rng.randint(1, 4)
        kernel, size = (rng.randint(1, 4), rng.randint(1, 4)), (rng.randint(5, 9), rng.randint(5, 9))
        out_size = (size[0] - kernel[0] + 1, size[1] - kernel[1] + 1)
        bias = rng.random() < 0.5
        layer = _LocallyConnected2d(c_in, c_out, kernel, out_size, bias)
        assert locally_connected2d_params(c_in, c_out, kernel, out_size, bias=bias) == _numel(layer)
        # the reference is a convolution whose filters differ by position: with equal filters it is one
        conv = nn.Conv2d(c_in, c_out, kernel, bias=bias)
        with torch.no_grad():
            layer.weight.copy_(conv.weight.reshape(c_out, -1).expand_as(layer.weight))
            if bias:
                layer.bias.copy_(conv.bias[:, None, None].expand_as(layer.bias))
        x = torch.randn(2, c_in, *size)
        torch.testing.assert_close(layer(x), conv(x), rtol=1e-5, atol=1e-5)
        # sharing the weights divides the count by the number of positions
        assert locally_connected2d_params(c_in, c_out, kernel, out_size, bias=bias) == \
            out_size[0] * out_size[1] * conv2d_params(c_in, c_out, kernel, bias=bias)
    with pytest.raises(ValueError, match="output_size must be"):
        locally_connected2d_params(1, 2, 3, 0)


def test_running_statistics_are_buffers_not_parameters():
    bn = nn.BatchNorm2d(16)
    assert count_parameters(bn) == batchnorm2d_params(16) == 32
    assert sum(b.numel() for b in bn.buffers()) == 16 + 16 + 1  # mean, variance, batch counter


def test_conv_multiply_adds_match_pytorch_flop_counter_on_random_cases():
    rng = random.Random(1)
    for _ in range(40):
        groups = rng.choice([1, 2])
        c_in, c_out = groups * rng.randint(1, 3), groups * rng.randint(1, 3)
        kernel, stride = (rng.randint(1, 4), rng.randint(1, 4)), (rng.randint(1, 3), rng.randint(1, 3))
        padding, dilation = (rng.randint(0, 2), rng.randint(0, 2)), (rng.randint(1, 2), rng.randint(1, 2))
        size = (rng.randint(8, 14), rng.randint(8, 14))
        conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups=groups)
        x = torch.randn(1, c_in, *size)
        out_size = conv_output_size(size, kernel, stride, padding, dilation)
        macs = conv2d_macs(c_in, c_out, kernel, out_size, groups=groups)
        assert 2 * macs == _flops(conv, x)
        assert layer_macs(conv, (x,), conv(x)) == macs


@pytest.mark.parametrize("module, shape", [
    (nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9, 9)),
    (nn.Conv1d(3, 5, 4, dilation=2), (2, 3, 20)),
    (nn.Conv3d(2, 4, 3, padding=1), (1, 2, 5, 6, 7)),
    (nn.ConvTranspose2d(6, 4, 3, stride=2, groups=2), (2, 6, 5, 7)),
    (nn.ConvTranspose1d(3, 2, 5, stride=3), (1, 3, 8)),
    (nn.Linear(7, 5), (3, 7)),
    (nn.Linear(7, 5, bias=False), (2, 4, 7)),  # applied to every position of a sequence
])
def test_layer_macs_match_pytorch_flop_counter(module, shape):
    x = torch.randn(shape)
    assert 2 * layer_macs(module, (x,), module(x)) == _flops(module, x)


def test_layer_macs_of_layers_without_weights_and_unknown_layers():
    x = torch.randn(2, 3, 8, 8)
    assert layer_macs(nn.BatchNorm2d(3), (x,), x) == x.numel()
    for layer in (nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Dropout(), nn.Flatten()):
        assert layer_macs(layer, (x,), layer(x)) == 0
    # a layer whose cost it does not know is reported as unknown, not as free
    assert layer_macs(nn.GroupNorm(1, 3), (x,), x) is None


def test_count_parameters_matches_numel_and_counts_shared_weights_once():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 30 * 30, 10))
    assert count_parameters(model) == sum(p.numel() for p in model.parameters())
    assert count_parameters(model) == (conv2d_params(3, 8, 3) + batchnorm2d_params(8)
                                       + linear_params(8 * 30 * 30, 10))
    encoder, decoder = nn.Linear(6, 4, bias=False), nn.Linear(4, 6, bias=False)
    tied = nn.Sequential(encoder, decoder)
    decoder.weight = nn.Parameter(encoder.weight.t())  # not shared: a new tensor
    assert count_parameters(tied) == 48
    decoder.weight = encoder.weight  # shared: one tensor in two layers
    assert count_parameters(tied) == 24


def test_count_parameters_trainable_only():
    model = nn.Sequential(nn.Linear(10, 5), nn.Linear(5, 2))
    model[0].requires_grad_(False)
    assert count_parameters(model) == 55 + 12
    assert count_parameters(model, trainable_only=True) == 12


def test_bad_inputs():
    with pytest.raises(ValueError, match="divisible by groups"):
        conv2d_params(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="divisible by groups"):
        conv2d_macs(4, 6, 3, 8, groups=4)
    with pytest.raises(ValueError, match="in_channels must be a positive int"):
        conv2d_params(0, 6, 3)
    with pytest.raises(ValueError, match="kernel_size must be"):
        conv2d_params(3, 6, 2.5)
    with pytest.raises(ValueError, match="out_features must be a positive int"):
        linear_params(3, -1)
    with pytest.raises(ValueError, match='kind must be "max" or "avg"'):
        pool2d_ops(3, 2, 4, kind="min")
    with pytest.raises(ValueError, match="must be a torch.nn.Module"):
        count_parameters([torch.zeros(3)])
    with pytest.raises(ValueError, match="run one forward pass"):
        count_parameters(nn.LazyLinear(4))
