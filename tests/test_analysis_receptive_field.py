"""receptive_field against hand calculations, autograd and published values; empirical_receptive_field; bad input."""
import random

import pytest
import torch
import torchvision
from torch import nn

from cnnbook.analysis import (
    ReceptiveFieldRow,
    ReceptiveFieldTable,
    empirical_receptive_field,
    receptive_field,
    receptive_field_probe,
)


pytestmark = pytest.mark.usefixtures("single_thread")


def _fields(table):
    return [(row.size, row.stride, row.padding) for row in table]


def _thin(chain):
    """The same chain with one channel everywhere: the geometry, hence the receptive field, is unchanged."""
    layers = []
    for layer in chain:
        if isinstance(layer, nn.Conv2d):
            layer = nn.Conv2d(1, 1, layer.kernel_size, layer.stride, layer.padding, layer.dilation)
        elif isinstance(layer, nn.BatchNorm2d):
            layer = nn.BatchNorm2d(1)
        layers.append(layer)
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------- hand calculations


def test_hand_calculations():
    # one 3 x 3 convolution: each unit sees 3 x 3 pixels; padding 1 starts unit 0's field at pixel -1
    assert _fields(receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3, padding=1)), (1, 1, 8, 8))) == [(3, 1, 1)]
    # two 3 x 3 convolutions see 5 x 5, three see 7 x 7 (the argument for VGG's stacks of 3 x 3 kernels)
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3) for _ in range(3)])
    assert [row.size for row in receptive_field(stack, (1, 1, 16, 16))] == [3, 5, 7]
    # a stride-2 layer doubles the step of everything after it:
    # conv 3, stride 2, pad 1 -> r = 3, S = 2, P = 1; then conv 3, pad 1 -> r = 3 + 2 * 2 = 7, P = 1 + 1 * 2 = 3
    chain = nn.Sequential(nn.Conv2d(1, 1, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(1, 1, 3, padding=1))
    assert _fields(receptive_field(chain, (1, 1, 16, 16))) == [(3, 2, 1), (3, 2, 1), (7, 2, 3)]
    # 2 x 2 pooling then a 3 x 3 convolution: r = 2 + (3 - 1) * 2 = 6
    chain = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(1, 1, 3))
    assert _fields(receptive_field(chain, (1, 1, 16, 16))) == [(2, 2, 0), (6, 2, 0)]
    # a dilated 3-tap kernel with dilation 2 spans 5 pixels; two of them 9
    chain = nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2), nn.Conv2d(1, 1, 3, dilation=2))
    assert [row.size for row in receptive_field(chain, (1, 1, 16, 16))] == [5, 9]


def test_output_sizes_and_regions_by_hand():
    chain = nn.Sequential(nn.Conv2d(3, 8, 5, stride=2, padding=2), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
    table = receptive_field(chain, (1, 3, 32, 32))
    last = table[-1]
    assert last.output_size == (8, 8)  # 32 -> 16 -> 8
    # r = 5 + (2 - 1) * 2 = 7, S = 4, P = 2: unit (i, j) sees rows 4i - 2 .. 4i + 4
    assert (last.size, last.stride, last.padding) == (7, 4, 2)
    assert last.input_region((0, 0)) == (-2, -2, 5, 5)
    assert last.input_region((0, 0), clip_to=(32, 32)) == (0, 0, 5, 5)
    assert last.input_region((3, 5)) == (10, 18, 17, 25)
    assert last.center((3, 5)) == (13.0, 21.0)


def test_non_square_layers_give_pairs():
    chain = nn.Sequential(nn.Conv2d(1, 1, (3, 5), stride=(1, 2), padding=(1, 2)), nn.Conv2d(1, 1, 3))
    table = receptive_field(chain, (1, 1, 20, 30))
    # layer 1: r = (3, 5), S = (1, 2), P = (1, 2); layer 2 adds (3 - 1) * S: r = (5, 9)
    assert _fields(table) == [((3, 5), (1, 2), (1, 2)), ((5, 9), (1, 2), (1, 2))]
    assert [row.output_size for row in table] == [(20, 15), (18, 13)]
    # square layers on a non-square input keep ints
    square = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3)), (1, 1, 20, 30))
    assert square[0].size == 3 and square[0].output_size == (18, 28)


def test_same_padding_with_an_even_kernel_and_padding_layers():
    # PyTorch's padding="same" with a 4-tap kernel pads 1 pixel at the start and 2 at the end
    table = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 4, padding="same")), (1, 1, 9, 9))
    assert _fields(table) == [(4, 1, 1)] and table[0].output_size == (9, 9)
    # ZeroPad2d takes (left, right, top, bottom); only the start (top, left) moves the fields
    table = receptive_field(nn.Sequential(nn.ZeroPad2d((1, 2, 3, 0)), nn.Conv2d(1, 1, 3)), (1, 1, 9, 9))
    assert _fields(table) == [((1, 1), (1, 1), (3, 1)), ((3, 3), (1, 1), (3, 1))]
    assert table[-1].output_size == (10, 10)


def test_single_layer_and_nested_chains():
    table = receptive_field(nn.Conv2d(1, 1, 5), (1, 1, 9, 9))
    assert len(table) == 1 and table[0].name == "" and table[0].size == 5
    nested = nn.Sequential(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Sequential(nn.ReLU(), nn.Conv2d(1, 1, 3))))
    table = receptive_field(nested, (1, 9, 9))  # (C, H, W) is accepted as well
    assert [row.name for row in table] == ["0.0", "0.1.0", "0.1.1"]
    assert [row.size for row in table] == [3, 3, 5]


# ----------------------------------------------------------------------------- published values


def test_vgg16_matches_the_published_receptive_field():
    # Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks", Distill 2019,
    # and their library's table (github.com/google-research/receptive_field, README):
    # vgg_16: receptive field 212, effective stride 32, effective padding 90 (at pool5, the end of
    # the convolutional part). conv5_3 alone: 196 = 212 - (2 - 1) * 16.
    with torch.device("meta"):  # no weights needed: the geometry is enough
        features = torchvision.models.vgg16().features
    table = receptive_field(features, (1, 3, 224, 224))
    assert len(table) == 31
    conv5_3, pool5 = table[28], table[30]
    assert (conv5_3.kind, conv5_3.size, conv5_3.stride, conv5_3.padding) == ("Conv2d", 196, 16, 90)
    assert (pool5.kind, pool5.size, pool5.stride, pool5.padding) == ("MaxPool2d", 212, 32, 90)
    assert pool5.output_size == (7, 7)


def test_alexnet_matches_the_published_receptive_field():
    # Same table: alexnet_v2: receptive field 195, effective stride 32, effective padding 64 at pool5
    # (conv5 alone: 163 = 195 - (3 - 1) * 16). torchvision's AlexNet pads its first layer by 2 pixels
    # where TF-slim's alexnet_v2 pads it by none, which moves the effective padding by 2 * 1 = 2.
    with torch.device("meta"):
        features = torchvision.models.alexnet().features
    table = receptive_field(features, (1, 3, 224, 224))
    conv5, pool5 = table[10], table[12]
    assert (conv5.kind, conv5.size, conv5.stride) == ("Conv2d", 163, 16)
    assert (pool5.kind, pool5.size, pool5.stride) == ("MaxPool2d", 195, 32)
    assert features[0].padding == (2, 2) and pool5.padding - 2 == 64
    assert pool5.output_size == (6, 6)


@pytest.mark.parametrize("builder, input_size, index", [
    (torchvision.models.vgg16, 224, 30),
    (torchvision.models.alexnet, 227, 12),  # 227: the input size at which a pool5 field fits inside
])
def test_published_networks_analytic_equals_empirical(builder, input_size, index):
    with torch.device("meta"):
        features = builder().features
    thin = _thin(features)
    row = receptive_field(thin, (1, 1, input_size, input_size))[index]
    unit = (row.output_size[0] // 2, row.output_size[1] // 2)
    measured = empirical_receptive_field(receptive_field_probe(thin), (1, 1, input_size, input_size), unit)
    region = row.input_region(unit)
    assert 0 <= region[0] and region[2] <= input_size  # the centre unit's field lies inside the image
    assert measured.box == region
    assert measured.size == (row.size, row.size)
    top, left, bottom, right = region
    assert measured.support[top:bottom, left:right].all()  # no holes: every pixel of the field counts
    assert measured.support.sum() == row.size ** 2


# ----------------------------------------------------------------------------- random chains


def _random_chain(rng):
    layers = []
    for _ in range(rng.randint(2, 6)):
        kind = rng.choice(["conv", "conv", "same", "max", "avg", "pad", "pointwise"])
        if kind == "conv":
            k = (rng.randint(1, 4), rng.randint(1, 4))
            layers.append(nn.Conv2d(1, 1, k, (rng.randint(1, 2), rng.randint(1, 2)),
                                    (rng.randint(0, 2), rng.randint(0, 2)), (rng.randint(1, 2), rng.randint(1, 2))))
        elif kind == "same":
            layers.append(nn.Conv2d(1, 1, rng.choice([2, 3, 4]), padding="same", dilation=rng.randint(1, 2)))
        elif kind == "max":
            k = rng.randint(2, 3)
            layers.append(nn.MaxPool2d(k, rng.randint(1, 3), rng.randint(0, k // 2), rng.randint(1, 2),
                                       ceil_mode=rng.random() < 0.5))
        elif kind == "avg":
            k = rng.randint(2, 3)
            layers.append(nn.AvgPool2d(k, rng.randint(1, 2), rng.randint(0, k // 2), ceil_mode=rng.random() < 0.5))
        elif kind == "pad":
            layers.append(nn.ZeroPad2d(tuple(rng.randint(0, 2) for _ in range(4))))
        else:
            layers.append(rng.choice([nn.ReLU(), nn.BatchNorm2d(1), nn.Dropout(), nn.Identity()]))
    return nn.Sequential(*layers)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_random_chains_match_pytorch_shapes_and_the_gradient_support():
    rng = random.Random(0)
    compared_units = refused = 0
    for _ in range(160):
        chain = _random_chain(rng)
        size = (rng.randint(12, 40), rng.randint(12, 40))
        try:
            table = receptive_field(chain, (1, 1, *size))
        except ValueError:
            with pytest.raises(RuntimeError):  # too small for some layer: PyTorch must refuse it as well
                chain.eval()(torch.zeros(1, 1, *size))
            refused += 1
            continue
        x = torch.zeros(1, 1, *size)
        for layer, row in zip(chain, table):  # output sizes == the shapes PyTorch produces
            x = layer.eval()(x)
            assert row.output_size == tuple(x.shape[-2:])
        probe = receptive_field_probe(chain)
        last = table[-1]
        for unit in {(0, 0), (last.output_size[0] // 2, last.output_size[1] // 2),
                     (last.output_size[0] - 1, last.output_size[1] - 1), (0, last.output_size[1] - 1)}:
            top, left, bottom, right = last.input_region(unit, clip_to=size)
            inside = last.input_region(unit) == (top, left, bottom, right)
            try:
                measured = empirical_receptive_field(probe, (1, 1, *size), unit)
            except ValueError:  # a unit at the border that sees padding only: no pixel reaches it
                assert not inside
                continue
            m_top, m_left, m_bottom, m_right = measured.box
            # the gradient never leaves the analytic field ...
            assert top <= m_top and left <= m_left and m_bottom <= bottom and m_right <= right
            # ... and reaches its edges when the field lies inside the input (near a border, some
            # of the field is padding, which no pixel fills)
            if inside:
                assert measured.box == (top, left, bottom, right)
                compared_units += 1
    assert compared_units > 100 and refused > 5  # both branches exercised


# ----------------------------------------------------------------------------- empirical receptive field


def test_random_positive_weights_give_the_analytic_support_without_a_probe():
    # With positive weights and a positive input, every ReLU is on and nothing vanishes; average
    # pooling spreads the gradient over its whole window. So the model as it is shows its field.
    torch.manual_seed(0)
    chain = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
                          nn.Conv2d(3, 2, 3, dilation=2), nn.ReLU(), nn.Conv2d(2, 1, 3))
    with torch.no_grad():
        for layer in chain:
            if isinstance(layer, nn.Conv2d):
                layer.weight.uniform_(0.1, 1.0)
                layer.bias.fill_(0.1)
    table = receptive_field(chain, (1, 1, 40, 40))
    assert table[-1].size == 2 + 1 * 2 + 4 * 2 + 2 * 2 == 16  # pool 2, then conv 3 at step 2, dilated conv, conv
    x = torch.rand(1, 1, 40, 40) + 0.1
    measured = empirical_receptive_field(chain, input=x)
    assert measured.unit == (7, 7)  # 40 -> 40 -> 20 -> 16 -> 14: the centre of 14 x 14
    assert measured.box == table[-1].input_region(measured.unit)
    assert measured.size == (16, 16)


def test_max_pooling_hides_part_of_the_field_from_the_gradient():
    # A max pool passes the gradient to one input of each window only, so on the model as it is the
    # support is smaller than the field; the probe (window sums) shows all of it.
    torch.manual_seed(0)
    chain = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3, padding=1),
                          nn.MaxPool2d(2))
    with torch.no_grad():
        for layer in chain[::2]:
            layer.weight.fill_(1.0)
            layer.bias.zero_()
    row = receptive_field(chain, (1, 1, 32, 32))[-1]
    top, left, bottom, right = row.input_region((4, 4))
    as_is = empirical_receptive_field(chain, (1, 1, 32, 32), (4, 4))
    probed = empirical_receptive_field(receptive_field_probe(chain), (1, 1, 32, 32), (4, 4))
    inside = torch.zeros(32, 32, dtype=torch.bool)
    inside[top:bottom, left:right] = True
    assert not (as_is.support & ~inside).any()  # still never outside the field
    assert as_is.support.sum() < row.size ** 2 == probed.support.sum() == 100
    assert probed.box == (top, left, bottom, right)


class _Residual(nn.Module):
    """x + conv(conv(x)): two paths, the longer one sets the field."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.ReLU(), nn.Conv2d(1, 1, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


def test_probe_and_empirical_field_work_on_models_that_are_not_chains():
    model = _Residual()
    measured = empirical_receptive_field(receptive_field_probe(model), (1, 1, 15, 15))
    assert measured.unit == (7, 7) and measured.box == (5, 5, 10, 10)  # 5 x 5 around the centre
    gradient = measured.gradient
    # in the probe the gradient counts paths: the centre pixel has 3 x 3 = 9 through the two
    # convolutions and 1 through the skip connection
    assert gradient[7, 7] == 10 and gradient[5, 5] == 1
    with pytest.raises(ValueError, match="_Residual, which defines its own forward"):
        receptive_field(model, (1, 1, 15, 15))


def test_probe_leaves_the_original_untouched():
    chain = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2))
    state = {k: v.clone() for k, v in chain.state_dict().items()}
    probe = receptive_field_probe(chain)
    assert all(torch.equal(state[k], v) for k, v in chain.state_dict().items())
    assert isinstance(chain[1], nn.BatchNorm2d) and isinstance(probe[1], nn.Identity)
    assert probe[0].weight.dtype == torch.float64 and bool((probe[0].weight == 1).all())
    assert chain.training and not probe.training


def test_empirical_restores_the_mode_and_leaves_no_gradients():
    chain = nn.Sequential(nn.Conv2d(1, 1, 3), nn.BatchNorm2d(1))
    empirical_receptive_field(chain, (2, 1, 8, 8))
    assert chain.training and all(p.grad is None for p in chain.parameters())


# ----------------------------------------------------------------------------- bad input


def test_a_resnet_is_refused_with_a_clear_message():
    with torch.device("meta"):
        resnet = torchvision.models.resnet18()
    with pytest.raises(ValueError, match=r"needs a chain of layers.*got a ResNet.*skip connections"):
        receptive_field(resnet, (1, 3, 224, 224))
    chain = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool, resnet.layer1)
    with pytest.raises(ValueError, match=r"layer '4\.0' is a BasicBlock.*its own forward"):
        receptive_field(chain, (1, 3, 224, 224))


@pytest.mark.parametrize("layer, reason", [
    (nn.Linear(4, 4), "mix every position"),
    (nn.Flatten(), "mix every position"),
    (nn.AdaptiveAvgPool2d(1), "depends on the size of its input"),
    (nn.ConvTranspose2d(1, 1, 2, stride=2), "changes the resolution"),
    (nn.Upsample(scale_factor=2), "changes the resolution"),
    (nn.GroupNorm(1, 1), "statistics computed over all positions"),
    (nn.Conv1d(1, 1, 3), "not a 2-D layer"),
    (nn.MultiheadAttention(4, 1), "its own forward"),
])
def test_layers_it_cannot_reason_about_are_named(layer, reason):
    chain = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Sequential(nn.ReLU(), layer))
    with pytest.raises(ValueError, match=rf"layer '1\.1' is a {type(layer).__name__}.*{reason}.*Expected Conv2d"):
        receptive_field(chain, (1, 1, 16, 16))


def test_bad_shapes_and_empty_models():
    chain = nn.Sequential(nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) or \(C, H, W\), got \(224, 224\)"):
        receptive_field(chain, (224, 224))
    with pytest.raises(ValueError, match="positive integers"):
        receptive_field(chain, (1, 1, 0, 8))
    with pytest.raises(ValueError, match="no layers"):
        receptive_field(nn.Sequential(), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="must be a torch.nn.Module"):
        receptive_field("vgg16", (1, 3, 224, 224))
    with torch.device("meta"):
        features = torchvision.models.vgg16().features
    with pytest.raises(ValueError, match=r"input 16 x 16 is too small for layer '30' \(MaxPool2d\)"):
        receptive_field(features, (1, 3, 16, 16))
    row = receptive_field(chain, (1, 1, 8, 8))[-1]
    for unit in [(6, 0), (0, -1), (1,), (1.0, 2)]:
        with pytest.raises(ValueError, match=r"unit must be a pair \(i, j\) with 0 <= i < 6"):
            row.input_region(unit)


def test_empirical_bad_input():
    chain = nn.Sequential(nn.Conv2d(1, 2, 3))
    with pytest.raises(ValueError, match="got neither"):
        empirical_receptive_field(chain)
    with pytest.raises(ValueError, match="disagrees"):
        empirical_receptive_field(chain, (1, 1, 8, 8), input=torch.zeros(1, 1, 9, 9))
    with pytest.raises(ValueError, match="input_shape must be \\(N, C, H, W\\)"):
        empirical_receptive_field(chain, (1, 8, 8))
    with pytest.raises(ValueError, match="N x C x H x W tensor"):
        empirical_receptive_field(chain, input=torch.zeros(8, 8))
    with pytest.raises(ValueError, match=r"output must be an N x C x H x W tensor, got \(1, 3\)"):
        empirical_receptive_field(nn.Sequential(nn.Flatten(), nn.Linear(64, 3)), (1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"unit must be a pair \(i, j\) with 0 <= i < 6"):
        empirical_receptive_field(chain, (1, 1, 8, 8), (6, 0))
    with pytest.raises(ValueError, match=r"channel must be an int in \[0, 2\)"):
        empirical_receptive_field(chain, (1, 1, 8, 8), channel=2)
    with pytest.raises(ValueError, match="zero everywhere"):  # every ReLU off
        empirical_receptive_field(nn.ReLU(), input=-torch.ones(1, 1, 5, 5))


# ----------------------------------------------------------------------------- rendering


def test_table_is_a_list_that_renders():
    table = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.MaxPool2d(2)), (1, 1, 10, 12))
    assert isinstance(table, list) and isinstance(table, ReceptiveFieldTable) and len(table) == 3
    assert isinstance(table[-1], ReceptiveFieldRow) and table.input_size == (10, 12)
    text = str(table)
    assert text == repr(table)
    assert text.splitlines()[0].split() == ["Layer", "Type", "Output", "size", "Receptive", "field", "Stride",
                                             "Padding"]
    assert "4 x 5" in text and "Input size: 10 x 12" in text
    assert table._repr_html_().count("<tr>") == 4
    frame = table.to_frame()
    assert list(frame["size"]) == [3, 3, 4] and list(frame["stride"]) == [1, 1, 2]


class _SkippingSequential(nn.Sequential):
    """Looks like a chain but its forward adds a skip connection."""

    def forward(self, x):
        return x + super().forward(x)


def test_sequential_subclasses_count_as_chains_only_with_sequential_forward():
    from torchvision.ops import Conv2dNormActivation  # an nn.Sequential subclass with Sequential's forward

    block = Conv2dNormActivation(1, 1, 3, stride=2)
    table = receptive_field(nn.Sequential(block, nn.Conv2d(1, 1, 3)), (1, 1, 16, 16))
    assert [row.kind for row in table] == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d"]
    assert table[-1].size == 3 + 2 * 2
    with pytest.raises(ValueError, match=r"layer '0' is a _SkippingSequential.*its own forward"):
        receptive_field(nn.Sequential(_SkippingSequential(nn.Conv2d(1, 1, 3, padding=1))), (1, 1, 8, 8))


# ----------------------------------------------------------------------------- until: a chain followed by a head


def _classifier():
    features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Sequential(nn.Conv2d(2, 2, 3), nn.ReLU()))
    return nn.Sequential(features, nn.Flatten(), nn.Linear(2 * 6 * 6, 3))


def test_until_stops_before_a_head_that_is_not_local():
    model = _classifier()
    with pytest.raises(ValueError, match="layer '1' is a Flatten"):
        receptive_field(model, (1, 1, 16, 16))
    whole = receptive_field(model[0], (1, 1, 16, 16))
    table = receptive_field(model, (1, 1, 16, 16), until="0.3.1")
    assert [row.name for row in table] == ["0.0", "0.1", "0.2", "0.3.0", "0.3.1"]
    assert _fields(table) == _fields(whole) and table[-1].output_size == (6, 6)
    # naming a nested chain stops after its last layer; naming an early layer stops there
    assert [row.name for row in receptive_field(model, (1, 1, 16, 16), until="0")] == [row.name for row in table]
    assert [row.name for row in receptive_field(model, (1, 1, 16, 16), until="0.3")] == [row.name for row in table]
    early = receptive_field(model, (1, 1, 16, 16), until="0.2")
    assert [row.name for row in early] == ["0.0", "0.1", "0.2"] and early[-1].size == 4


def test_until_errors():
    model = _classifier()
    with pytest.raises(ValueError, match=r"until='0\.9' names no layer of the model; expected one of '0', '0\.0'"):
        receptive_field(model, (1, 1, 16, 16), until="0.9")
    with pytest.raises(ValueError, match="until must be the qualified name"):
        receptive_field(model, (1, 1, 16, 16), until=3)
    # a layer after the head is never reached: the head is refused first
    with pytest.raises(ValueError, match="layer '1' is a Flatten"):
        receptive_field(model, (1, 1, 16, 16), until="2")
    with pytest.raises(ValueError, match="needs a chain of layers"):
        receptive_field(nn.Conv2d(1, 1, 3), (1, 1, 8, 8), until="0")
