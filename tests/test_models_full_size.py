"""Full-size AlexNet, VGG and ResNet against torchvision's definitions of the same architectures.

Counting parameters and comparing names and shapes needs no memory: both
networks are built on PyTorch's ``meta`` device, where tensors have shapes but
no storage, which also lets a 224 x 224 forward pass check the output shape
for free. A few networks are then built for real, loaded with torchvision's
weights and run, which checks that the layers do the same computation.
"""
import pytest
import torch
import torchvision.models as tvm
from torch import nn

from cnnbook import models

# our builder, torchvision's builder, torchvision's published parameter count for 1,000 classes
ARCHITECTURES = {
    "alexnet": (models.alexnet, tvm.alexnet, 61_100_840),
    "vgg11": (lambda: models.vgg(11), tvm.vgg11, 132_863_336),
    "vgg11_bn": (lambda: models.vgg(11, batch_norm=True), tvm.vgg11_bn, 132_868_840),
    "vgg13": (lambda: models.vgg(13), tvm.vgg13, 133_047_848),
    "vgg13_bn": (lambda: models.vgg(13, batch_norm=True), tvm.vgg13_bn, 133_053_736),
    "vgg16": (lambda: models.vgg(16), tvm.vgg16, 138_357_544),
    "vgg16_bn": (lambda: models.vgg(16, batch_norm=True), tvm.vgg16_bn, 138_365_992),
    "vgg19": (lambda: models.vgg(19), tvm.vgg19, 143_667_240),
    "vgg19_bn": (lambda: models.vgg(19, batch_norm=True), tvm.vgg19_bn, 143_678_248),
    "resnet18": (models.resnet18, tvm.resnet18, 11_689_512),
    "resnet34": (models.resnet34, tvm.resnet34, 21_797_672),
    "resnet50": (models.resnet50, tvm.resnet50, 25_557_032),
    "resnet101": (lambda: models.resnet(101), tvm.resnet101, 44_549_160),
    "resnet152": (lambda: models.resnet(152), tvm.resnet152, 60_192_808),
}


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope="module", params=list(ARCHITECTURES))
def meta_pair(request):
    """(name, ours, torchvision's), both built without storage on the meta device."""
    ours, theirs, _ = ARCHITECTURES[request.param]
    with torch.device("meta"):
        return request.param, ours(), theirs(weights=None)


def test_parameter_count_equals_torchvision(meta_pair):
    name, ours, theirs = meta_pair
    assert count(ours) == count(theirs) == ARCHITECTURES[name][2]


def test_parameters_per_stage_equal_torchvision(meta_pair):
    _, ours, theirs = meta_pair
    ours_children = {n: count(m) for n, m in ours.named_children()}
    theirs_children = {n: count(m) for n, m in theirs.named_children()}
    assert ours_children == theirs_children


def test_parameter_and_buffer_names_and_shapes_equal_torchvision(meta_pair):
    _, ours, theirs = meta_pair
    ours_state = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    theirs_state = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert ours_state == theirs_state


def test_imagenet_input_gives_1000_logits(meta_pair):
    _, ours, _ = meta_pair
    assert ours(torch.empty(1, 3, 224, 224, device="meta")).shape == (1, 1000)


# one of each kind of block (names, shapes and counts of all of them are compared above)
REAL = ["alexnet", "vgg11_bn", "resnet18", "resnet50"]


@pytest.mark.parametrize("name", REAL)
def test_same_computation_as_torchvision_with_its_weights(name):
    ours_builder, theirs_builder, _ = ARCHITECTURES[name]
    torch.manual_seed(0)
    theirs = theirs_builder(weights=None).eval()
    ours = ours_builder().eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    size = 64 if name == "alexnet" else 32  # the smallest sizes all their layers accept, to save time
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("builder", [models.alexnet, models.resnet18], ids=["alexnet", "resnet18"])
def test_a_real_224_forward_pass(builder):
    torch.manual_seed(0)
    model = builder().eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 224, 224))
    assert logits.shape == (1, 1000) and torch.isfinite(logits).all()


def test_shortcuts_are_the_general_builders():
    with torch.device("meta"):
        pairs = [(models.vgg16(), models.vgg(16)), (models.vgg11(batch_norm=True), models.vgg(11, True)),
                 (models.vgg13(), models.vgg(13)), (models.vgg19(), models.vgg(19)),
                 (models.resnet18(), models.resnet(18)), (models.resnet34(), models.resnet(34)),
                 (models.resnet50(), models.resnet(50))]
    for shortcut, general in pairs:
        assert [(k, v.shape) for k, v in shortcut.state_dict().items()] == \
            [(k, v.shape) for k, v in general.state_dict().items()]


def test_num_classes_changes_only_the_last_layer():
    with torch.device("meta"):
        for builder in (models.alexnet, models.vgg16, models.resnet50):
            thousand, ten = builder(), builder(num_classes=10)
            last_in = list(ten.modules())[-1].in_features
            assert count(thousand) - count(ten) == 990 * (last_in + 1)
            assert ten(torch.empty(2, 3, 224, 224, device="meta")).shape == (2, 10)


def test_vgg_stacks_are_the_papers_configurations():
    for depth, stages in models.VGG_STAGES.items():
        assert sum(len(stage) for stage in stages) + 3 == depth
        assert len(stages) == 5


def test_resnet_bottleneck_has_stride_on_the_3x3_and_a_projection_shortcut():
    with torch.device("meta"):
        model = models.resnet50()
    first = model.layer2[0]
    assert isinstance(first, models.Bottleneck)
    assert first.conv1.stride == (1, 1) and first.conv2.stride == (2, 2)
    assert isinstance(first.downsample[0], nn.Conv2d) and first.downsample[0].kernel_size == (1, 1)


def test_zero_init_residual_makes_every_block_start_as_the_identity():
    torch.manual_seed(0)
    model = models.resnet18(zero_init_residual=True).eval()
    assert all(block.bn2.weight.abs().sum() == 0 for stage in model.stages() for block in stage)
    block = model.layer1[1]
    x = torch.rand(2, 64, 8, 8)  # non-negative, like the ReLU outputs a block receives
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)
    bottleneck = models.resnet(50, zero_init_residual=True).layer1[0]
    assert bottleneck.bn3.weight.abs().sum() == 0


@pytest.mark.parametrize("call, message", [
    (lambda: models.vgg(15), r"depth must be one of \[11, 13, 16, 19\], got 15"),
    (lambda: models.vgg("16"), r"depth must be one of \[11, 13, 16, 19\], got '16'"),
    (lambda: models.resnet(20), r"depth must be one of \[18, 34, 50, 101, 152\], got 20"),
    (lambda: models.alexnet(num_classes=0), r"num_classes must be a positive integer, got 0"),
    (lambda: models.alexnet(dropout=1.5), r"dropout must be a number in \[0, 1\), got 1.5"),
    (lambda: models.vgg(16, num_classes=-3), r"num_classes must be a positive integer, got -3"),
])
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        with torch.device("meta"):
            call()


def test_wrong_channel_count_is_refused_before_the_convolution():
    with torch.device("meta"):
        model = models.resnet18()
        with pytest.raises(ValueError, match=r"N x 3 x H x W, got shape \(1, 1, 224, 224\)"):
            model(torch.empty(1, 1, 224, 224))
