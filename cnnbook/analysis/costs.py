"""Parameter and multiply-add counts of layers and models.

What is counted:

- **Parameters** are the numbers a layer learns (``nn.Parameter`` entries);
  buffers such as batch normalization's running mean and variance are not
  parameters.
- **Multiply-adds** (MACs) are the products ``w * x`` accumulated into a sum.
  An output unit of a convolution with ``K`` weights costs ``K`` multiply-adds
  whether or not it has a bias: the bias is the value the sum starts from. One
  multiply-add is two floating-point operations (FLOPs).
- A batch normalization layer at inference time computes ``a * x + b`` per
  element (its statistics are fixed), so it costs one multiply-add per element.
- Pooling multiplies nothing by a weight, so its multiply-add count is zero;
  :func:`pool2d_ops` counts its comparisons (max) or additions (average) instead.

All ``*_macs`` functions count one sample (one image); multiply by the batch
size for a batch.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ..checks import IntOrPair, as_int, as_pair

__all__ = [
    "LAYER_COSTS",
    "layer_cost_shares",
    "batchnorm2d_macs",
    "batchnorm2d_params",
    "conv2d_macs",
    "conv2d_params",
    "count_parameters",
    "layer_macs",
    "linear_macs",
    "linear_params",
    "locally_connected2d_params",
    "pool2d_ops",
]


def _filters(in_channels: object, out_channels: object, kernel_size: object, groups: object = 1) -> tuple[int, int]:
    """``(C_out, weights per filter)`` of a convolution, ``(C_in / groups) * k_h * k_w`` weights per filter, checked."""
    in_channels, out_channels = as_int("in_channels", in_channels), as_int("out_channels", out_channels)
    groups = as_int("groups", groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                         f"divisible by groups, got groups={groups}")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    return out_channels, (in_channels // groups) * kh * kw


def conv2d_params(in_channels: int, out_channels: int, kernel_size: IntOrPair, *,
                  groups: int = 1, bias: bool = True) -> int:
    """Parameters of a 2-D convolution: ``C_out * (C_in / groups) * k_h * k_w`` weights (+ ``C_out`` biases).

    With ``groups = g`` the input channels are split into ``g`` groups and each
    output channel sees only its group's ``C_in / g`` channels, which divides
    the weight count by ``g`` (``g = C_in`` is a depthwise convolution).

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        kernel_size: ``k`` or ``(k_h, k_w)``.
        groups: ``g``, dividing both ``C_in`` and ``C_out``.
        bias: whether the layer has one bias per output channel.

    Returns:
        The number of parameters.

    Raises:
        ValueError: on non-positive sizes or channels not divisible by ``groups``.
    """
    out_channels, weights = _filters(in_channels, out_channels, kernel_size, groups)
    return out_channels * weights + (out_channels if bias else 0)


def conv2d_macs(in_channels: int, out_channels: int, kernel_size: IntOrPair, output_size: IntOrPair, *,
                groups: int = 1) -> int:
    """Multiply-adds of a 2-D convolution on one sample: ``C_out * H_out * W_out * (C_in / groups) * k_h * k_w``.

    Each of the ``C_out x H_out x W_out`` output units is a sum of
    ``(C_in / groups) * k_h * k_w`` products (the bias, if any, starts the sum).

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        kernel_size: ``k`` or ``(k_h, k_w)``.
        output_size: ``H_out = W_out`` or ``(H_out, W_out)`` (see
            :func:`~cnnbook.analysis.conv_output_size`).
        groups: ``g``, dividing both ``C_in`` and ``C_out``.

    Returns:
        The number of multiply-adds per sample.

    Raises:
        ValueError: on non-positive sizes or channels not divisible by ``groups``.
    """
    out_channels, weights = _filters(in_channels, out_channels, kernel_size, groups)
    oh, ow = as_pair(output_size, "output_size", 1)
    return out_channels * oh * ow * weights


def locally_connected2d_params(in_channels: int, out_channels: int, kernel_size: IntOrPair,
                               output_size: IntOrPair, *, bias: bool = True) -> int:
    """Parameters of a locally connected layer: a convolution whose weights are not shared between positions.

    Each of the ``H_out x W_out`` output positions has its own ``C_out`` filters
    of ``C_in x k_h x k_w`` weights (and its own ``C_out`` biases), so the count
    is the convolution's multiplied by the number of positions:
    ``H_out * W_out * C_out * (C_in * k_h * k_w + 1)``. Such a layer keeps the
    local connections of a convolution and gives up weight sharing.

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        kernel_size: ``k`` or ``(k_h, k_w)``.
        output_size: ``H_out = W_out`` or ``(H_out, W_out)``.
        bias: whether every output unit has a bias.

    Returns:
        The number of parameters.

    Raises:
        ValueError: on non-positive sizes.
    """
    out_channels, weights = _filters(in_channels, out_channels, kernel_size)
    oh, ow = as_pair(output_size, "output_size", 1)
    return oh * ow * out_channels * (weights + (1 if bias else 0))


def linear_params(in_features: int, out_features: int, *, bias: bool = True) -> int:
    """Parameters of a fully connected layer: ``D_in * D_out`` weights (+ ``D_out`` biases).

    Raises:
        ValueError: on non-positive sizes.
    """
    in_features = as_int("in_features", in_features)
    out_features = as_int("out_features", out_features)
    return in_features * out_features + (out_features if bias else 0)


def linear_macs(in_features: int, out_features: int) -> int:
    """Multiply-adds of a fully connected layer on one input vector: ``D_in * D_out``.

    Raises:
        ValueError: on non-positive sizes.
    """
    return as_int("in_features", in_features) * as_int("out_features", out_features)


def batchnorm2d_params(num_features: int, *, affine: bool = True) -> int:
    """Parameters of a 2-D batch normalization: a scale and a shift per channel, ``2 C`` (0 without ``affine``).

    The running mean and variance (``2 C`` more numbers) are buffers, estimated
    rather than learned, and are not counted.

    Raises:
        ValueError: on a non-positive ``num_features``.
    """
    return 2 * as_int("num_features", num_features) if affine else 0


def batchnorm2d_macs(num_features: int, output_size: IntOrPair) -> int:
    """Multiply-adds of a 2-D batch normalization at inference on one sample: ``C * H * W``.

    With fixed statistics, ``gamma (x - mean) / sqrt(var + eps) + beta`` is
    ``a * x + b`` with per-channel constants: one multiply-add per element.

    Raises:
        ValueError: on non-positive sizes.
    """
    oh, ow = as_pair(output_size, "output_size", 1)
    return as_int("num_features", num_features) * oh * ow


def pool2d_ops(channels: int, kernel_size: IntOrPair, output_size: IntOrPair, *, kind: str = "max") -> int:
    """Operations of a 2-D pooling layer on one sample (pooling has no multiply-adds).

    Counted per output unit, for a full ``k_h x k_w`` window (windows that
    overhang the input into the padding are counted at full size):

    - ``kind="max"``: ``k_h k_w - 1`` comparisons;
    - ``kind="avg"``: ``k_h k_w - 1`` additions and one multiplication by
      ``1 / (k_h k_w)``, that is ``k_h k_w`` operations.

    Args:
        channels: ``C`` (pooling acts on each channel separately).
        kernel_size: ``k`` or ``(k_h, k_w)``.
        output_size: ``(H_out, W_out)`` or an int for a square output.
        kind: ``"max"`` or ``"avg"``.

    Returns:
        ``C * H_out * W_out`` times the per-unit count above.

    Raises:
        ValueError: on non-positive sizes or an unknown ``kind``.
    """
    channels = as_int("channels", channels)
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    oh, ow = as_pair(output_size, "output_size", 1)
    if kind == "max":
        per_unit = kh * kw - 1
    elif kind == "avg":
        per_unit = kh * kw
    else:
        raise ValueError(f'kind must be "max" or "avg", got {kind!r}')
    return channels * oh * ow * per_unit


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of a model, each shared parameter counted once.

    Args:
        model: any ``nn.Module``.
        trainable_only: count only parameters with ``requires_grad=True``
            (the ones an optimiser updates), leaving out frozen ones.

    Returns:
        The total number of scalar parameters.

    Raises:
        ValueError: if ``model`` is not an ``nn.Module``, or holds lazy
            parameters not yet initialised (run one forward pass first).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    total = 0
    for parameter in model.parameters():  # parameters() yields a shared parameter once
        if isinstance(parameter, nn.parameter.UninitializedParameter):
            raise ValueError("the model has lazy parameters that are not initialised yet; "
                             "run one forward pass before counting them")
        if parameter.requires_grad or not trainable_only:
            total += parameter.numel()
    return total


_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_TRANSPOSED_CONVOLUTIONS = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
# Layers that compute without multiply-adds: pooling, activations, regularisers, reshaping, lookups.
_NO_MACS = (
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
    nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Softplus, nn.Softsign,
    nn.Softmax, nn.Softmax2d, nn.LogSoftmax,
    nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
    nn.Identity, nn.Flatten, nn.Unflatten, nn.Embedding,
    nn.ZeroPad2d, nn.ConstantPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d, nn.Upsample,
)


def layer_macs(module: nn.Module, inputs: Sequence[torch.Tensor], output: torch.Tensor) -> int | None:
    """Multiply-adds one call of ``module`` performed, given the tensors it saw.

    Used by :func:`~cnnbook.analysis.summary` in its forward hooks. Counts the
    whole batch it is given (``N`` samples cost ``N`` times one sample).

    Args:
        module: the layer that ran.
        inputs: its positional inputs (as a forward hook receives them).
        output: its output.

    Returns:
        - convolutions (1-D/2-D/3-D): ``output.numel() * (C_in / groups) * prod(kernel)``;
        - transposed convolutions: ``input.numel() * (C_out / groups) * prod(kernel)``
          (each input unit is multiplied into a kernel-sized output window);
        - ``nn.Linear``: ``output.numel() * D_in``;
        - batch normalization: ``output.numel()`` (inference form ``a * x + b``);
        - pooling, activations, dropout, padding, reshaping, embeddings: 0;
        - ``None`` for any other module, whose cost this function does not
          know (rather than a wrong 0).
    """
    if isinstance(module, _CONVOLUTIONS):
        weights_per_output = module.weight.numel() // module.out_channels  # (C_in / groups) * prod(kernel)
        return output.numel() * weights_per_output
    if isinstance(module, _TRANSPOSED_CONVOLUTIONS):
        weights_per_input = module.weight.numel() // module.in_channels  # (C_out / groups) * prod(kernel)
        return inputs[0].numel() * weights_per_input
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return output.numel()
    if isinstance(module, _NO_MACS):
        return 0
    return None


#: The per-layer quantities :func:`layer_cost_shares` computes, with the words a figure uses for them.
LAYER_COSTS = {
    "params": "parameters",
    "macs": "multiply-adds",
    "activations": "output values (activation memory)",
}


def layer_cost_shares(model_summary, quantities: Sequence[str] = ("params", "macs")) -> dict[str, list[float]]:
    """Each weight layer's share of each quantity, from a :func:`cnnbook.analysis.summary`.

    The weight layers are the summary's rows with parameters (convolutions,
    linear layers, batch normalisation), in call order. A share is the layer's
    value divided by the sum over those rows, so each quantity's shares sum to
    one. ``"params"`` is the row's parameter count, ``"macs"`` its
    multiply-adds, ``"activations"`` the number of values in its output (what
    must be kept in memory for the backward pass; layers without parameters,
    such as pooling, are left out).

    Args:
        model_summary: a ``ModelSummary`` (or any sequence of rows with
            ``params``, ``macs`` and ``output_shape``).
        quantities: names from :data:`LAYER_COSTS`.

    Returns:
        ``{quantity: [share of layer 1, share of layer 2, ...]}``.

    Raises:
        ValueError: on an unknown quantity, a summary without weight layers,
            a weight layer whose multiply-adds are unknown or whose output is
            not one tensor, or a quantity that is zero in every layer.
    """
    if len(quantities) == 0:
        raise ValueError("quantities must name at least one of " + ", ".join(LAYER_COSTS))
    for quantity in quantities:
        if quantity not in LAYER_COSTS:
            raise ValueError(f"unknown quantity {quantity!r}; expected one of {', '.join(LAYER_COSTS)}")
    rows = [row for row in model_summary if row.params > 0]
    if not rows:
        raise ValueError("the summary has no layer with parameters, so there is no weight layer to show")
    shares = {}
    for quantity in quantities:
        values = []
        for row in rows:
            if quantity == "params":
                values.append(row.params)
            elif quantity == "macs":
                if row.macs is None:
                    raise ValueError(f"the multiply-adds of layer {row.name!r} ({row.kind}) are unknown")
                values.append(row.macs)
            else:
                shape = row.output_shape
                if shape is None or not all(isinstance(d, int) for d in shape):
                    raise ValueError(f"layer {row.name!r} does not return one tensor, got output {shape!r}")
                values.append(math.prod(shape))
        total = sum(values)
        if total == 0:
            raise ValueError(f"the quantity {quantity!r} is zero in every weight layer")
        shares[quantity] = [value / total for value in values]
    return shares
