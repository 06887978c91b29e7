"""The receptive field measured with autograd: which input pixels the gradient of one output unit reaches.

A pixel belongs to a unit's receptive field when changing it can change the
unit, so the input gradient of the unit is a direct way to see the field. Two
things can hide part of it in a real network: a ReLU that is off passes no
gradient, and a max pool passes the gradient to one input of its window only.
:func:`receptive_field_probe` builds a copy of a network in which neither can
happen (all weights 1, max pools replaced by window sums, activations removed),
so that its input gradient is non-zero exactly on the receptive field; the
gradient of a trained network on a real image shows instead how much each
pixel matters (the "effective" receptive field).
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import as_pair, as_shape, is_int, map_output_shape, output_unit
from ..sliding_windows import window_count
from .layer_geometry import POINTWISE_LAYERS

__all__ = ["EmpiricalReceptiveField", "empirical_receptive_field", "receptive_field_probe"]


class _WindowSum2d(nn.Module):
    """Sum over each pooling window, channel by channel: a max pool's geometry with every input counted.

    Keeps the pool's kernel, stride, padding, dilation and ``ceil_mode`` (an
    extra pixel of padding at the end gives the ceil-mode windows).
    """

    def __init__(self, pool: nn.MaxPool2d) -> None:
        super().__init__()
        self.kernel = as_pair(pool.kernel_size, "kernel_size", 1)
        self.stride = as_pair(pool.stride if pool.stride is not None else pool.kernel_size, "stride", 1)
        self.padding = as_pair(pool.padding, "padding", 0)
        self.dilation = as_pair(pool.dilation, "dilation", 1)
        self.ceil_mode = bool(pool.ceil_mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels, height, width = x.shape[-3:]
        out = [window_count(n, k, s, p, p, d, self.ceil_mode)
               for n, k, s, p, d in zip((height, width), self.kernel, self.stride, self.padding, self.dilation)]
        # extra padding at the end so that the floor formula of conv2d yields the ceil-mode size
        extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
                 for o, s, d, k, n, p in zip(out, self.stride, self.dilation, self.kernel, (height, width),
                                             self.padding)]
        (ph, pw), (eh, ew) = self.padding, extra
        x = F.pad(x, (pw, pw + ew, ph, ph + eh))
        ones = x.new_ones(channels, 1, *self.kernel)
        y = F.conv2d(x, ones, stride=self.stride, dilation=self.dilation, groups=channels)
        return y[..., : out[0], : out[1]]

    def extra_repr(self) -> str:
        return f"kernel={self.kernel}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}, " \
               f"ceil_mode={self.ceil_mode}"


_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Linear)


def _replacement(module: nn.Module) -> nn.Module | None:
    if isinstance(module, nn.MaxPool2d):
        return _WindowSum2d(module)
    if isinstance(module, nn.AdaptiveMaxPool2d):
        return nn.AdaptiveAvgPool2d(module.output_size)
    if isinstance(module, nn.modules.batchnorm._BatchNorm) or isinstance(module, POINTWISE_LAYERS):
        return nn.Identity()
    return None


def receptive_field_probe(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose input gradient is positive exactly on each unit's receptive field.

    In the copy (float64, evaluation mode, the original is untouched):

    - every convolution and linear layer has all weights 1 and biases 0;
    - every ``MaxPool2d`` becomes a sum over the same windows (same kernel,
      stride, padding, dilation, ceil mode), and ``AdaptiveMaxPool2d`` the
      adaptive average pool of the same output size;
    - batch normalization, activations and dropout become ``nn.Identity``.

    The copy is then a linear map with non-negative coefficients, and the
    derivative of an output unit with respect to an input pixel counts the
    paths from the pixel to the unit: it is non-zero exactly when the pixel
    lies in the unit's receptive field, whatever the input. Float64 keeps
    those counts exact enough for deep networks (they reach about ``10^47``
    for VGG-16). Works on any model (chains, residual networks); modules not
    listed above are kept as they are.

    Args:
        model: any ``nn.Module``.

    Returns:
        The probe network, a new module.

    Raises:
        ValueError: if ``model`` is not an ``nn.Module``.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    probe = copy.deepcopy(model)
    replacement = _replacement(probe)
    if replacement is not None:
        probe = replacement
    for name, module in list(probe.named_modules()):
        for child_name, child in list(module.named_children()):
            new = _replacement(child)
            if new is not None:
                setattr(module, child_name, new)
    for module in probe.modules():
        if isinstance(module, _WEIGHTED):
            with torch.no_grad():
                module.weight.fill_(1.0)
                if module.bias is not None:
                    module.bias.zero_()
    probe.requires_grad_(False)
    return probe.double().eval()


@dataclass(frozen=True)
class EmpiricalReceptiveField:
    """Where the input gradient of one output unit is non-zero.

    Attributes:
        unit: ``(i, j)``, the unit's position in the output map.
        channel: the unit's output channel.
        gradient: ``H x W`` tensor (CPU), the absolute input gradient of the
            unit summed over the input channels, for the first sample.
        box: ``(top, left, bottom, right)``, the bounding box of the non-zero
            gradient, bottom and right exclusive (as in slicing).
        size: ``(height, width)`` of the box, ``(bottom - top, right - left)``.
    """

    unit: tuple[int, int]
    channel: int
    gradient: torch.Tensor
    box: tuple[int, int, int, int]
    size: tuple[int, int]

    @property
    def support(self) -> torch.Tensor:
        """``H x W`` boolean mask of the pixels with a non-zero gradient (a dilated network leaves holes)."""
        return self.gradient != 0


def empirical_receptive_field(
    model: nn.Module,
    input_shape: Sequence[int] | None = None,
    unit: Sequence[int] | None = None,
    *,
    channel: int = 0,
    input: torch.Tensor | None = None,
) -> EmpiricalReceptiveField:
    """Measure the receptive field of one output unit as the support of its input gradient.

    Runs ``model`` (in evaluation mode, restored afterwards) on an input,
    differentiates output ``[0, channel, i, j]`` with respect to the input, and
    returns where that gradient is non-zero. The support lies inside the
    analytic receptive field (:func:`~cnnbook.analysis.receptive_field`)
    clipped to the input; on :func:`receptive_field_probe` ``(model)`` it
    fills it, while on a network as it is, ReLUs that are off and max pools
    (which pass the gradient to one input per window) can make it smaller.

    Args:
        model: any ``nn.Module`` whose output is ``N x C x H' x W'``.
        input_shape: ``(N, C, H, W)`` of the input; the input is then drawn
            from a standard normal distribution with a fixed seed (the global
            random state is untouched). Optional if ``input`` is given.
        unit: ``(i, j)`` in the output map; default its centre,
            ``(H' // 2, W' // 2)``.
        channel: the output channel of the unit, default 0.
        input: an ``N x C x H x W`` input to use instead (a real image shows
            how much each pixel matters to a trained network).

    Returns:
        An :class:`EmpiricalReceptiveField`.

    Raises:
        ValueError: if neither ``input_shape`` nor ``input`` is given or they
            disagree, if they are not 4-D, if the output is not 4-D, if
            ``unit`` or ``channel`` is outside the output, or if the gradient
            is zero everywhere (no input pixel reaches the unit).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    parameter = next(iter(list(model.parameters()) + list(model.buffers())), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    dtype = parameter.dtype if parameter is not None and parameter.is_floating_point() else torch.get_default_dtype()
    if input is None:
        if input_shape is None:
            raise ValueError("give input_shape (N, C, H, W) or an input tensor, got neither")
        shape = as_shape(input_shape)
        if len(shape) != 4:
            raise ValueError(f"input_shape must be (N, C, H, W), got {shape}")
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(shape, generator=generator, dtype=dtype).to(device)
    else:
        if not isinstance(input, torch.Tensor) or input.dim() != 4:
            raise ValueError(f"input must be an N x C x H x W tensor, got "
                             f"{tuple(input.shape) if isinstance(input, torch.Tensor) else type(input).__name__}")
        if input_shape is not None and tuple(as_shape(input_shape)) != tuple(input.shape):
            raise ValueError(f"input_shape {tuple(input_shape)} disagrees with the input's shape {tuple(input.shape)}")
        x = input.detach().clone()
    x.requires_grad_(True)

    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.enable_grad():
            output = model(x)
            channels, height, width = map_output_shape(output)
            if not is_int(channel) or not 0 <= channel < channels:
                raise ValueError(f"channel must be an int in [0, {channels}), got {channel!r}")
            unit = output_unit(unit, height, width)
            target = output[0, channel, unit[0], unit[1]]
            gradient = None
            if target.requires_grad:
                (gradient,) = torch.autograd.grad(target, x, allow_unused=True)
    finally:
        for module, training in modes:
            module.train(training)

    if gradient is None:
        gradient = torch.zeros_like(x)
    magnitude = gradient[0].detach().abs().sum(dim=0).cpu()
    rows = torch.nonzero(magnitude.sum(dim=1)).flatten()
    cols = torch.nonzero(magnitude.sum(dim=0)).flatten()
    if len(rows) == 0:
        raise ValueError(f"the input gradient of unit {tuple(unit)} (channel {channel}) is zero everywhere: no input "
                         f"pixel reaches it here (ReLUs off, or max pools routing the gradient elsewhere); try "
                         f"receptive_field_probe(model), or another input")
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    left, right = int(cols[0]), int(cols[-1]) + 1
    return EmpiricalReceptiveField(unit=(int(unit[0]), int(unit[1])), channel=int(channel), gradient=magnitude,
                                   box=(top, left, bottom, right), size=(bottom - top, right - left))
