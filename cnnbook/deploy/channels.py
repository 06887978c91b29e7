"""Structured pruning: remove whole convolution channels and return a smaller dense model.

Removing output channel ``k`` of a convolution removes its filter (the slice
``weight[k]`` and ``bias[k]``), the matching entries of a batch
normalisation that follows, and every weight that *reads* channel ``k``
downstream: the slice ``weight[:, k]`` of the next convolution, or, after a
``Flatten``, the block of columns of the next linear layer that reads that
channel's positions. What is left is an ordinary dense network with fewer
channels, so every dense kernel runs it faster; nothing needs a sparse format.

Filters are ranked by the L1 norm of their weights, the criterion of Li et al.
(2017, "Pruning filters for efficient ConvNets"): a filter with small weights
produces small outputs and is assumed to matter least. Layers are pruned from
the input onwards, and a filter's norm counts only its weights on the input
channels that are still there. The pruned network
usually needs a short fine-tuning to recover its accuracy.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["prune_channels"]

# Modules that act on each channel separately and have no parameters: a channel
# removed before them is simply absent after them.
_CHANNELWISE = (nn.ReLU, nn.LeakyReLU, nn.ReLU6, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid, nn.Hardswish,
                nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.Dropout, nn.Dropout2d,
                nn.Identity)


def _flatten(model: nn.Module) -> list[nn.Module]:
    layers = []
    for child in model.children():
        if isinstance(child, nn.Sequential):
            layers.extend(_flatten(child))
        else:
            layers.append(child)
    return layers


def _consumer(layers: list[nn.Module], start: int) -> tuple[list[int], int | None, bool]:
    """Indices of the batch norms after ``layers[start]``, its consumer's index, and whether a Flatten precedes it."""
    norms, flattened = [], False
    for index in range(start + 1, len(layers)):
        layer = layers[index]
        if isinstance(layer, nn.BatchNorm2d) and not flattened:
            norms.append(index)
        elif isinstance(layer, nn.Conv2d) and not flattened:
            return norms, index, False
        elif isinstance(layer, nn.Flatten):
            flattened = True
        elif isinstance(layer, nn.Linear) and flattened:
            return norms, index, True
        elif not isinstance(layer, _CHANNELWISE):
            raise ValueError(f"prune_channels cannot follow channels through {type(layer).__name__} "
                             f"(layer {index}); supported between convolutions: BatchNorm2d, Flatten, and "
                             f"parameter-free channel-wise modules ({', '.join(t.__name__ for t in _CHANNELWISE)})")
    return norms, None, flattened


@torch.no_grad()
def prune_channels(model: nn.Sequential, amount: float) -> nn.Sequential:
    """Remove the ``amount`` fraction of output channels with the smallest L1 norm from every convolution.

    The model must be an ``nn.Sequential`` (nested ``nn.Sequential``\\ s are
    flattened) of ``Conv2d`` (``groups=1``), ``BatchNorm2d``, parameter-free
    channel-wise modules (activations, pooling, dropout), ``Flatten`` and
    ``Linear`` layers. Every convolution whose output feeds another
    convolution, or a ``Flatten`` and then a ``Linear``, keeps
    ``max(1, round((1 - amount) * C_out))`` of its ``C_out`` channels; a
    convolution whose output is the model's output is left whole. The input
    model is not changed.

    Args:
        model: the trained network (``N x C x H x W`` images to outputs).
        amount: fraction of each convolution's output channels to remove, in ``[0, 1)``.

    Returns:
        A new, flat ``nn.Sequential`` with fewer channels: the same function
        as ``model`` restricted to the kept channels (equal outputs if the
        removed channels were all zero), smaller and faster.

    Raises:
        ValueError: if ``model`` is not an ``nn.Sequential`` of the supported
            layers, a convolution is grouped, or ``amount`` is outside ``[0, 1)``.
    """
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"model must be a torch.nn.Sequential, got {type(model).__name__}")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount < 1:
        raise ValueError(f"amount must be a fraction in [0, 1), got {amount!r}")
    layers = [copy.deepcopy(layer) for layer in _flatten(model)]
    if not any(isinstance(layer, nn.Conv2d) for layer in layers):
        raise ValueError("model has no Conv2d layer to prune")
    for index, layer in enumerate(layers):
        if not isinstance(layer, nn.Conv2d):
            continue
        if layer.groups != 1:
            raise ValueError(f"prune_channels needs ungrouped convolutions, layer {index} has groups={layer.groups}")
        norms, consumer, flattened = _consumer(layers, index)
        if consumer is None:
            continue  # the convolution's channels are the model's output
        channels = layer.out_channels
        keep_count = max(1, round((1 - amount) * channels))
        importance = layer.weight.abs().sum(dim=(1, 2, 3))
        keep = importance.argsort(descending=True)[:keep_count].sort().values
        layers[index] = _slice_conv(layer, out_index=keep)
        for norm_index in norms:
            layers[norm_index] = _slice_norm(layers[norm_index], keep)
        following = layers[consumer]
        if flattened:
            if following.in_features % channels:
                raise ValueError(f"the Linear layer {consumer} reads {following.in_features} features, "
                                 f"not a multiple of the {channels} channels before Flatten")
            per_channel = following.in_features // channels
            columns = (keep[:, None] * per_channel + torch.arange(per_channel)).flatten()
            layers[consumer] = _slice_linear(following, columns)
        else:
            layers[consumer] = _slice_conv(following, in_index=keep)
    return nn.Sequential(*layers)


def _slice_conv(conv: nn.Conv2d, *, out_index: torch.Tensor | None = None,
                in_index: torch.Tensor | None = None) -> nn.Conv2d:
    weight = conv.weight
    bias = conv.bias
    if out_index is not None:
        weight, bias = weight[out_index], (bias[out_index] if bias is not None else None)
    if in_index is not None:
        weight = weight[:, in_index]
    smaller = nn.Conv2d(weight.shape[1], weight.shape[0], conv.kernel_size, stride=conv.stride, padding=conv.padding,
                        dilation=conv.dilation, bias=bias is not None, padding_mode=conv.padding_mode)
    smaller.weight.copy_(weight)
    if bias is not None:
        smaller.bias.copy_(bias)
    return smaller.to(conv.weight.device)


def _slice_norm(norm: nn.BatchNorm2d, keep: torch.Tensor) -> nn.BatchNorm2d:
    smaller = nn.BatchNorm2d(len(keep), eps=norm.eps, momentum=norm.momentum, affine=norm.affine,
                             track_running_stats=norm.track_running_stats)
    if norm.affine:
        smaller.weight.copy_(norm.weight[keep])
        smaller.bias.copy_(norm.bias[keep])
    if norm.track_running_stats:
        smaller.running_mean.copy_(norm.running_mean[keep])
        smaller.running_var.copy_(norm.running_var[keep])
        smaller.num_batches_tracked.copy_(norm.num_batches_tracked)
    return smaller.to(norm.running_mean.device if norm.track_running_stats else keep.device)


def _slice_linear(linear: nn.Linear, columns: torch.Tensor) -> nn.Linear:
    smaller = nn.Linear(len(columns), linear.out_features, bias=linear.bias is not None)
    smaller.weight.copy_(linear.weight[:, columns])
    if linear.bias is not None:
        smaller.bias.copy_(linear.bias)
    return smaller.to(linear.weight.device)
