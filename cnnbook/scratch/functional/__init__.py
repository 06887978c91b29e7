"""Forward and backward passes of every layer of a CNN, in NumPy.

The style is CS231n's: each ``*_forward`` returns ``(out, cache)``, and the
matching ``*_backward(dout, cache)`` takes the gradient of the loss with
respect to ``out`` and returns the gradients with respect to the inputs and
parameters. Arrays are ``N, C, H, W``; weights use PyTorch's layouts, so
that every function can be checked against ``torch.nn.functional``; ``stride``,
``padding``, ``dilation`` and ``kernel_size`` take an int or an ``(h, w)``
pair. Every function keeps the dtype of its input (float32 or float64).

==========================  ==================================================
module                      holds
==========================  ==================================================
:mod:`.windows`             ``im2col`` / ``col2im``: sliding windows as a matrix
:mod:`.conv`                ``conv2d_forward`` / ``conv2d_backward``
:mod:`.pooling`             max and average pooling
:mod:`.linear`              the fully connected layer
:mod:`.activations`         ReLU, leaky ReLU, sigmoid, tanh, GELU, SiLU
:mod:`.batchnorm`           batch normalisation
:mod:`.dropout`             inverted dropout
:mod:`.losses`              softmax, log-softmax, softmax cross-entropy
==========================  ==================================================
"""
from .activations import (
    gelu_backward,
    gelu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid,
    sigmoid_backward,
    sigmoid_forward,
    silu_backward,
    silu_forward,
    tanh_backward,
    tanh_forward,
)
from .batchnorm import batchnorm2d_backward, batchnorm2d_forward
from .conv import conv2d_backward, conv2d_forward
from .dropout import dropout_backward, dropout_forward
from .linear import linear_backward, linear_forward
from .losses import log_softmax, softmax, softmax_cross_entropy
from .pooling import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward
from .windows import col2im, im2col, output_size, window_geometry

__all__ = [
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "batchnorm2d_backward",
    "batchnorm2d_forward",
    "col2im",
    "conv2d_backward",
    "conv2d_forward",
    "dropout_backward",
    "dropout_forward",
    "gelu_backward",
    "gelu_forward",
    "im2col",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "linear_backward",
    "linear_forward",
    "log_softmax",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "output_size",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "silu_backward",
    "silu_forward",
    "softmax",
    "softmax_cross_entropy",
    "tanh_backward",
    "tanh_forward",
    "window_geometry",
]
