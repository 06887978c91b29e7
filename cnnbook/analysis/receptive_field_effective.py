"""The effective receptive field: how much each input pixel matters to one output unit, on average.

The analytic receptive field (:func:`~cnnbook.analysis.receptive_field`) says
which pixels *can* change a unit. It says nothing about how much each one
does. Luo, Li, Urtasun and Zemel ("Understanding the effective receptive field
in deep convolutional neural networks", NeurIPS 2016) measure that with the
magnitude of the input gradient of the unit, averaged over inputs, and find it
concentrated near the centre of the field, roughly Gaussian in a randomly
initialised network: the pixels at the centre reach the unit along many more
paths than those at the edge.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..checks import as_int, check_image_batch, is_int, map_output_shape, output_unit
from ..utils import model_device

__all__ = ["effective_receptive_field"]


def effective_receptive_field(
    model: nn.Module,
    images: torch.Tensor,
    unit: Sequence[int] | None = None,
    *,
    channel: int | None = None,
    batch_size: int = 128,
) -> torch.Tensor:
    r"""Mean absolute input gradient of one output unit over a set of images.

    For output unit ``(i, j)`` of channel ``c``, computes

    .. math:: E(u, v) = \frac{1}{N} \sum_{n=1}^{N} \sum_{m=1}^{C}
              \left| \frac{\partial y_{c,i,j}(x_n)}{\partial x_{n,m,u,v}} \right|

    over the ``N`` images ``x_n`` (``C`` input channels), and with
    ``channel=None`` also averages over every output channel ``c``. The model
    runs in evaluation mode (restored afterwards); its parameters get no
    gradients. Units of different images do not interact (no batch
    statistics in evaluation mode), so one backward pass per channel serves a
    whole batch.

    Args:
        model: any ``nn.Module`` whose output is ``N x C' x H' x W'`` (pass
            ``model.features``, or a slice of it, for a classifier).
        images: ``N x C x H x W`` float tensor.
        unit: ``(i, j)`` in the output map; default its centre ``(H' // 2, W' // 2)``.
        channel: the output channel, or ``None`` for the mean over all channels.
        batch_size: images per forward pass.

    Returns:
        ``H x W`` float tensor on the CPU, non-negative; zero outside the
        analytic receptive field of the unit.

    Raises:
        ValueError: on a bad ``images`` tensor, an output that is not 4-D, or
            ``unit`` / ``channel`` outside the output.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_image_batch(images)
    batch_size = as_int("batch_size", batch_size)
    device = model_device(model)
    total = torch.zeros(images.shape[-2:], dtype=torch.float64)
    channels: list[int] = []
    requires = [(p, p.requires_grad) for p in model.parameters()]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        model.requires_grad_(False)
        for start in range(0, len(images), batch_size):
            x = images[start:start + batch_size].detach().to(device).requires_grad_(True)
            with torch.enable_grad():
                output = model(x)
                out_channels, height, width = map_output_shape(output)
                if start == 0:
                    unit = output_unit(unit, height, width)
                    if channel is None:
                        channels = list(range(out_channels))
                    elif is_int(channel) and 0 <= channel < out_channels:
                        channels = [int(channel)]
                    else:
                        raise ValueError(f"channel must be None or an int in [0, {out_channels}), got {channel!r}")
                for position, c in enumerate(channels):
                    target = output[:, c, unit[0], unit[1]].sum()  # the images' units are independent
                    if not target.requires_grad:  # the unit does not depend on the input at all
                        continue
                    (gradient,) = torch.autograd.grad(target, x, retain_graph=position < len(channels) - 1)
                    total += gradient.detach().abs().sum(dim=(0, 1)).double().cpu()
    finally:
        for parameter, flag in requires:
            parameter.requires_grad_(flag)
        for module, training in modes:
            module.train(training)
    return (total / (len(images) * len(channels))).float()
