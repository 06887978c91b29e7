"""The small CPU variants: shapes on MNIST- and CIFAR-sized inputs, depth arithmetic, the plain twin."""
import pytest
import torch
from torch import nn

from cnnbook import models

SMALL = {
    "small_alexnet": models.small_alexnet,
    "small_vgg": models.small_vgg,
    "small_vgg_bn": lambda **kw: models.small_vgg(batch_norm=True, **kw),
    "small_resnet20": lambda **kw: models.small_resnet(20, **kw),
    "small_resnet20_B": lambda **kw: models.small_resnet(20, shortcut="B", **kw),
    "small_resnet29_bottleneck": lambda **kw: models.small_resnet(29, block="bottleneck", **kw),
    "small_plainnet20": lambda **kw: models.small_plainnet(20, **kw),
}


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("name", list(SMALL))
@pytest.mark.parametrize("in_channels, size", [(1, 28), (3, 32)])
def test_forward_shapes(name, in_channels, size):
    torch.manual_seed(0)
    model = SMALL[name](in_channels=in_channels, num_classes=10)
    logits = model(torch.randn(2, in_channels, size, size))
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()


@pytest.mark.parametrize("name", list(SMALL))
def test_width_and_classes_are_honoured(name):
    narrow, wide = SMALL[name](width=8, num_classes=5), SMALL[name](width=16, num_classes=5)
    assert count(narrow) < count(wide)
    assert narrow(torch.randn(1, 1, 28, 28)).shape == (1, 5)


@pytest.mark.parametrize("name", list(SMALL))
def test_small_variants_stay_small(name):
    assert count(SMALL[name]()) < 400_000


def test_small_alexnet_keeps_alexnets_layer_pattern():
    model = models.small_alexnet()
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    pools = [m for m in model.features if isinstance(m, nn.MaxPool2d)]
    assert len(convs) == 5 and len([m for m in model.classifier if isinstance(m, nn.Linear)]) == 3
    assert all(p.kernel_size == 3 and p.stride == 2 for p in pools)  # overlapping pooling
    assert sum(isinstance(m, nn.Dropout) for m in model.classifier) == 2
    assert [c.out_channels for c in convs] == [16, 32, 48, 48, 32]


def test_small_vgg_uses_only_3x3_convolutions_and_counts_its_weight_layers():
    model = models.small_vgg(convs_per_stage=(1, 2, 3))
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs)
    assert len(convs) + len(linears) == 1 + 2 + 3 + 3
    assert [c.out_channels for c in convs] == [16, 32, 32, 64, 64, 64]


@pytest.mark.parametrize("depth, block", [(20, "basic"), (32, "basic"), (56, "basic"), (29, "bottleneck")])
def test_small_resnet_depth_counts_its_weight_layers(depth, block):
    model = models.small_resnet(depth, block=block)
    main_path_convs = [m for name, m in model.named_modules()
                       if isinstance(m, nn.Conv2d) and "downsample" not in name]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(main_path_convs) + len(linears) == depth
    assert len(model.stages()) == 3 and isinstance(model.maxpool, nn.Identity)


def test_small_resnet_feature_maps_shrink_28_14_7():
    model = models.small_resnet(20)
    shapes = []
    hooks = [stage.register_forward_hook(lambda m, a, out: shapes.append(tuple(out.shape))) for stage in model.stages()]
    model(torch.randn(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    assert shapes == [(1, 16, 28, 28), (1, 32, 14, 14), (1, 64, 7, 7)]


@pytest.mark.parametrize("depth", [20, 32])
def test_plain_and_residual_have_the_same_parameters_with_zero_padding_shortcuts(depth):
    residual, plain = models.small_resnet(depth), models.small_plainnet(depth)
    assert count(residual) == count(plain)
    assert [(k, v.shape) for k, v in residual.state_dict().items()] == \
        [(k, v.shape) for k, v in plain.state_dict().items()]


def test_projection_shortcuts_are_the_only_extra_parameters():
    residual, plain = models.small_resnet(20, shortcut="B", width=16), models.small_plainnet(20, width=16)
    projections = sum(count(m.downsample) for stage in residual.stages() for m in stage if m.downsample is not None)
    # two projections: 16 -> 32 and 32 -> 64 channels, each a 1x1 convolution and a batch normalisation
    assert projections == (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64) == 2_752
    assert count(residual) - count(plain) == projections


def test_plain_network_has_no_shortcut_and_computes_something_else():
    torch.manual_seed(0)
    residual, plain = models.small_resnet(20).eval(), models.small_plainnet(20).eval()
    plain.load_state_dict(residual.state_dict())  # the very same weights
    assert not any(isinstance(m, models.ZeroPadShortcut) for m in plain.modules())
    assert all(not block.residual for stage in plain.stages() for block in stage)
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        assert not torch.allclose(residual(x), plain(x))


def test_zero_padding_shortcut_subsamples_and_appends_zero_channels():
    shortcut = models.ZeroPadShortcut(2, 5, stride=2)
    x = torch.arange(2 * 4 * 4, dtype=torch.float32).view(1, 2, 4, 4)
    out = shortcut(x)
    assert out.shape == (1, 5, 2, 2)
    torch.testing.assert_close(out[:, :2], x[:, :, ::2, ::2])
    assert out[:, 2:].abs().sum() == 0
    assert list(shortcut.parameters()) == []


def test_residual_block_with_a_silent_branch_is_the_identity_and_plain_block_is_zero():
    residual = models.BasicBlock(8, 8).eval()
    plain = models.BasicBlock(8, 8, residual=False).eval()
    for block in (residual, plain):
        nn.init.zeros_(block.bn2.weight)
    x = torch.rand(2, 8, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(residual(x), x)
        assert plain(x).abs().sum() == 0


@pytest.mark.parametrize("call, message", [
    (lambda: models.small_resnet(21), r"6n \+ 2 for n >= 1 \(8, 14, 20, 26, \.\.\.\), got 21"),
    (lambda: models.small_resnet(21, block="bottleneck"), r"9n \+ 2 for n >= 1 \(11, 20, 29, 38, \.\.\.\), got 21"),
    (lambda: models.small_resnet(2), r"6n \+ 2.*got 2"),
    (lambda: models.small_resnet(20, block="wide"), r"block must be one of \['basic', 'bottleneck'\], got 'wide'"),
    (lambda: models.small_resnet(20, shortcut="C"), r"shortcut must be one of \['A', 'B'\], got 'C'"),
    (lambda: models.small_plainnet(20, width=0), r"width must be a positive integer, got 0"),
    (lambda: models.small_vgg(width=2.5), r"width must be a positive integer, got 2.5"),
    (lambda: models.small_vgg(convs_per_stage=()), r"convs_per_stage needs at least one stage"),
    (lambda: models.small_alexnet(in_channels=0), r"in_channels must be a positive integer, got 0"),
    (lambda: models.small_resnet(20, residual=False, zero_init_residual=True), r"needs residual=True"),
])
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_an_unbatched_image_is_refused_clearly():
    with pytest.raises(ValueError, match=r"N x 1 x H x W, got shape \(28, 28\)"):
        models.small_resnet(20)(torch.randn(28, 28))
