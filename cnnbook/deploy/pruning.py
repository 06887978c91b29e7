"""Unstructured magnitude pruning: set the smallest weights to zero, for good.

``torch.nn.utils.prune`` prunes by attaching a mask to a layer (the weight
becomes ``weight_orig * weight_mask``, recomputed before every forward pass);
:func:`prune_unstructured` then makes the pruning permanent with
``prune.remove``, so that the model is again an ordinary model whose weight
tensors simply contain zeros. The tensors stay dense: the file is as large and
the dense kernels as slow as before, until a sparse format or a compressor
(:mod:`cnnbook.deploy.compression`) exploits the zeros.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils import prune

__all__ = ["count_zeros", "prune_unstructured", "sparsity"]

DEFAULT_LAYERS = (nn.Conv2d, nn.Linear)


def _check_amount(amount: float) -> None:
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount < 1:
        raise ValueError(f"amount must be a fraction in [0, 1), got {amount!r}")


def _weighted_layers(model: nn.Module, layer_types: Sequence[type]) -> list[nn.Module]:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    layers = [m for m in model.modules() if isinstance(m, tuple(layer_types)) and getattr(m, "weight", None) is not None]
    if not layers:
        names = ", ".join(t.__name__ for t in layer_types)
        raise ValueError(f"model has no layer of the types to prune ({names})")
    return layers


def prune_unstructured(model: nn.Module, amount: float, *, scope: str = "global",
                       layer_types: Sequence[type] = DEFAULT_LAYERS) -> nn.Module:
    """Zero the ``amount`` fraction of weights with the smallest magnitude, permanently (in place).

    Only the ``weight`` tensors of layers of ``layer_types`` are pruned (not
    the biases). With ``scope="global"`` one threshold is shared by all those
    layers (layers whose weights are small overall lose more); with
    ``scope="layer"`` every layer loses the same fraction. Either way the
    number of weights set to zero is ``round(amount * n)`` (of all the pruned
    weights, or of each layer's ``n``), so a model without zeros before ends
    with sparsity ``amount`` up to that rounding.

    Args:
        model: the network, changed in place.
        amount: fraction of the weights to set to zero, in ``[0, 1)``.
        scope: ``"global"`` or ``"layer"``.
        layer_types: the layer classes whose ``weight`` is pruned.

    Returns:
        ``model`` itself, with zeros in its weights and no pruning masks left.

    Raises:
        ValueError: on an ``amount`` outside ``[0, 1)``, an unknown ``scope``,
            or a model with no layer of ``layer_types``.
    """
    _check_amount(amount)
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    layers = _weighted_layers(model, layer_types)
    if scope == "global":
        prune.global_unstructured([(m, "weight") for m in layers], pruning_method=prune.L1Unstructured,
                                  amount=float(amount))
    else:
        for layer in layers:
            prune.l1_unstructured(layer, "weight", amount=float(amount))
    for layer in layers:
        prune.remove(layer, "weight")  # weight = weight_orig * mask, stored as a plain parameter again
    return model


def sparsity(model: nn.Module, *, layer_types: Sequence[type] = DEFAULT_LAYERS) -> float:
    """Fraction of exactly-zero entries among the ``weight`` tensors of ``layer_types`` layers.

    Raises:
        ValueError: if ``model`` has no layer of ``layer_types``.
    """
    zeros, total = count_zeros(model, layer_types=layer_types)
    return zeros / total


def count_zeros(model: nn.Module, *, layer_types: Sequence[type] = DEFAULT_LAYERS) -> tuple[int, int]:
    """``(zeros, total)`` entries of the ``weight`` tensors of ``layer_types`` layers."""
    layers = _weighted_layers(model, layer_types)
    with torch.no_grad():
        return sum(int((m.weight == 0).sum()) for m in layers), sum(m.weight.numel() for m in layers)
