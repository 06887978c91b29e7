"""Attention modules against their formulas and against PyTorch's own implementations."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.models import (MultiHeadSelfAttention, PatchEmbedding, SpatialAttention, SqueezeExcitation,
                            VisionTransformer, attention, patchify, permute_patches, small_attention_cnn, small_vit)


def test_squeeze_excitation_gate_follows_its_formula():
    torch.manual_seed(0)
    se = SqueezeExcitation(32, reduction=8)
    x = torch.randn(4, 32, 6, 5)
    z = x.mean(dim=(2, 3))
    expected = torch.sigmoid(se.fc2.weight @ torch.relu(se.fc1.weight @ z.T + se.fc1.bias[:, None])
                             + se.fc2.bias[:, None]).T
    torch.testing.assert_close(se.gate(x), expected)
    assert se.fc1.out_features == 4
    gate = se.gate(x)
    assert ((gate > 0) & (gate < 1)).all()
    torch.testing.assert_close(se(x), x * expected[:, :, None, None])


def test_spatial_attention_map_follows_its_formula():
    torch.manual_seed(0)
    sa = SpatialAttention(7)
    x = torch.randn(2, 16, 9, 11)
    pooled = torch.stack([x.mean(1), x.max(1).values], dim=1)
    expected = torch.sigmoid(F.conv2d(pooled, sa.conv.weight, sa.conv.bias, padding=3))
    torch.testing.assert_close(sa.map(x), expected)
    assert sa.map(x).shape == (2, 1, 9, 11)
    torch.testing.assert_close(sa(x), x * expected)
    with pytest.raises(ValueError, match="odd"):
        SpatialAttention(4)


def test_hand_written_attention_equals_pytorch():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    out, weights = attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5))
    with pytest.raises(ValueError, match="last dimension"):
        attention(q, torch.randn(2, 3, 7, 6), v)


def test_multi_head_self_attention_equals_torch_multihead_attention():
    torch.manual_seed(0)
    dim, heads = 16, 4
    ours = MultiHeadSelfAttention(dim, heads)
    theirs = nn.MultiheadAttention(dim, heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(ours.qkv.weight)
        theirs.in_proj_bias.copy_(ours.qkv.bias)
        theirs.out_proj.weight.copy_(ours.out.weight)
        theirs.out_proj.bias.copy_(ours.out.bias)
    x = torch.randn(3, 10, dim)
    expected, expected_weights = theirs(x, x, x, average_attn_weights=False)
    torch.testing.assert_close(ours(x), expected)
    torch.testing.assert_close(ours.weights(x), expected_weights)


def test_patch_embedding_by_strided_convolution_equals_unfold_and_linear():
    torch.manual_seed(0)
    embed = PatchEmbedding(3, 4, 10)
    images = torch.randn(2, 3, 12, 8)
    linear = nn.Linear(3 * 16, 10)
    with torch.no_grad():
        linear.weight.copy_(embed.proj.weight.reshape(10, -1))
        linear.bias.copy_(embed.proj.bias)
    torch.testing.assert_close(embed(images), linear(patchify(images, 4)))
    assert patchify(images, 4).shape == (2, 6, 48)
    with pytest.raises(ValueError, match="multiple"):
        patchify(images, 5)


def test_permute_patches_moves_whole_patches():
    images = torch.arange(2 * 16, dtype=torch.float32).reshape(1, 2, 4, 4)
    permutation = torch.tensor([3, 2, 1, 0])
    shuffled = permute_patches(images, 2, permutation)
    torch.testing.assert_close(patchify(shuffled, 2), patchify(images, 2)[:, permutation])
    with pytest.raises(ValueError, match="permutation"):
        permute_patches(images, 2, torch.tensor([0, 0, 1, 2]))


def test_without_position_embedding_a_vit_ignores_the_order_of_patches():
    torch.manual_seed(0)
    images = torch.randn(3, 1, 28, 28)
    permutation = torch.randperm(16, generator=torch.Generator().manual_seed(1))
    shuffled = permute_patches(images, 7, permutation)
    plain = small_vit(position_embedding=False).eval()
    # the patch tokens are permuted with the patches (equivariance), the class token is unchanged (invariance)
    encoded, encoded_shuffled = plain.encode(images), plain.encode(shuffled)
    torch.testing.assert_close(encoded_shuffled[:, 1:], encoded[:, 1:][:, permutation], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(plain(shuffled), plain(images), rtol=1e-4, atol=1e-5)
    positioned = small_vit(position_embedding=True).eval()
    assert not torch.allclose(positioned(shuffled), positioned(images), rtol=1e-3, atol=1e-3)


def test_vit_attention_maps_are_row_stochastic():
    vit = small_vit()
    maps = vit.attention_maps(torch.randn(2, 1, 28, 28))
    assert len(maps) == 2 and maps[0].shape == (2, 2, 17, 17)
    torch.testing.assert_close(maps[-1].sum(-1), torch.ones(2, 2, 17))


@pytest.mark.parametrize("kind", [None, "se", "spatial"])
def test_small_attention_cnn_runs(kind):
    model = small_attention_cnn(attention_kind=kind)
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    has = {type(m) for m in model.modules()}
    assert (SqueezeExcitation in has) == (kind == "se") and (SpatialAttention in has) == (kind == "spatial")


@pytest.mark.parametrize("call, message", [
    (lambda: small_attention_cnn(attention_kind="cbam"), "attention_kind"),
    (lambda: VisionTransformer(28, 5), "patch_size"),
    (lambda: MultiHeadSelfAttention(10, 3), "multiple of heads"),
    (lambda: small_vit()(torch.randn(1, 1, 32, 32)), "28 x 28"),
])
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
