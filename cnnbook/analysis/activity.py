"""What the units of a network do on a batch: their activations, dead units, and each layer's gradient.

Three measurements that tell whether a deep network can learn at all:

- :func:`record_activations` runs the network once and keeps, for every layer
  of the chosen kinds (usually the activation functions), what went in (the
  *pre-activation*) and what came out;
- :func:`dead_units` finds the units whose pre-activation is never positive on
  a batch: behind a ReLU such a unit outputs zero for every input and passes
  no gradient back, so gradient descent cannot revive it by itself;
- :func:`weight_gradient_norms` measures how large the gradient of the loss is
  at each layer's weights, from the input to the output, which shows a
  gradient vanishing (or exploding) on its way down a deep network.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["ActivationRecord", "dead_units", "record_activations", "weight_gradient_norms"]

LayerTypes = type[nn.Module] | tuple[type[nn.Module], ...]


@dataclass(frozen=True)
class ActivationRecord:
    """What one layer received and returned during :func:`record_activations`.

    Attributes:
        name: the layer's qualified name in the model (``"features.3"``).
        module: the layer itself.
        input: its input, the pre-activation ``z`` for an activation function
            (same shape as the tensor that flowed through, e.g. ``N x C x H x W``).
        output: its output.
    """

    name: str
    module: nn.Module
    input: torch.Tensor
    output: torch.Tensor


def _check_layer_types(layer_types: LayerTypes) -> tuple[type[nn.Module], ...]:
    kinds = layer_types if isinstance(layer_types, tuple) else (layer_types,)
    if not kinds or not all(isinstance(k, type) and issubclass(k, nn.Module) for k in kinds):
        raise ValueError(f"layer_types must be an nn.Module subclass or a tuple of them, got {layer_types!r}")
    return kinds


@torch.no_grad()
def record_activations(model: nn.Module, inputs: torch.Tensor, layer_types: LayerTypes) -> list[ActivationRecord]:
    """Run ``model`` on ``inputs`` once and record the input and output of every layer of ``layer_types``.

    Inputs are copied before the layer runs, so a layer that works in place
    (``nn.ReLU(inplace=True)``) still reports its true pre-activation. The
    model's mode (train or eval) is left as it is; no gradients are computed.

    Args:
        model: the network.
        inputs: a batch for it, e.g. ``N x C x H x W``.
        layer_types: the kinds of layer to watch, e.g. ``nn.ReLU`` or
            ``(nn.ReLU, nn.Sigmoid)``.

    Returns:
        One :class:`ActivationRecord` per call of a watched layer, in the order
        of the calls (the input-to-output order for a chain), tensors detached.

    Raises:
        ValueError: if ``layer_types`` is not a module class (or tuple of them),
            or if no layer of those kinds ran.
    """
    kinds = _check_layer_types(layer_types)
    names = {module: name for name, module in model.named_modules()}
    pending: dict[nn.Module, list[torch.Tensor]] = {}
    records: list[ActivationRecord] = []

    def before(module: nn.Module, args: tuple) -> None:
        pending.setdefault(module, []).append(args[0].detach().clone())

    def after(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        records.append(ActivationRecord(names[module], module, pending[module].pop(), output.detach()))

    watched = [m for m in model.modules() if isinstance(m, kinds)]
    handles = [m.register_forward_pre_hook(before) for m in watched]
    handles += [m.register_forward_hook(after) for m in watched]
    try:
        model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    if not records:
        kinds_named = ", ".join(k.__name__ for k in kinds)
        raise ValueError(f"no layer of type {kinds_named} ran in the model's forward pass")
    return records


def dead_units(pre_activations: torch.Tensor) -> torch.Tensor:
    """Which units are dead on a batch: their pre-activation is never positive.

    A *unit* is one channel of a convolutional layer (all positions share its
    filter, so they live and die together) or one neuron of a dense layer.
    Behind a ReLU, a dead unit outputs 0 for every sample of the batch and
    every position, and the gradient reaching its weights and bias is exactly 0.

    Args:
        pre_activations: ``N x C x H x W`` (convolutional) or ``N x C``
            (dense): the inputs ``z`` of the activation function for a batch
            of ``N`` samples.

    Returns:
        A boolean tensor of shape ``C``: ``True`` where ``z <= 0`` for every
        sample and position.

    Raises:
        ValueError: if the tensor is not 2- or 4-dimensional or the batch is empty.
    """
    if pre_activations.ndim not in (2, 4) or pre_activations.shape[0] == 0:
        raise ValueError(
            f"pre_activations must be N x C or N x C x H x W with N >= 1, got shape {tuple(pre_activations.shape)}"
        )
    other = (0,) if pre_activations.ndim == 2 else (0, 2, 3)
    return (pre_activations <= 0).all(dim=other)


def weight_gradient_norms(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    layer_types: LayerTypes = (nn.Conv2d, nn.Linear),
) -> list[tuple[str, float]]:
    """The Euclidean norm of the loss's gradient with respect to each layer's weight.

    The gradient is computed with ``torch.autograd.grad`` on one batch, so the
    model's ``.grad`` attributes are left untouched.

    Args:
        model: the network.
        inputs: a batch, e.g. ``N x C x H x W``.
        targets: what ``loss`` compares the outputs with (class indices ``N``
            for the default cross-entropy).
        loss: ``loss(outputs, targets) -> scalar``; default cross-entropy.
        layer_types: the kinds of layer to measure; each must have a ``weight``.

    Returns:
        ``[(name, norm), ...]``: one pair per layer of ``layer_types``, in the
        order in which the model registers them (input to output for a chain),
        ``norm`` being :math:`\\lVert \\partial L / \\partial W \\rVert_2`.

    Raises:
        ValueError: if ``layer_types`` is not a module class (or tuple of them),
            or no such layer with a trainable ``weight`` exists in the model.
    """
    kinds = _check_layer_types(layer_types)
    layers = [(name, m) for name, m in model.named_modules()
              if isinstance(m, kinds) and isinstance(getattr(m, "weight", None), torch.Tensor)
              and m.weight.requires_grad]
    if not layers:
        kinds_named = ", ".join(k.__name__ for k in kinds)
        raise ValueError(f"the model has no layer of type {kinds_named} with a trainable weight")
    loss_fn = loss if loss is not None else nn.functional.cross_entropy
    value = loss_fn(model(inputs), targets)
    grads: Sequence[torch.Tensor | None] = torch.autograd.grad(value, [m.weight for _, m in layers], allow_unused=True)
    # a weight the forward pass never used has no gradient: its norm is 0
    return [(name, float(g.norm()) if g is not None else 0.0) for (name, _), g in zip(layers, grads)]
