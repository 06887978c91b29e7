"""Layer objects: each holds its parameters, calls its forward/backward pair and keeps the cache in between.

A layer is used in three steps::

    out = layer.forward(x)      # or layer(x); remembers what backward needs
    dx = layer.backward(dout)   # sets layer.weight.grad, layer.bias.grad, ...
    optimizer.step()            # reads the grads, updates the parameters

Parameters are :class:`~cnnbook.scratch.parameter.Parameter` objects named as
in PyTorch (``weight``, ``bias``), initialised as PyTorch initialises them,
and can be copied from and to the matching ``torch.nn`` module
(:meth:`Layer.copy_from_torch`, :meth:`Layer.copy_to_torch`), which is how the
chapters check a scratch network against PyTorch.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import functional as F
from ..checks import as_pair
from .parameter import Parameter, as_generator

__all__ = [
    "AvgPool2d",
    "BatchNorm2d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "GELU",
    "Layer",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Tanh",
]


class Layer:
    """Base class of the layers.

    Subclasses implement :meth:`forward` (which stores ``self.cache``) and
    :meth:`backward`. Every :class:`Parameter` attribute is a parameter;
    names listed in ``buffers`` are non-learnable state copied along with
    the parameters (BatchNorm's running statistics).
    """

    buffers: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.training = True
        self.cache: Any = None

    # --- the two passes
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the layer's output and remember, in ``self.cache``, what the backward pass needs.

        Inputs:
        - x: the input, ``(N, C, H, W)`` for image layers, ``(N, D)`` for ``Linear``.

        Returns:
        - out: the output, same dtype as ``x``.
        """
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Backpropagate through the last forward pass.

        Sets the ``grad`` of every parameter of the layer (overwriting the
        previous one).

        Inputs:
        - dout: gradient of the loss with respect to the last output, its shape.

        Returns:
        - dx: gradient of the loss with respect to the last input, its shape.
        """
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Same as :meth:`forward`."""
        return self.forward(x)

    def _cached(self) -> Any:
        """The cache of the last forward pass; an error if there was none."""
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward")
        return self.cache

    # --- parameters and mode
    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` pairs, in the order PyTorch lists them."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield name, value

    def parameters(self) -> list[Parameter]:
        """The layer's parameters (an empty list for layers without any)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget the gradients (set them to ``None``)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> "Layer":
        """Switch to training mode (``mode=True``) or evaluation mode; returns the layer."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Layer":
        """Switch to evaluation mode; returns the layer."""
        return self.train(False)

    # --- PyTorch interoperability
    def copy_from_torch(self, module: Any) -> "Layer":
        """Copy the parameters (and buffers) of the matching ``torch.nn`` module into this layer.

        The values are converted to this layer's dtype. Returns the layer.

        Raises:
            ValueError: if ``module`` is of another kind or a shape differs.
        """
        self._check_torch_kind(module)
        for name, array in self._state_arrays():
            source = _torch_attribute(module, name).detach().cpu().numpy()
            if source.shape != array.shape:
                raise ValueError(f"{name}: the torch module has shape {source.shape}, this layer {array.shape}")
            array[...] = source
        return self

    def copy_to_torch(self, module: Any) -> Any:
        """Copy this layer's parameters (and buffers) into the matching ``torch.nn`` module; returns it.

        Raises:
            ValueError: if ``module`` is of another kind or a shape differs.
        """
        import torch

        self._check_torch_kind(module)
        with torch.no_grad():
            for name, array in self._state_arrays():
                target = _torch_attribute(module, name)
                if tuple(target.shape) != array.shape:
                    raise ValueError(f"{name}: the torch module has shape {tuple(target.shape)}, this layer {array.shape}")
                target.copy_(torch.from_numpy(np.ascontiguousarray(array)))
        return module

    def _state_arrays(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every array copied to and from PyTorch: parameters, then buffers, by name."""
        for name, p in self.named_parameters():
            yield name, p.data
        for name in self.buffers:
            yield name, getattr(self, name)

    def _check_torch_kind(self, module: Any) -> None:
        """Check that ``module`` is the PyTorch layer of the same kind, with a bias if and only if we have one."""
        if type(module).__name__ != type(self).__name__:
            raise ValueError(f"expected a torch.nn.{type(self).__name__}, got {type(module).__name__}")
        if "bias" in vars(self) and (getattr(module, "bias", None) is None) != (self.bias is None):
            raise ValueError(
                f"one of the two layers has a bias and the other has not "
                f"(torch: {getattr(module, 'bias', None) is not None}, scratch: {self.bias is not None})"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        """The layer's settings, shown inside ``repr`` (as in PyTorch)."""
        return ""


def _torch_attribute(module: Any, name: str) -> Any:
    """``module.name``, or an error naming what is missing."""
    value = getattr(module, name, None)
    if value is None:
        raise ValueError(f"the torch module {type(module).__name__} has no {name} (built with bias=False?)")
    return value


def _uniform(rng: np.random.Generator, bound: float, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An array of ``shape`` drawn uniformly from ``[-bound, bound]``, in ``dtype``."""
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


# --------------------------------------------------------------------------- layers with weights


class Conv2d(Layer):
    """A 2-D convolution layer (like ``torch.nn.Conv2d``).

    Args:
        in_channels, out_channels: ``C_in`` and ``C_out``.
        kernel_size, stride, padding, dilation: an int or an ``(h, w)`` pair.
        groups: channel groups (``groups = in_channels`` is depthwise).
        bias: whether to add a learnable bias.
        rng: random generator, seed or ``None`` (see :func:`~cnnbook.scratch.parameter.as_generator`).
        dtype: dtype of the parameters (``np.float32`` or ``np.float64``).

    The weights ``(C_out, C_in / groups, kH, kW)`` and the bias are drawn
    uniformly from ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` with
    ``fan_in = C_in / groups * kH * kW``, which is what PyTorch's default
    initialisation (Kaiming-uniform with ``a = sqrt(5)``) comes down to.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.dilation = as_pair(dilation, "dilation", minimum=1)
        rng = as_generator(rng)
        fan_in = in_channels // groups * self.kernel_size[0] * self.kernel_size[1]
        bound = 1 / math.sqrt(fan_in)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(_uniform(rng, bound, shape, dtype))
        self.bias = Parameter(_uniform(rng, bound, (out_channels,), dtype)) if bias else None

    def forward(self, x: np.ndarray) -> np.ndarray:
        bias = None if self.bias is None else self.bias.data
        out, self.cache = F.conv2d_forward(
            x, self.weight.data, bias, self.stride, self.padding, self.dilation, self.groups
        )
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, self.weight.grad, db = F.conv2d_backward(dout, self._cached())
        if self.bias is not None:
            self.bias.grad = db
        return dx

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Linear(Layer):
    """A fully connected layer (like ``torch.nn.Linear``): ``out = x @ weight.T + bias``.

    Args:
        in_features, out_features: ``D_in`` and ``D_out``.
        bias: whether to add a learnable bias.
        rng: random generator, seed or ``None``.
        dtype: dtype of the parameters.

    ``weight`` ``(D_out, D_in)`` and ``bias`` are drawn uniformly from
    ``[-1/sqrt(D_in), 1/sqrt(D_in)]``, as PyTorch does. The input must be
    ``(N, D_in)``: put a :class:`Flatten` before it after convolutions.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        rng = as_generator(rng)
        bound = 1 / math.sqrt(in_features)
        self.weight = Parameter(_uniform(rng, bound, (out_features, in_features), dtype))
        self.bias = Parameter(_uniform(rng, bound, (out_features,), dtype)) if bias else None

    def forward(self, x: np.ndarray) -> np.ndarray:
        bias = None if self.bias is None else self.bias.data
        out, self.cache = F.linear_forward(x, self.weight.data, bias)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, self.weight.grad, db = F.linear_backward(dout, self._cached())
        if self.bias is not None:
            self.bias.grad = db
        return dx

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}" + (
            "" if self.bias is not None else ", bias=False"
        )


class BatchNorm2d(Layer):
    """Batch normalisation over the channels of images (like ``torch.nn.BatchNorm2d``).

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance before the square root.
        momentum: weight of each new batch in the running statistics.
        dtype: dtype of the parameters and statistics.

    Parameters ``weight`` (gamma, ones) and ``bias`` (beta, zeros); buffers
    ``running_mean`` (zeros) and ``running_var`` (ones), updated in place in
    training mode and used in evaluation mode.
    """

    buffers = ("running_mean", "running_var")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, *, dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype))
        self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.batchnorm2d_forward(
            x, self.weight.data, self.bias.data, self.running_mean, self.running_var,
            self.training, self.momentum, self.eps,
        )
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, self.weight.grad, self.bias.grad = F.batchnorm2d_backward(dout, self._cached())
        return dx

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


# --------------------------------------------------------------------------- pooling


class _Pool2d(Layer):
    """What the two pooling layers share: a window, a stride (``None``: the window size) and a padding."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max pooling (like ``torch.nn.MaxPool2d``); ``stride`` defaults to ``kernel_size``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.max_pool2d_forward(x, self.kernel_size, self.stride, self.padding)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.max_pool2d_backward(dout, self._cached())


class AvgPool2d(_Pool2d):
    """Average pooling, padding counted in the mean (like ``torch.nn.AvgPool2d``'s defaults).

    With ``kernel_size`` equal to the input's height and width it is global
    average pooling.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.avg_pool2d_forward(x, self.kernel_size, self.stride, self.padding)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.avg_pool2d_backward(dout, self._cached())


# --------------------------------------------------------------------------- activations


class ReLU(Layer):
    """``max(x, 0)``, element-wise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.relu_forward(x)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.relu_backward(dout, self._cached())


class LeakyReLU(Layer):
    """``x`` for positive ``x``, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.leaky_relu_forward(x, self.negative_slope)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.leaky_relu_backward(dout, self._cached())

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``, element-wise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.sigmoid_forward(x)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.sigmoid_backward(dout, self._cached())


class Tanh(Layer):
    """``tanh(x)``, element-wise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.tanh_forward(x)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.tanh_backward(dout, self._cached())


class GELU(Layer):
    """``x * Phi(x)`` (``approximate="none"``) or its tanh approximation (``"tanh"``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.gelu_forward(x, self.approximate)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.gelu_backward(dout, self._cached())

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Layer):
    """``x * sigmoid(x)``, element-wise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = F.silu_forward(x)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return F.silu_backward(dout, self._cached())


# --------------------------------------------------------------------------- shape and regularisation


class Flatten(Layer):
    """Reshape ``(N, C, H, W)`` (or any ``(N, ...)``) to ``(N, C * H * W)``; backward reshapes back."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim < 2:
            raise ValueError(f"Flatten expects an array (N, ...) with at least 2 dimensions, got {getattr(x, 'shape', x)}")
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(self._cached())


class Dropout(Layer):
    """Inverted dropout: in training, zero each value with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Args:
        p: probability of dropping a value.
        rng: random generator, seed or ``None``; it draws every mask, so a
            seeded run is reproducible.

    In evaluation mode it is the identity.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, mask = F.dropout_forward(x, self.p, self.training, self.rng)
        self.cache = (mask,)  # a tuple, so that "no mask" (None) is not "no forward yet"
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        (mask,) = self._cached()
        return F.dropout_backward(dout, mask)

    def extra_repr(self) -> str:
        return f"p={self.p}"
