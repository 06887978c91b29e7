"""The from-scratch NumPy engine: every layer of a CNN, forward and backward.

The chapters teach each layer by building it; this package holds the
finished versions, written to be read line by line and checked against
PyTorch (the unit tests compare every output and gradient with autograd).

- :mod:`cnnbook.scratch.functional`: forward/backward pairs (convolution,
  pooling, linear, activations, batch norm, dropout, softmax cross-entropy).
- :mod:`cnnbook.scratch.layers`: layer objects holding parameters and gradients.
- :mod:`cnnbook.scratch.optim`: SGD, RMSprop, Adam, AdamW, as in ``torch.optim``.
- :mod:`cnnbook.scratch.model`: ``Sequential``, ``fit``, ``evaluate``, ``from_torch``.
- :mod:`cnnbook.scratch.gradcheck`: numerical gradients and relative errors.

Only NumPy is needed (and SciPy for the exact GELU); PyTorch is imported
only to copy weights from and to ``torch.nn`` modules.
"""
from . import functional, gradcheck, layers, model, optim
from .layers import (
    GELU,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Layer,
    LeakyReLU,
    Linear,
    MaxPool2d,
    ReLU,
    SiLU,
    Sigmoid,
    Tanh,
)
from .model import Sequential, evaluate, fit, from_torch
from .optim import SGD, Adam, AdamW, RMSprop
from .parameter import Parameter

__all__ = [
    "GELU",
    "SGD",
    "Adam",
    "AdamW",
    "AvgPool2d",
    "BatchNorm2d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "Layer",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "Parameter",
    "RMSprop",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "evaluate",
    "fit",
    "from_torch",
    "functional",
    "gradcheck",
    "layers",
    "model",
    "optim",
]
