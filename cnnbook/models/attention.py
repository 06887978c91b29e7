"""Attention for convolutional networks: channel, spatial, and self-attention over patches.

Three ways to let a network weight its own features by what they contain:

- :class:`SqueezeExcitation` (Hu, Shen and Sun, 2018): *channel* attention.
  Squeeze each channel to one number by global average pooling, ``z = GAP(x)``
  (``N x C``); excite with two fully connected layers,
  ``s = sigmoid(W2 relu(W1 z))`` with ``W1: C -> C/r`` and ``W2: C/r -> C``;
  rescale, ``y_c = s_c x_c``. Every gate ``s_c`` lies in ``(0, 1)``.
- :class:`SpatialAttention` (Woo, Park, Lee and Kweon, 2018, CBAM's spatial
  module): pool *across* channels, the mean and the maximum at each pixel
  (``N x 2 x H x W``), convolve with one ``k x k`` filter (``k = 7`` in the
  paper), ``M = sigmoid(conv([mean; max]))`` (``N x 1 x H x W``, in
  ``(0, 1)``), and rescale every channel by it, ``y = M * x``.
- Self-attention (Vaswani et al., 2017) over image patches, as in the vision
  transformer (Dosovitskiy et al., 2021): :func:`attention` is
  ``softmax(Q K^T / sqrt(d)) V``; :class:`PatchEmbedding` cuts an image into
  ``P x P`` patches and maps each to a ``D``-dimensional token (a strided
  convolution, equal to :func:`patchify` followed by a linear map);
  :class:`MultiHeadSelfAttention`, :class:`TransformerBlock` and
  :class:`VisionTransformer` build a small ViT. Without its position
  embedding, a ViT's patch tokens are a *set*: permuting the patches permutes
  the tokens' outputs and leaves the class token's output unchanged.

:func:`small_attention_cnn` and :func:`small_vit` are CPU-sized networks for
28 x 28 images that use these modules.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import check_choice, check_images, as_int

__all__ = [
    "ATTENTION_KINDS",
    "MultiHeadSelfAttention",
    "PatchEmbedding",
    "SpatialAttention",
    "SqueezeExcitation",
    "TransformerBlock",
    "VisionTransformer",
    "attention",
    "patchify",
    "permute_patches",
    "small_attention_cnn",
    "small_vit",
]

#: the attention modules :func:`small_attention_cnn` can insert after each block.
ATTENTION_KINDS = (None, "se", "spatial")


def _check_maps(name: str, x: torch.Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name} expects feature maps N x C x H x W, got shape {tuple(x.shape)}")


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation: rescale each channel by a gate computed from all channels' means.

    Args:
        channels: ``C``, channels of the input.
        reduction: ``r``; the hidden layer has ``max(1, C // r)`` units (16 in the paper).

    Shape:
        input ``N x C x H x W`` -> output of the same shape; :meth:`gate` gives ``N x C``.
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        as_int("channels", channels)
        as_int("reduction", reduction)
        self.channels = channels
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def gate(self, x: torch.Tensor) -> torch.Tensor:
        """The excitation ``s = sigmoid(fc2(relu(fc1(mean_{H,W} x))))``, shape ``N x C``, values in ``(0, 1)``."""
        _check_maps("SqueezeExcitation", x)
        if x.shape[1] != self.channels:
            raise ValueError(f"SqueezeExcitation expects {self.channels} channels, got {x.shape[1]}")
        squeezed = x.mean(dim=(2, 3))
        return torch.sigmoid(self.fc2(F.relu(self.fc1(squeezed))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)[:, :, None, None]


class SpatialAttention(nn.Module):
    """CBAM's spatial attention: one ``k x k`` convolution over the channel-wise mean and maximum, a sigmoid.

    Args:
        kernel_size: ``k``, odd (7 in the paper); padding ``k // 2`` keeps the size.

    Shape:
        input ``N x C x H x W`` -> output of the same shape; :meth:`map` gives ``N x 1 x H x W``.
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        as_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def map(self, x: torch.Tensor) -> torch.Tensor:
        """The attention map ``sigmoid(conv([mean_c x; max_c x]))``, shape ``N x 1 x H x W``, values in ``(0, 1)``."""
        _check_maps("SpatialAttention", x)
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(pooled))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.map(x)


def attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention, written out: ``softmax(Q K^T / sqrt(d)) V``.

    Args:
        query: ``... x T_q x d``.
        key: ``... x T_k x d``.
        value: ``... x T_k x d_v``.

    Returns:
        ``(output, weights)``: ``... x T_q x d_v`` and the attention weights
        ``... x T_q x T_k`` (each row is non-negative and sums to 1).

    Raises:
        ValueError: if the last dimensions of query and key differ, or key and value have different lengths.
    """
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"query and key need the same last dimension, got {query.shape[-1]} and {key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value need the same length, got {key.shape[-2]} and {value.shape[-2]}")
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
    weights = scores.softmax(dim=-1)
    return weights @ value, weights


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut images into non-overlapping ``P x P`` patches, each flattened: ``N x C x H x W -> N x T x (C P P)``.

    ``T = (H / P)(W / P)`` patches in row-major order (left to right, top to
    bottom); each patch is flattened channel first, then row, then column
    (the order of ``torch.nn.functional.unfold`` and of a convolution weight).

    Raises:
        ValueError: if ``H`` or ``W`` is not a multiple of ``patch_size``.
    """
    _check_maps("patchify", images)
    if images.shape[-2] % patch_size or images.shape[-1] % patch_size:
        raise ValueError(f"image size {tuple(images.shape[-2:])} is not a multiple of patch_size={patch_size}")
    return F.unfold(images, kernel_size=patch_size, stride=patch_size).transpose(1, 2)


def permute_patches(images: torch.Tensor, patch_size: int, permutation: torch.Tensor) -> torch.Tensor:
    """Rearrange the ``P x P`` patches of images: patch ``i`` of the result is patch ``permutation[i]`` of the input.

    Shape: ``N x C x H x W`` -> the same shape.

    Raises:
        ValueError: if the size is not a multiple of ``patch_size`` or ``permutation`` is not one of the patches.
    """
    patches = F.unfold(images, kernel_size=patch_size, stride=patch_size)  # N x (C P P) x T
    count = patches.shape[-1]
    if sorted(permutation.tolist()) != list(range(count)):
        raise ValueError(f"permutation must rearrange the {count} patches 0..{count - 1}")
    return F.fold(patches[:, :, permutation], images.shape[-2:], kernel_size=patch_size, stride=patch_size)


class PatchEmbedding(nn.Module):
    """Map each ``P x P`` patch of an image to a ``D``-dimensional token with one strided convolution.

    A convolution with kernel ``P`` and stride ``P`` applies the same linear map
    to every patch: it equals :func:`patchify` followed by ``nn.Linear(C P P, D)``
    whose weight is the convolution's weight reshaped to ``D x (C P P)``.

    Shape:
        ``N x C x H x W`` -> ``N x T x D`` with ``T = (H / P)(W / P)``.
    """

    def __init__(self, in_channels: int, patch_size: int, dim: int) -> None:
        super().__init__()
        as_int("patch_size", patch_size)
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        _check_maps("PatchEmbedding", images)
        if images.shape[-2] % self.patch_size or images.shape[-1] % self.patch_size:
            raise ValueError(f"image size {tuple(images.shape[-2:])} is not a multiple of "
                             f"patch_size={self.patch_size}")
        return self.proj(images).flatten(2).transpose(1, 2)


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention over a sequence of tokens, using :func:`attention`.

    One linear layer makes queries, keys and values (``D -> 3 D``), split into
    ``heads`` heads of ``D / heads`` dimensions; each head attends on its own;
    the heads are concatenated and mixed by a linear layer ``D -> D``.

    Shape:
        ``N x T x D`` -> ``N x T x D``; :meth:`weights` gives ``N x heads x T x T``.
    """

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        as_int("dim", dim)
        as_int("heads", heads)
        if dim % heads:
            raise ValueError(f"dim must be a multiple of heads, got dim={dim}, heads={heads}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def _attend(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if tokens.ndim != 3:
            raise ValueError(f"expected tokens N x T x D, got shape {tuple(tokens.shape)}")
        n, t, d = tokens.shape
        q, k, v = self.qkv(tokens).reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        mixed, weights = attention(q, k, v)                      # N x heads x T x d/heads, N x heads x T x T
        return self.out(mixed.transpose(1, 2).reshape(n, t, d)), weights

    def weights(self, tokens: torch.Tensor) -> torch.Tensor:
        """The attention weights ``N x heads x T x T`` (row ``i``: how token ``i`` weights every token)."""
        return self._attend(tokens)[1]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self._attend(tokens)[0]


class TransformerBlock(nn.Module):
    """A pre-norm transformer encoder block (as in ViT): ``x + MSA(LN(x))``, then ``x + MLP(LN(x))``.

    The MLP is ``Linear(D, mlp_ratio D)``, GELU, ``Linear(mlp_ratio D, D)``.

    Shape:
        ``N x T x D`` -> ``N x T x D``.
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: int = 2) -> None:
        super().__init__()
        as_int("mlp_ratio", mlp_ratio)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MultiHeadSelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        tokens = tokens + self.attn(self.norm1(tokens))
        return tokens + self.mlp(self.norm2(tokens))


class VisionTransformer(nn.Module):
    """A vision transformer: patch tokens, a class token, position embeddings, encoder blocks, a linear head.

    ``tokens = [cls; PatchEmbedding(x)] + pos`` (``pos`` learned, one vector
    per position, left out when ``position_embedding=False``), then ``depth``
    :class:`TransformerBlock`, a final layer normalisation, and a linear layer
    on the class token's output.

    Args:
        image_size: side of the square input images.
        patch_size: side of the square patches; must divide ``image_size``.
        in_channels: channels of the images.
        num_classes: number of outputs.
        dim: token dimension ``D``.
        depth: number of encoder blocks.
        heads: attention heads per block.
        mlp_ratio: hidden width of each block's MLP, as a multiple of ``D``.
        position_embedding: add learned position embeddings to the tokens.

    Shape:
        ``N x in_channels x image_size x image_size`` -> ``N x num_classes`` logits.
    """

    def __init__(self, image_size: int, patch_size: int, in_channels: int = 3, num_classes: int = 10,
                 dim: int = 64, depth: int = 4, heads: int = 4, mlp_ratio: int = 2,
                 position_embedding: bool = True) -> None:
        super().__init__()
        for name, value in (("image_size", image_size), ("patch_size", patch_size), ("depth", depth),
                            ("num_classes", num_classes), ("in_channels", in_channels)):
            as_int(name, value)
        if image_size % patch_size:
            raise ValueError(f"patch_size={patch_size} must divide image_size={image_size}")
        self.image_size, self.patch_size, self.in_channels = image_size, patch_size, in_channels
        self.num_patches = (image_size // patch_size) ** 2
        self.patch_embedding = PatchEmbedding(in_channels, patch_size, dim)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position = nn.Parameter(torch.zeros(1, self.num_patches + 1, dim)) if position_embedding else None
        self.blocks = nn.ModuleList(TransformerBlock(dim, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)
        nn.init.trunc_normal_(self.class_token, std=0.02)
        if self.position is not None:
            nn.init.trunc_normal_(self.position, std=0.02)

    def tokens(self, images: torch.Tensor) -> torch.Tensor:
        """The encoder's input ``N x (1 + T) x D``: the class token, then the patch tokens, plus the positions."""
        check_images("VisionTransformer", images, self.in_channels, size=self.image_size)
        patches = self.patch_embedding(images)
        tokens = torch.cat([self.class_token.expand(len(images), -1, -1), patches], dim=1)
        return tokens + self.position if self.position is not None else tokens

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The encoder's output ``N x (1 + T) x D`` (after the final layer normalisation)."""
        tokens = self.tokens(images)
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)

    def attention_maps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Every block's attention weights, a list of ``depth`` tensors ``N x heads x (1 + T) x (1 + T)``."""
        maps, tokens = [], self.tokens(images)
        for block in self.blocks:
            maps.append(block.attn.weights(block.norm1(tokens)))
            tokens = block(tokens)
        return maps

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(images)[:, 0])


def small_attention_cnn(in_channels: int = 1, num_classes: int = 10, width: int = 16,
                        attention_kind: str | None = None, reduction: int = 4) -> nn.Sequential:
    """Three convolutional blocks, each optionally followed by an attention module, for 28 x 28 images.

    Block ``i`` (``i = 1, 2, 3``): 3 x 3 convolution to ``2^(i-1) width``
    channels, batch normalisation, ReLU, then the attention module
    (:class:`SqueezeExcitation` with ``reduction``, :class:`SpatialAttention`
    with a 7 x 7 kernel, or nothing), then 2 x 2 max pooling. Global average
    pooling and a linear layer end the network.

    Args:
        attention_kind: one of :data:`ATTENTION_KINDS` (``None``, ``"se"``, ``"spatial"``).
        reduction: SE's reduction ratio ``r`` (the paper's 16 leaves one hidden unit at 16 channels).

    Raises:
        ValueError: on an unknown ``attention_kind`` or a non-positive size.
    """
    check_choice("attention_kind", attention_kind, ATTENTION_KINDS)
    as_int("width", width)
    layers: list[nn.Module] = []
    channels = in_channels
    for i in range(3):
        out = width * 2 ** i
        layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
        if attention_kind == "se":
            layers.append(SqueezeExcitation(out, reduction))
        elif attention_kind == "spatial":
            layers.append(SpatialAttention(7))
        layers.append(nn.MaxPool2d(2))
        channels = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)]
    return nn.Sequential(*layers)


def small_vit(in_channels: int = 1, num_classes: int = 10, image_size: int = 28, patch_size: int = 7,
              dim: int = 32, depth: int = 2, heads: int = 2, position_embedding: bool = True) -> VisionTransformer:
    """A small vision transformer for 28 x 28 images: 16 patches of 7 x 7, two blocks of two heads, ``D = 32``."""
    return VisionTransformer(image_size, patch_size, in_channels, num_classes, dim=dim, depth=depth, heads=heads,
                             mlp_ratio=2, position_embedding=position_embedding)
