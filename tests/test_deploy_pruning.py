"""cnnbook.deploy's pruning and compression: exact sparsity, smaller dense models, int8 + LZMA round trip."""
import copy

import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from cnnbook.deploy import compress_weights, decompress_weights, prune_channels, prune_unstructured, sparsity
from cnnbook.deploy.pruning import count_zeros
from cnnbook.models import small_convnet


def model(seed=0, **kwargs):
    torch.manual_seed(seed)
    return small_convnet(widths=(8, 16, 32), **kwargs).eval()


@pytest.mark.parametrize("amount", [0.0, 0.5, 0.8, 0.9, 0.37])
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_unstructured_pruning_reaches_the_sparsity_exactly(amount, scope):
    net = model()
    before = copy.deepcopy(net)
    prune_unstructured(net, amount, scope=scope)
    zeros, total = count_zeros(net)
    if scope == "global":
        assert zeros == round(amount * total)
    else:
        layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        assert zeros == sum(round(amount * m.weight.numel()) for m in layers)
    roundings = 1 if scope == "global" else sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in net.modules())
    assert sparsity(net) == zeros / total and abs(sparsity(net) - amount) <= 0.5 * roundings / total
    # permanent: no masks, no forward hooks, plain parameters named "weight"
    assert not any(prune.is_pruned(m) for m in net.modules())
    assert all(not hasattr(m, "weight_orig") for m in net.modules())
    # the zeros are the smallest weights: every kept weight is at least as large as every removed one
    for new, old in zip(net.modules(), before.modules()):
        if isinstance(new, (nn.Conv2d, nn.Linear)):
            removed = (new.weight == 0) & (old.weight != 0)
            kept = new.weight != 0
            assert torch.equal(new.weight[kept], old.weight[kept])  # the rest is untouched
            if scope == "layer" and removed.any() and kept.any():
                assert old.weight[removed].abs().max() <= old.weight[kept].abs().min()
    assert torch.equal(net[-1].bias, before[-1].bias)  # biases are not pruned


def test_global_pruning_uses_one_threshold():
    net = model()
    magnitudes = torch.cat([m.weight.abs().flatten() for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))])
    prune_unstructured(net, 0.5)
    kept = torch.cat([m.weight.abs().flatten() for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))])
    threshold = magnitudes.sort().values[round(0.5 * len(magnitudes)) - 1]
    assert kept[kept > 0].min() >= threshold


def test_channel_pruning_returns_a_smaller_dense_model():
    net = model()
    smaller = prune_channels(net, 0.5)
    convs = [m for m in smaller if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [4, 8, 16]
    assert [c.in_channels for c in convs] == [1, 4, 8]
    assert smaller[-1].in_features == 16 * 3 * 3
    full = sum(p.numel() for p in net.parameters())
    assert sum(p.numel() for p in smaller.parameters()) < 0.4 * full
    assert sparsity(smaller) == 0  # dense: nothing is masked, the tensors are smaller
    assert smaller(torch.rand(5, 1, 28, 28)).shape == (5, 10)
    assert [c.out_channels for c in net if isinstance(c, nn.Conv2d)] == [8, 16, 32]  # the input is unchanged


def test_channel_pruning_keeps_the_function_when_removed_channels_are_silent():
    """If the removed filters are zero (and their biases too), the pruned model computes the same logits."""
    net = model(seed=3)
    with torch.no_grad():
        for conv in [m for m in net if isinstance(m, nn.Conv2d)]:
            silent = torch.arange(conv.out_channels) % 2 == 1  # every other filter: half of them
            conv.weight[silent] = 0
            conv.bias[silent] = 0
            conv.weight[~silent] += torch.sign(conv.weight[~silent]) * 1e-3  # keep the others clearly larger
    smaller = prune_channels(net, 0.5)
    x = torch.rand(6, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(smaller(x), net(x), rtol=1e-5, atol=1e-5)


def test_channel_pruning_ranks_filters_by_l1_norm_and_slices_batch_norm():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Sequential(nn.Conv2d(4, 2, 3)),
                        nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([1.0, 5.0, 0.1, 3.0]).view(4, 1, 1, 1).expand(4, 1, 3, 3))
        net[1].running_mean.copy_(torch.arange(4.0))
    smaller = prune_channels(net, 0.5)
    assert smaller[0].out_channels == 2 and torch.equal(smaller[1].running_mean, torch.tensor([1.0, 3.0]))
    remaining = net[3][0].weight[:, [1, 3]]  # the inputs left after the first conv lost channels 0 and 2
    kept = remaining.abs().sum(dim=(1, 2, 3)).argmax()  # the last conv keeps max(1, round(0.5 * 2)) = 1
    assert torch.equal(smaller[3].weight, remaining[kept:kept + 1])  # nested Sequential flattened
    assert smaller[-1].in_features == 1 * 4 * 4
    assert torch.equal(smaller[-1].weight, net[-1].weight[:, kept * 16:(kept + 1) * 16])


def test_compression_round_trip():
    net = model()
    prune_unstructured(net, 0.9)
    blob = compress_weights(net)
    dense_bytes = 4 * sum(t.numel() for t in net.state_dict().values())
    assert len(blob) < 0.1 * dense_bytes  # int8 (4x) and entropy coding of 90% zeros
    restored = decompress_weights(blob, model(seed=5))
    decoded = restored.state_dict()
    for name, a in net.state_dict().items():
        b = decoded[name]
        if a.ndim >= 2:
            step = a.abs().reshape(len(a), -1).amax(1) / 127
            assert ((a - b).abs().reshape(len(a), -1) <= step[:, None] / 2 + 1e-7).all(), name
            assert torch.equal(a == 0, b == 0), name  # zeros stay zeros, nothing else becomes zero
        else:
            assert torch.equal(a, b), name


def test_bad_arguments_raise_value_error():
    net = model()
    for amount in (-0.1, 1.0, 1.5, True, "half"):
        with pytest.raises(ValueError, match="amount"):
            prune_unstructured(net, amount)
        with pytest.raises(ValueError, match="amount"):
            prune_channels(net, amount)
    with pytest.raises(ValueError, match="scope"):
        prune_unstructured(net, 0.5, scope="row")
    with pytest.raises(ValueError, match="no layer"):
        prune_unstructured(nn.Sequential(nn.ReLU()), 0.5)
    with pytest.raises(ValueError, match="Sequential"):
        prune_channels(nn.Conv2d(1, 2, 3), 0.5)
    with pytest.raises(ValueError, match="no Conv2d"):
        prune_channels(nn.Sequential(nn.Linear(2, 2)), 0.5)
    with pytest.raises(ValueError, match="groups"):
        prune_channels(nn.Sequential(nn.Conv2d(2, 4, 3, groups=2), nn.Conv2d(4, 4, 3)), 0.5)
    with pytest.raises(ValueError, match="cannot follow channels through"):
        prune_channels(nn.Sequential(nn.Conv2d(1, 4, 3), nn.LayerNorm(4), nn.Conv2d(4, 4, 3)), 0.5)
    with pytest.raises(ValueError, match="not compressed weights"):
        decompress_weights(b"rubbish", net)
    with pytest.raises(ValueError, match="do not fit"):
        decompress_weights(compress_weights(net), small_convnet(widths=(4, 4, 4)))
    with pytest.raises(ValueError, match="model must be"):
        compress_weights("net")


def test_interleaved_latency_times_every_runner_in_rounds():
    from cnnbook.deploy import interleaved_latency

    calls = []
    times = interleaved_latency({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, warmup=1)
    assert calls == ["a", "b"] * 4  # interleaved: a, b, a, b, ... (one warm-up round)
    assert set(times) == {"a", "b"} and all(len(t) == 3 and (t >= 0).all() for t in times.values())
    for bad in ({}, {"a": 1}):
        with pytest.raises(ValueError, match="runners"):
            interleaved_latency(bad)
    with pytest.raises(ValueError, match="repeats"):
        interleaved_latency({"a": lambda: None}, repeats=0)
    with pytest.raises(ValueError, match="warmup"):
        interleaved_latency({"a": lambda: None}, warmup=-1)
