"""The output-size formula of convolution and pooling, in one place.

``window_count`` says how many positions a window of ``kernel_size`` taps
(spaced ``dilation`` apart) takes when it slides with step ``stride`` over a
padded input: ``floor((size + pad_start + pad_end - dilation * (kernel_size - 1) - 1) / stride) + 1``,
with PyTorch's rule for ``ceil_mode``. The NumPy engine (:mod:`cnnbook.scratch`),
the size and shape predictions and the receptive fields (:mod:`cnnbook.analysis`)
all use it. ``window_positions`` lists, for each of those windows, the input
positions it reads. The module does not need torch.
"""
from __future__ import annotations

from .checks import as_int

__all__ = ["window_count", "window_positions"]


def window_count(size: int, kernel_size: int, stride: int, pad_start: int, pad_end: int, dilation: int,
                 ceil_mode: bool, dimension: str = "size") -> int:
    """How many windows fit along one dimension: the output-size formula of convolution and pooling.

    Allows different padding at the two ends (``pad_start`` before the first
    pixel, ``pad_end`` after the last), as padding layers and ``padding="same"``
    with an even kernel produce. In ceil mode the last window may overhang the
    end of the padded input, provided it starts inside the input or the start
    padding (PyTorch's rule).

    Raises:
        ValueError: if the output would be empty.
    """
    extent = dilation * (kernel_size - 1) + 1
    padded = size + pad_start + pad_end
    if ceil_mode:  # the last window may overhang the end of the padded input, if it starts inside it
        count = (padded - extent + stride - 1) // stride + 1
        if (count - 1) * stride >= size + pad_start:  # the last window would start in the end padding
            count -= 1
        needed = extent - (stride - 1)
    else:
        count = (padded - extent) // stride + 1
        needed = extent
    if count < 1:
        raise ValueError(
            f"along the {dimension}, the window spans {extent} pixels (dilation * (kernel_size - 1) + 1) "
            f"but the padded input has only {padded} (size {size} + padding {pad_start} + {pad_end}); "
            f"expected a padded input of at least {needed} pixels, so that the output is not empty"
        )
    return count


def window_positions(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> list[list[int]]:
    """The input positions that each output of a 1-D sliding window reads.

    Output ``j`` reads positions ``j s - p + i d`` for ``i = 0, ..., k - 1``:
    the window starts ``s`` pixels further along for each output, and its
    taps are ``d`` pixels apart. A position below 0 or at least ``size`` lies
    in the zero padding.

    Args:
        size: input length ``n``, >= 1.
        kernel_size: taps per window ``k``, >= 1.
        stride: ``s``, >= 1.
        padding: ``p`` zeros on each side, >= 0.
        dilation: ``d``, >= 1.

    Returns:
        One list of ``k`` positions per output; there are
        :func:`window_count` (``conv_output_size(n, k, s, p, d)``) outputs.

    Raises:
        ValueError: on a non-int or out-of-range argument, or a window larger
            than the padded input.
    """
    size, kernel_size = as_int("size", size), as_int("kernel_size", kernel_size)
    stride, dilation, padding = as_int("stride", stride), as_int("dilation", dilation), as_int("padding", padding, 0)
    count = window_count(size, kernel_size, stride, padding, padding, dilation, False)
    return [[j * stride - padding + i * dilation for i in range(kernel_size)] for j in range(count)]
