"""Feature maps: the outputs of chosen layers of a network, recorded while it runs on some images.

A feature map is one channel of a layer's output, a grid that says how
strongly the layer's filter responds at each place of the input. To see what a
network computes at several depths, :func:`feature_maps` runs it once (in
evaluation mode, without gradients) with forward hooks on the named layers and
returns what each of them produced.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import nn
from ..checks import as_int, check_image_batch
from ..utils import model_device

__all__ = ["feature_maps", "layer_names"]


def layer_names(model: nn.Module) -> list[str]:
    """The qualified names of a model's sub-modules, in definition order (``"features.conv1"``, ...).

    Raises:
        ValueError: if ``model`` is not an ``nn.Module``.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [name for name, _ in model.named_modules() if name]


def _resolve(model: nn.Module, names: Sequence[str]) -> list[nn.Module]:
    modules = dict(model.named_modules())
    missing = [name for name in names if not name or name not in modules]
    if missing:
        known = layer_names(model)
        shown = ", ".join(repr(n) for n in known[:16]) + (", ..." if len(known) > 16 else "")
        raise ValueError(f"the model has no layer named {missing[0]!r}; expected one of {shown}")
    return [modules[name] for name in names]


def iterate_feature_maps(model: nn.Module, images: torch.Tensor, layers: Sequence[str], *,
                         batch_size: int = 256) -> Iterator[dict[str, torch.Tensor]]:
    """Run ``model`` over ``images`` batch by batch and yield the named layers' outputs for each batch.

    The model runs in evaluation mode (restored afterwards) without gradients,
    on the device of its parameters; each output is detached, copied (so that
    a later in-place operation such as ``ReLU(inplace=True)`` cannot change
    it) and moved to the CPU.

    Args:
        model: any ``nn.Module``.
        images: ``N x C x H x W`` float tensor.
        layers: qualified names of the layers to record (see :func:`layer_names`).
        batch_size: images per forward pass.

    Yields:
        For each batch of ``B`` images, ``{name: B x C_l x H_l x W_l tensor}``
        (any output shape the layer has, batch first).

    Raises:
        ValueError: on a bad ``images`` tensor, an unknown layer name, an empty
            ``layers``, a bad ``batch_size``, or a layer that did not run or
            returned something other than one tensor.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_image_batch(images)
    if isinstance(layers, str):
        raise ValueError(f"layers must be a sequence of layer names, got the single string {layers!r}; "
                         f"write [{layers!r}]")
    layers = list(layers)
    if not layers:
        raise ValueError("layers must name at least one layer, got none")
    batch_size = as_int("batch_size", batch_size)
    modules = _resolve(model, layers)
    device = model_device(model)
    recorded: dict[str, torch.Tensor] = {}

    def hook_for(name: str):
        def hook(module: nn.Module, inputs: tuple, output: object) -> None:
            if not isinstance(output, torch.Tensor):
                raise ValueError(f"layer {name!r} returned a {type(output).__name__}, expected one tensor")
            recorded[name] = output.detach().clone().cpu()
        return hook

    handles = [module.register_forward_hook(hook_for(name)) for name, module in zip(layers, modules)]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                recorded.clear()
                model(images[start:start + batch_size].to(device))
                silent = [name for name in layers if name not in recorded]
                if silent:
                    raise ValueError(f"layer {silent[0]!r} did not run in the model's forward pass")
                yield {name: recorded[name] for name in layers}
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.train(training)


def feature_maps(model: nn.Module, images: torch.Tensor, layers: Sequence[str], *,
                 batch_size: int = 256) -> dict[str, torch.Tensor]:
    """The outputs of the named layers of ``model`` on ``images``.

    Example: ``feature_maps(model, digit[None], ["features.relu1",
    "features.relu3"])`` gives the feature maps of one digit at two depths.

    Args:
        model: any ``nn.Module``; it runs in evaluation mode without gradients
            (its mode is restored), on the device of its parameters.
        images: ``N x C x H x W`` float tensor.
        layers: qualified names of the layers to record, as in
            ``model.named_modules()`` (see :func:`layer_names`).
        batch_size: images per forward pass.

    Returns:
        ``{name: N x C_l x H_l x W_l tensor}`` on the CPU, in the order of
        ``layers`` (a layer's output in whatever shape it has, batch first).

    Raises:
        ValueError: on a bad ``images`` tensor, an unknown layer name (the
            message lists the known ones), an empty ``layers``, or a layer that
            did not run or returned something other than one tensor.
    """
    parts: dict[str, list[torch.Tensor]] = {}
    for batch in iterate_feature_maps(model, images, layers, batch_size=batch_size):
        for name, output in batch.items():
            parts.setdefault(name, []).append(output)
    return {name: torch.cat(chunks) for name, chunks in parts.items()}
