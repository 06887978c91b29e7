"""How each layer of a chain slides over its input: the geometry that sizes and receptive fields share.

:func:`layer_geometry` gives the kernel, stride, padding at both ends,
dilation and ceil mode of a 2-D convolution, pooling or padding layer (and a
``1 x 1`` window for the layers that act on each position separately);
:func:`is_chain` says whether a module runs its children one after the other,
and :func:`chain_layers` lists a chain's layers in the order they run.
:func:`cnnbook.analysis.expected_shapes` and the receptive-field functions
build on them.
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..checks import as_pair

__all__ = ["LayerGeometry", "PADDING_LAYERS", "POINTWISE", "POINTWISE_LAYERS", "chain_layers", "is_chain",
           "layer_geometry"]

Pair = tuple[int, int]


@dataclass(frozen=True)
class LayerGeometry:
    """How a layer slides over its input, per dimension (height, width)."""

    kernel: Pair
    stride: Pair
    pad_start: Pair  # (top, left)
    pad_end: Pair  # (bottom, right)
    dilation: Pair
    ceil_mode: bool = False


POINTWISE = LayerGeometry((1, 1), (1, 1), (0, 0), (0, 0), (1, 1))

# Layers that act on each position separately (spatially 1 x 1, stride 1).
# Batch normalization counts as such in evaluation mode, where its statistics are fixed.
POINTWISE_LAYERS: tuple[type[nn.Module], ...] = (
    nn.Identity, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Hardshrink,
    nn.Softshrink, nn.Tanhshrink, nn.Softplus, nn.Softsign, nn.LogSigmoid, nn.Threshold, nn.Softmax2d,
    nn.Dropout, nn.Dropout2d, nn.AlphaDropout, nn.FeatureAlphaDropout, nn.BatchNorm2d, nn.LocalResponseNorm,
)
PADDING_LAYERS: tuple[type[nn.Module], ...] = (
    nn.ConstantPad2d, nn.ZeroPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d, nn.CircularPad2d,
)

def layer_geometry(module: nn.Module) -> LayerGeometry | None:
    """The sliding-window geometry of a supported layer, or None."""
    if isinstance(module, nn.Conv2d):
        kernel, dilation = as_pair(module.kernel_size, "kernel_size", 1), as_pair(module.dilation, "dilation", 1)
        if module.padding == "same":  # PyTorch puts the odd pixel of an even total at the end
            total = tuple(d * (k - 1) for d, k in zip(dilation, kernel))
            start = tuple(t // 2 for t in total)
            end = tuple(t - s for t, s in zip(total, start))
        elif module.padding == "valid":
            start = end = (0, 0)
        else:
            start = end = as_pair(module.padding, "padding", 0)
        return LayerGeometry(kernel, as_pair(module.stride, "stride", 1), start, end, dilation)
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        kernel = as_pair(module.kernel_size, "kernel_size", 1)
        stride = as_pair(module.stride if module.stride is not None else module.kernel_size, "stride", 1)
        padding = as_pair(module.padding, "padding", 0)
        dilation = as_pair(getattr(module, "dilation", 1), "dilation", 1)
        return LayerGeometry(kernel, stride, padding, padding, dilation, bool(module.ceil_mode))
    if isinstance(module, PADDING_LAYERS):
        left, right, top, bottom = module.padding
        return LayerGeometry((1, 1), (1, 1), (top, left), (bottom, right), (1, 1))
    if isinstance(module, POINTWISE_LAYERS):
        return POINTWISE
    return None


def is_chain(module: nn.Module) -> bool:
    """A plain nn.Sequential (or a subclass that keeps Sequential's forward): its layers run one after the other."""
    return isinstance(module, nn.Sequential) and type(module).forward is nn.Sequential.forward


class _Found(Exception):
    """Raised inside the walk of a chain when the layer named by ``until`` has been reached."""


def chain_layers(model: nn.Module, until: str | None = None) -> list[tuple[str, nn.Module]]:
    """The layers of a chain (:func:`is_chain`) in the order they run, nested chains flattened.

    Args:
        model: a chain of layers.
        until: the qualified name of a layer or nested chain; the walk stops
            after it, so that whatever follows (a classifier head) is never looked at.

    Returns:
        ``[(qualified name, layer), ...]``, names as ``model.named_modules()``
        gives them (``"features.0"``); empty for an empty chain.
    """
    layers: list[tuple[str, nn.Module]] = []

    def walk(module: nn.Module, prefix: str) -> None:
        for child_name, child in module.named_children():
            name = f"{prefix}.{child_name}" if prefix else child_name
            if is_chain(child):
                walk(child, name)
            else:
                layers.append((name, child))
            if name == until:
                raise _Found

    try:
        walk(model, "")
    except _Found:
        pass
    return layers
