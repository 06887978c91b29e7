"""LeNet-5 against the 1998 paper: layer names, parameter and connection counts, C3's table, the blocks."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.models import (
    C3_CONNECTIONS,
    DIGIT_PROTOTYPES,
    LENET5_PAPER_CONNECTIONS,
    LENET5_PAPER_PARAMETERS,
    EuclideanRBF,
    PartiallyConnectedConv2d,
    ScaledTanh,
    TrainableSubsampling,
    c3_connection_table,
    lenet5,
    lenet5_input,
    map_criterion,
)

LAYERS = ["C1", "S2", "C3", "S4", "C5", "F6", "output"]


@pytest.fixture(scope="module")
def faithful():
    torch.manual_seed(0)
    return lenet5("faithful")


def test_paper_table_matches_the_totals_the_paper_states():
    # Section II.B: "340,908 connections, but only 60,000 trainable free parameters".
    assert sum(LENET5_PAPER_PARAMETERS.values()) == 60_000
    assert sum(LENET5_PAPER_CONNECTIONS.values()) == 340_908


def test_faithful_layers_are_named_as_in_the_paper(faithful):
    assert [name for name, _ in faithful.named_children()] == LAYERS


def test_faithful_parameter_counts_equal_the_paper_per_layer(faithful):
    counts = faithful.parameter_counts()
    assert counts == LENET5_PAPER_PARAMETERS
    assert counts == {"C1": 156, "S2": 12, "C3": 1_516, "S4": 32, "C5": 48_120, "F6": 10_164, "output": 0}
    assert sum(p.numel() for p in faithful.parameters() if p.requires_grad) == 60_000


def test_faithful_connection_counts_equal_the_paper_per_layer(faithful):
    assert faithful.connection_counts() == LENET5_PAPER_CONNECTIONS


def test_faithful_shapes_layer_by_layer(faithful):
    x = torch.randn(2, 1, 32, 32)
    expected = {"C1": (2, 6, 28, 28), "S2": (2, 6, 14, 14), "C3": (2, 16, 10, 10), "S4": (2, 16, 5, 5),
                "C5": (2, 120, 1, 1), "F6": (2, 84), "output": (2, 10)}
    seen = {}
    hooks = [getattr(faithful, name).register_forward_hook(
        lambda m, a, out, name=name: seen.__setitem__(name, tuple(out.shape))) for name in LAYERS]
    try:
        assert faithful(x).shape == (2, 10)
    finally:
        for hook in hooks:
            hook.remove()
    assert seen == expected


def test_faithful_uses_the_papers_pieces(faithful):
    kinds = {type(m) for m in faithful.modules()}
    assert {ScaledTanh, TrainableSubsampling, PartiallyConnectedConv2d, EuclideanRBF} <= kinds
    assert nn.ReLU not in kinds and nn.MaxPool2d not in kinds


def test_c3_table_is_the_papers_table_one():
    table = c3_connection_table()
    assert table.shape == (6, 16) and table.dtype == torch.bool
    assert table.sum().item() == 60
    assert table.sum(dim=0).tolist() == [3] * 6 + [4] * 9 + [6]
    assert table.sum(dim=1).tolist() == [10] * 6  # each S2 map feeds ten C3 maps
    # rows of the paper's Table I (X marks), S2 map 0 and S2 map 5
    assert table[0].nonzero().flatten().tolist() == [0, 4, 5, 6, 9, 10, 11, 12, 14, 15]
    assert table[5].nonzero().flatten().tolist() == [3, 4, 5, 8, 9, 10, 11, 13, 14, 15]
    for output_map, input_maps in enumerate(C3_CONNECTIONS):
        assert sorted(table[:, output_map].nonzero().flatten().tolist()) == sorted(input_maps)


def test_c3_parameters_come_from_its_table(faithful):
    c3 = faithful.C3[0]
    assert c3.weight.shape == (60, 5, 5)  # one 5x5 kernel per X of Table I
    assert c3.bias.shape == (16,)
    assert 60 * 25 + 16 == 1_516


def test_partial_connection_equals_per_map_convolutions():
    torch.manual_seed(1)
    table = c3_connection_table()
    layer = PartiallyConnectedConv2d(table, 5)
    x = torch.randn(3, 6, 14, 14)
    out = layer(x)
    assert out.shape == (3, 16, 10, 10)
    kernels = {(int(i), int(j)): layer.weight[k] for k, (i, j) in
               enumerate(zip(layer.input_index, layer.output_index))}
    for j in range(16):
        expected = layer.bias[j].expand(3, 1, 10, 10).clone()
        for i in table[:, j].nonzero().flatten().tolist():
            expected = expected + F.conv2d(x[:, i:i + 1], kernels[(i, j)].view(1, 1, 5, 5))
        torch.testing.assert_close(out[:, j:j + 1], expected, rtol=1e-5, atol=1e-5)


def test_c3_map_ignores_unconnected_s2_maps():
    torch.manual_seed(2)
    layer = PartiallyConnectedConv2d(c3_connection_table(), 5)
    x = torch.randn(1, 6, 14, 14)
    changed = x.clone()
    changed[:, 3] += 10.0  # S2 map 3 feeds C3 maps 1, 2, 3 but not map 0
    before, after = layer(x), layer(changed)
    torch.testing.assert_close(before[:, 0], after[:, 0])
    assert not torch.allclose(before[:, 1], after[:, 1])


def test_dense_weight_is_zero_where_the_table_has_no_connection():
    layer = PartiallyConnectedConv2d(c3_connection_table(), 5)
    dense = layer.dense_weight()
    assert dense.shape == (16, 6, 5, 5)
    unconnected = ~c3_connection_table().T  # 16 x 6
    assert dense[unconnected].abs().sum() == 0
    assert (dense[~unconnected].abs().sum(dim=(-1, -2)) > 0).all()


def test_full_c3_option_for_comparison():
    model = lenet5("faithful", c3_table=False)
    assert isinstance(model.C3[0], nn.Conv2d)
    assert model.parameter_counts()["C3"] == 16 * (6 * 25 + 1) == 2_416
    assert sum(model.parameter_counts().values()) == 60_000 + 900


def test_every_trainable_parameter_gets_a_gradient(faithful):
    faithful.zero_grad()
    scores = faithful(lenet5_input(torch.rand(4, 1, 28, 28)))
    F.cross_entropy(scores, torch.tensor([0, 1, 2, 3])).backward()
    for name, parameter in faithful.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
    faithful.zero_grad()


def test_scaled_tanh_maps_plus_minus_one_to_themselves():
    f = ScaledTanh()
    values = f(torch.tensor([-1.0, 0.0, 1.0]))
    torch.testing.assert_close(values, torch.tensor([-1.0, 0.0, 1.0]), atol=1e-4, rtol=0)
    assert f(torch.tensor(100.0)).item() == pytest.approx(1.7159)


def test_trainable_subsampling_sums_windows_then_scales_and_shifts():
    layer = TrainableSubsampling(2)
    with torch.no_grad():
        layer.coefficient.copy_(torch.tensor([0.5, -1.0]))
        layer.bias.copy_(torch.tensor([1.0, 0.0]))
    x = torch.arange(32, dtype=torch.float32).view(1, 2, 4, 4)
    window_sums = torch.tensor([[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]],
                               dtype=torch.float32)
    expected = torch.stack([0.5 * window_sums + 1.0, -1.0 * (window_sums + 64)]).unsqueeze(0)
    torch.testing.assert_close(layer(x), expected)
    assert sum(p.numel() for p in layer.parameters()) == 4


def test_rbf_prototypes_are_fixed_plus_minus_one_drawings():
    assert DIGIT_PROTOTYPES.shape == (10, 84)
    assert set(DIGIT_PROTOTYPES.unique().tolist()) == {-1.0, 1.0}
    differing_pixels = (DIGIT_PROTOTYPES.unsqueeze(0) != DIGIT_PROTOTYPES.unsqueeze(1)).sum(-1)
    off_diagonal = differing_pixels[~torch.eye(10, dtype=torch.bool)]
    assert off_diagonal.min() >= 12  # any two digits differ in twelve pixels at least
    layer = EuclideanRBF(DIGIT_PROTOTYPES)
    assert list(layer.parameters()) == []
    assert "prototypes" in layer.state_dict()


def test_rbf_scores_are_minus_squared_distances():
    layer = EuclideanRBF(DIGIT_PROTOTYPES)
    x = torch.randn(5, 84)
    expected = -torch.cdist(x, DIGIT_PROTOTYPES).pow(2)
    torch.testing.assert_close(layer(x), expected, rtol=1e-4, atol=1e-3)
    scores = layer(DIGIT_PROTOTYPES)
    assert scores.argmax(dim=1).tolist() == list(range(10))
    torch.testing.assert_close(scores.diagonal(), torch.zeros(10))


def test_map_criterion_is_the_papers_equation_nine():
    torch.manual_seed(3)
    scores = -torch.rand(4, 10) * 20
    targets = torch.tensor([1, 0, 9, 3])
    j = 2.0
    penalties = -scores
    by_hand = torch.stack([
        penalties[n, targets[n]] + torch.log(math.exp(-j) + torch.exp(-penalties[n]).sum())
        for n in range(4)]).mean()
    torch.testing.assert_close(map_criterion(scores, targets, j=j), by_hand)
    # as j grows, the rubbish class vanishes and the criterion is the cross-entropy
    torch.testing.assert_close(map_criterion(scores, targets, j=200.0), F.cross_entropy(scores, targets))


def test_faithful_initialisation_is_uniform_within_2_4_over_fan_in(faithful):
    fresh = lenet5("faithful")
    assert fresh.C1[0].weight.abs().max() <= 2.4 / 25
    assert fresh.C5[0].weight.abs().max() <= 2.4 / 400
    assert fresh.F6[0].weight.abs().max() <= 2.4 / 120
    c3 = fresh.C3[0]
    bounds = (2.4 / c3.fan_in().float())[c3.output_index]
    assert (c3.weight.abs().amax(dim=(1, 2)) <= bounds).all()
    assert fresh.C1[0].weight.abs().max() > 0.5 * 2.4 / 25  # spread over the range, not near zero


def test_modern_variant_uses_relu_max_pooling_and_a_linear_output():
    model = lenet5("modern")
    kinds = {type(m) for m in model.modules()}
    assert {nn.ReLU, nn.MaxPool2d} <= kinds
    assert not kinds & {ScaledTanh, TrainableSubsampling, PartiallyConnectedConv2d, EuclideanRBF}
    assert isinstance(model.output, nn.Linear)
    assert [name for name, _ in model.named_children()] == LAYERS
    counts = model.parameter_counts()
    assert counts == {"C1": 156, "S2": 0, "C3": 2_416, "S4": 0, "C5": 48_120, "F6": 10_164, "output": 850}


@pytest.mark.parametrize("input_size", [28, 32])
@pytest.mark.parametrize("variant", ["faithful", "modern"])
def test_forward_shapes_on_28_and_32(variant, input_size):
    model = lenet5(variant, input_size=input_size)
    assert model(torch.randn(3, 1, input_size, input_size)).shape == (3, 10)


def test_modern_with_other_class_counts_and_channels():
    model = lenet5("modern", num_classes=7, in_channels=3, input_size=32)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 7)


def test_wrong_input_size_is_refused_with_the_expected_size():
    model = lenet5("faithful")
    with pytest.raises(ValueError, match=r"32 x 32 images, got shape \(1, 1, 28, 28\)"):
        model(torch.randn(1, 1, 28, 28))
    with pytest.raises(ValueError, match=r"N x 1 x H x W.*\(1, 3, 32, 32\)"):
        model(torch.randn(1, 3, 32, 32))


@pytest.mark.parametrize("kwargs, message", [
    ({"variant": "classic"}, r"variant must be one of \['faithful', 'modern'\], got 'classic'"),
    ({"input_size": 30}, r"input_size must be one of \[32, 28\], got 30"),
    ({"output": "softmax"}, r"output must be one of \['rbf', 'linear'\], got 'softmax'"),
    ({"num_classes": 26}, r"num_classes must be 10, got 26"),
    ({"num_classes": 0, "output": "linear"}, r"num_classes must be a positive integer, got 0"),
])
def test_bad_arguments_raise_value_errors_naming_the_accepted_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lenet5(**kwargs)


def test_partial_connection_rejects_an_unconnected_output_map():
    table = c3_connection_table()
    table[:, 7] = False
    with pytest.raises(ValueError, match=r"table columns \[7\] are empty"):
        PartiallyConnectedConv2d(table, 5)
    with pytest.raises(ValueError, match="bool tensor"):
        PartiallyConnectedConv2d(table.float(), 5)


def test_lenet5_input_pads_and_rescales_like_the_paper():
    images = torch.zeros(2, 1, 28, 28)
    images[:, :, 10, 10] = 1.0
    prepared = lenet5_input(images)
    assert prepared.shape == (2, 1, 32, 32)
    assert prepared[0, 0, 0, 0].item() == pytest.approx(-0.1)  # padded border: background
    assert prepared[0, 0, 12, 12].item() == pytest.approx(1.175)  # full ink, moved by the 2-pixel pad
    assert prepared.min().item() == pytest.approx(-0.1)
    with pytest.raises(ValueError, match=r"N x C x 28 x 28, got shape \(2, 1, 32, 32\)"):
        lenet5_input(prepared)
