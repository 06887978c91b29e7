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
  gradient vanishing (or exploding) on its way down a deep network;
- :func:`gradient_agreement` measures whether the gradients that different
  mini-batches give at each layer point the same way, which shows a gradient
  that has become noise (*shattered*) in a deep network even where its size
  is healthy.

:func:`weight_gradients` returns the gradients themselves, on which both rest.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from ..checks import as_int

__all__ = [
    "ActivationRecord",
    "dead_units",
    "gradient_agreement",
    "record_activations",
    "weight_gradient_norms",
    "weight_gradients",
]

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


Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def weight_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    loss: Loss | None = None,
    layer_types: LayerTypes = (nn.Conv2d, nn.Linear),
) -> list[tuple[str, torch.Tensor]]:
    """The gradient of the loss on one batch with respect to each layer's weight.

    The gradient is computed with ``torch.autograd.grad``, so the model's
    ``.grad`` attributes are left untouched. The model's mode (train or eval)
    is left as it is: in training mode, batch normalisation uses the batch's
    statistics.

    Args:
        model: the network.
        inputs: a batch, e.g. ``N x C x H x W``.
        targets: what ``loss`` compares the outputs with (class indices ``N``
            for the default cross-entropy).
        loss: ``loss(outputs, targets) -> scalar``; default cross-entropy.
        layer_types: the kinds of layer to measure; each must have a ``weight``.

    Returns:
        ``[(name, gradient), ...]``: one pair per layer of ``layer_types`` with
        a trainable weight, in the order in which the model registers them
        (input to output for a chain); ``gradient`` is
        :math:`\\partial L / \\partial W`, detached, with the weight's shape
        (zeros for a layer the forward pass never used).

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
    # a weight the forward pass never used has no gradient: it is 0
    return [(name, g.detach() if g is not None else torch.zeros_like(m.weight))
            for (name, m), g in zip(layers, grads)]


def weight_gradient_norms(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    loss: Loss | None = None,
    layer_types: LayerTypes = (nn.Conv2d, nn.Linear),
) -> list[tuple[str, float]]:
    """The Euclidean norm of the loss's gradient with respect to each layer's weight.

    Takes the arguments of :func:`weight_gradients` (one batch; the model's
    ``.grad`` attributes are left untouched) and raises as it does.

    Returns:
        ``[(name, norm), ...]``: one pair per layer of :func:`weight_gradients`,
        in its order, ``norm`` being :math:`\\lVert \\partial L / \\partial W \\rVert_2`.
    """
    gradients = weight_gradients(model, inputs, targets, loss=loss, layer_types=layer_types)
    return [(name, float(g.norm())) for name, g in gradients]


def gradient_agreement(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    batches: int = 4,
    loss: Loss | None = None,
    layer_types: LayerTypes = (nn.Conv2d, nn.Linear),
) -> list[tuple[str, float]]:
    """How well the gradients of different mini-batches agree in direction, layer by layer.

    ``inputs`` is cut into ``batches`` equal, disjoint mini-batches (in order;
    left-over samples are dropped). For each layer, the gradient of each
    mini-batch's loss with respect to the layer's weight is computed
    (:func:`weight_gradients`), and the cosine similarity
    :math:`\\cos(g_i, g_j) = g_i \\cdot g_j / (\\lVert g_i \\rVert \\lVert g_j \\rVert)`
    is averaged over every pair ``i < j``. A value near 1 means every
    mini-batch asks the layer to move the same way; near 0, the directions
    are unrelated, so a step that lowers one batch's loss is no better than a
    random step for another's: the gradient is mostly noise.

    Args:
        model: the network (its mode is left as it is).
        inputs: ``N x ...`` samples, ``N >= batches``.
        targets: the ``N`` targets.
        batches: number of mini-batches ``B >= 2``; each has ``N // B`` samples.
        loss, layer_types: as in :func:`weight_gradients`.

    Returns:
        ``[(name, mean cosine), ...]``, one pair per layer in registration
        order, each value in ``[-1, 1]`` (0 for a layer whose gradient is zero).

    Raises:
        ValueError: if ``batches < 2``, ``inputs`` and ``targets`` differ in
            length, there are fewer samples than batches, or as
            :func:`weight_gradients`.
    """
    batches = as_int("batches", batches, 2)  # agreement needs pairs
    if len(inputs) != len(targets):
        raise ValueError(f"inputs and targets must have the same length, got {len(inputs)} and {len(targets)}")
    size = len(inputs) // batches
    if size < 1:
        raise ValueError(f"need at least one sample per mini-batch: {len(inputs)} samples for {batches} batches")
    per_batch = [weight_gradients(model, inputs[i * size:(i + 1) * size], targets[i * size:(i + 1) * size],
                                  loss=loss, layer_types=layer_types) for i in range(batches)]
    result = []
    for index, (name, _) in enumerate(per_batch[0]):
        flat = torch.stack([grads[index][1].flatten() for grads in per_batch])  # B x (weights of the layer)
        unit = flat / flat.norm(dim=1, keepdim=True).clamp_min(torch.finfo(flat.dtype).tiny)
        cosines = unit @ unit.T
        pairs = torch.triu_indices(batches, batches, offset=1)
        result.append((name, float(cosines[pairs[0], pairs[1]].mean())))
    return result
