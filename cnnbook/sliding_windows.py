"""The output-size formula of convolution and pooling, in one place.

``window_count`` says how many positions a window of ``kernel_size`` taps
(spaced ``dilation`` apart) takes when it slides with step ``stride`` over a
padded input: ``floor((size + pad_start + pad_end - dilation * (kernel_size - 1) - 1) / stride) + 1``,
with PyTorch's rule for ``ceil_mode``. The NumPy engine (:mod:`cnnbook.scratch`),
the size and shape predictions and the receptive fields (:mod:`cnnbook.analysis`)
all use it. The module needs neither torch nor NumPy.
"""
from __future__ import annotations

__all__ = ["window_count"]


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
