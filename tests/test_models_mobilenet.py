"""MobileNet v2 against torchvision's, and the depthwise separable blocks against their cost formulas."""
from fractions import Fraction

import pytest
import torch
import torchvision.models as tvm
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnbook.models import (DepthwiseSeparableConv, InvertedResidual, make_divisible, mobilenet_v2, small_strided_convnet,
                            small_mobilenet_v2)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("width_mult", [1.0, 0.5, 1.4])
def test_mobilenet_v2_matches_torchvision_names_and_shapes(width_mult):
    with torch.device("meta"):
        ours, theirs = mobilenet_v2(width_mult=width_mult), tvm.mobilenet_v2(width_mult=width_mult)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.state_dict().items()}
    assert count(ours) == count(theirs)


def test_mobilenet_v2_parameter_count_is_torchvisions_published_one():
    with torch.device("meta"):
        assert count(mobilenet_v2()) == 3_504_872
        assert count(mobilenet_v2(num_classes=10)) == 3_504_872 - 1281 * 990


def test_torchvision_weights_load_and_compute_the_same():
    torch.manual_seed(0)
    theirs = tvm.mobilenet_v2().eval()
    ours = mobilenet_v2().eval()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)


def test_make_divisible_rounds_like_the_reference():
    assert [make_divisible(v) for v in (16 * 0.35, 32 * 0.5, 24 * 1.4, 1280 * 1.0)] == [8, 16, 32, 1280]
    assert make_divisible(10.0) == 16  # 8 would be more than 10% below 10


def test_inverted_residual_uses_the_identity_only_where_shapes_allow():
    assert InvertedResidual(16, 16, 1, 6).use_residual
    assert not InvertedResidual(16, 24, 1, 6).use_residual and not InvertedResidual(16, 16, 2, 6).use_residual
    block = InvertedResidual(8, 8, 1, 6)
    nn.init.zeros_(block.conv[-1].weight)          # last BN's scale at 0: the branch outputs 0
    x = torch.randn(2, 8, 5, 5)
    assert torch.equal(block(x), x)
    assert not isinstance(block.conv[-1], (nn.ReLU, nn.ReLU6))   # the projection is linear
    with pytest.raises(ValueError, match="stride"):
        InvertedResidual(8, 8, 3, 6)


def test_separable_flop_ratio_is_exactly_one_over_n_plus_one_over_k_squared():
    m, n, k, size = 12, 20, 3, 9
    x = torch.randn(1, m, size, size)
    standard = nn.Conv2d(m, n, k, padding=1, bias=False)
    block = DepthwiseSeparableConv(m, n)
    pair = nn.Sequential(block.depthwise[0], block.pointwise[0])    # the two convolutions alone
    flops = {}
    for name, layer in (("standard", standard), ("separable", pair)):
        with FlopCounterMode(display=False) as counter:
            layer(x)
        flops[name] = counter.get_total_flops()
    assert flops["standard"] == 2 * m * n * k * k * size * size
    assert Fraction(flops["separable"], flops["standard"]) == Fraction(1, n) + Fraction(1, k * k)


def test_small_models_run_and_separable_is_cheaper():
    x = torch.randn(3, 1, 28, 28)
    assert small_mobilenet_v2()(x).shape == (3, 10)
    standard, separable = small_strided_convnet(), small_strided_convnet(separable=True)
    assert standard(x).shape == separable(x).shape == (3, 10)
    assert count(separable) < count(standard) / 4


@pytest.mark.parametrize("call, message", [
    (lambda: mobilenet_v2(width_mult=0), "width_mult"),
    (lambda: small_strided_convnet(widths=(16,)), "widths"),
    (lambda: small_mobilenet_v2(width=0), "width"),
])
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_channels_raise_a_clear_error():
    with pytest.raises(ValueError, match="3 x H x W"):
        mobilenet_v2(num_classes=10)(torch.randn(1, 1, 32, 32))
