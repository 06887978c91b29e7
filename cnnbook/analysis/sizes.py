"""The output size of a convolution or pooling layer, and of a transposed convolution.

Along one spatial dimension, a window of ``k`` taps spaced ``d`` pixels apart
(dilation) spans ``d (k - 1) + 1`` pixels of its input. Sliding it by ``s``
pixels (stride) over an input of ``n`` pixels padded with ``p`` pixels on each
side, it fits

    floor((n + 2p - d (k - 1) - 1) / s) + 1

times. That count is the output size; pooling layers with ``ceil_mode=True``
round up instead of down, keeping an extra window only if it starts inside the
input or its left padding (PyTorch's rule). A transposed convolution runs the
formula backwards.
"""
from __future__ import annotations

from typing import Any

from ..sliding_windows import window_count
from ..checks import IntOrPair, as_pair, is_pair

__all__ = ["conv_output_size", "conv_transpose_output_size"]

_DIMENSIONS = ("height", "width")


def conv_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> IntOrPair:
    """Output size of a convolution or pooling layer: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``.

    Every argument is an int (the same along height and width) or a
    ``(height, width)`` pair. The result is a pair when any argument is a pair,
    and an int otherwise, so that ``conv_output_size(32, 3, padding=1) == 32``
    and ``conv_output_size((32, 48), 3) == (30, 46)``.

    Args:
        size: input size ``n`` (``H``, ``W`` of an ``N x C x H x W`` input), >= 1.
        kernel_size: ``k``, >= 1.
        stride: ``s``, >= 1.
        padding: ``p`` zeros added on each side, >= 0; or ``"valid"`` (no
            padding) or ``"same"`` (PyTorch's: the output keeps the input's
            size; needs stride 1).
        dilation: ``d``, the spacing between kernel taps, >= 1.
        ceil_mode: round up instead of down (pooling layers' ``ceil_mode``).

    Returns:
        The output size: an int, or an ``(H_out, W_out)`` pair.

    Raises:
        ValueError: on a non-int or out-of-range argument, ``"same"`` with a
            stride other than 1, or when the window is larger than the padded
            input (the output would be empty).
    """
    arguments: dict[str, Any] = {"size": size, "kernel_size": kernel_size, "stride": stride,
                                 "padding": padding, "dilation": dilation}
    want_pair = any(is_pair(v) for v in arguments.values())
    sizes = as_pair(size, "size", 1)
    kernels = as_pair(kernel_size, "kernel_size", 1)
    strides = as_pair(stride, "stride", 1)
    dilations = as_pair(dilation, "dilation", 1)
    if isinstance(padding, str):
        if padding == "valid":
            paddings = (0, 0)
        elif padding == "same":
            if strides != (1, 1):
                raise ValueError(f'padding="same" needs stride 1 (as in PyTorch), got stride {stride!r}')
            return sizes if want_pair else sizes[0]
        else:
            raise ValueError(f'padding must be an int, a pair, "valid" or "same", got {padding!r}')
    else:
        paddings = as_pair(padding, "padding", 0)
    out = tuple(
        window_count(n, k, s, p, p, d, bool(ceil_mode), dim)
        for n, k, s, p, d, dim in zip(sizes, kernels, strides, paddings, dilations, _DIMENSIONS)
    )
    return out if want_pair else out[0]


def conv_transpose_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of a transposed convolution: ``(n - 1) s - 2p + d(k - 1) + output_padding + 1``.

    The transposed convolution maps each input pixel to a ``k x k`` window of
    the output, the windows ``s`` pixels apart; it inverts the size arithmetic
    of :func:`conv_output_size`, and ``output_padding`` picks among the input
    sizes that a strided convolution maps to the same output size. Ints and
    pairs as in :func:`conv_output_size`.

    Args:
        size: input size ``n``, >= 1.
        kernel_size: ``k``, >= 1.
        stride: ``s``, >= 1.
        padding: ``p``, >= 0 (removed from each side of the output).
        output_padding: added on one side, >= 0 and smaller than the stride or
            the dilation (PyTorch's rule).
        dilation: ``d``, >= 1.

    Returns:
        The output size: an int, or an ``(H_out, W_out)`` pair.

    Raises:
        ValueError: on a non-int or out-of-range argument, or when the output
            would be empty.
    """
    arguments = (size, kernel_size, stride, padding, output_padding, dilation)
    want_pair = any(is_pair(v) for v in arguments)
    sizes = as_pair(size, "size", 1)
    kernels = as_pair(kernel_size, "kernel_size", 1)
    strides = as_pair(stride, "stride", 1)
    paddings = as_pair(padding, "padding", 0)
    output_paddings = as_pair(output_padding, "output_padding", 0)
    dilations = as_pair(dilation, "dilation", 1)
    out = []
    for n, k, s, p, op, d, dim in zip(sizes, kernels, strides, paddings, output_paddings, dilations, _DIMENSIONS):
        if op >= max(s, d):
            raise ValueError(f"along the {dim}, output_padding must be smaller than the stride or the dilation "
                             f"(here {max(s, d)}), got {op}")
        value = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        if value < 1:
            raise ValueError(f"along the {dim}, the output would have {value} pixels; expected at least 1 "
                             f"(padding {p} removes too much from (size - 1) * stride + dilation * (kernel - 1) + 1 "
                             f"= {(n - 1) * s + d * (k - 1) + 1})")
        out.append(value)
    return tuple(out) if want_pair else out[0]
