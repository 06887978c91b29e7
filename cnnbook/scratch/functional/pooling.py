"""Max and average pooling, forward and backward.

Both slide a ``kH x kW`` window over each channel separately. Instead of
copying the windows out (as ``im2col`` does for convolution), we loop over
the ``kH * kW`` positions inside the window: for a fixed offset ``(i, j)``,
the pixels at that offset in every window form one strided slice of the
padded input, ``xp[:, :, i::sh, j::sw]`` cut to ``Ho x Wo``. Each step of the
loop then handles all images, channels and windows at once, and no array
larger than the output is ever created.
"""
from __future__ import annotations

import numpy as np

from ...checks import IntOrPair, as_pair, check_array, check_dout
from .windows import WindowGeometry, window_geometry

__all__ = [
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
]

PoolCache = tuple[np.ndarray, WindowGeometry]


def max_pool2d_forward(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> tuple[np.ndarray, PoolCache]:
    """Forward pass of max pooling (PyTorch's ``max_pool2d``).

    Each output is the largest input in its window. The padding counts as
    ``-inf``, so it is never chosen. When several inputs tie for the maximum,
    the first in row-major order gets the gradient, as in PyTorch. A NaN in a
    window makes its output NaN, as in PyTorch (where its gradient then goes
    is left unspecified).

    Inputs:
    - x: input, shape ``(N, C, H, W)``.
    - kernel_size: window size, an int or an ``(h, w)`` pair.
    - stride: step between windows; ``None`` (the default) means ``kernel_size``.
    - padding: ``-inf`` added on each side, at most half the kernel size.

    Returns a tuple of:
    - out: shape ``(N, C, Ho, Wo)``, ``Ho = floor((H + 2 ph - kH) / sh) + 1``.
    - cache: for :func:`max_pool2d_backward`: the offset inside the window
      (``i * kW + j``) of each maximum, and the geometry.
    """
    xp, g = _padded_input(x, kernel_size, stride, padding, fill=-np.inf)
    kh, kw = g.kernel
    out = _window_slice(xp, g, 0, 0).copy()
    # Offsets up to 255 fit in uint8, which keeps the cache small.
    argmax = np.zeros(out.shape, dtype=np.uint8 if kh * kw <= 256 else np.intp)
    for i in range(kh):
        for j in range(kw):
            if i == j == 0:
                continue
            candidate = _window_slice(xp, g, i, j)
            better = candidate > out  # strictly greater: the first of equal values keeps the gradient
            np.maximum(out, candidate, out=out)  # (np.maximum propagates NaN, as PyTorch does)
            np.copyto(argmax, i * kw + j, where=better)
    return out, (argmax, g)


def max_pool2d_backward(dout: np.ndarray, cache: PoolCache) -> np.ndarray:
    """Backward pass of max pooling: each window's gradient goes to its maximum.

    Inputs:
    - dout: gradient with respect to the output, shape ``(N, C, Ho, Wo)``.
    - cache: from :func:`max_pool2d_forward`.

    Returns:
    - dx: gradient with respect to the input, shape ``(N, C, H, W)``. Where
      windows overlap, an input that is the maximum of several windows
      receives the sum of their gradients.
    """
    argmax, g = cache
    check_dout(dout, argmax.shape, dout.dtype)
    kh, kw = g.kernel
    dxp = _zeros_padded(g, dout.dtype)
    for i in range(kh):
        for j in range(kw):
            routed = np.where(argmax == i * kw + j, dout, 0)  # the windows whose maximum sits at (i, j)
            _window_slice(dxp, g, i, j)[...] += routed
    return _crop(dxp, g)


def avg_pool2d_forward(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> tuple[np.ndarray, WindowGeometry]:
    """Forward pass of average pooling (PyTorch's ``avg_pool2d`` with its defaults).

    Each output is the mean of its ``kH * kW`` window. The zero padding counts
    in the mean (PyTorch's default ``count_include_pad=True``), so the divisor
    is always ``kH * kW``.

    Inputs:
    - x: input, shape ``(N, C, H, W)``.
    - kernel_size: window size, an int or an ``(h, w)`` pair.
    - stride: step between windows; ``None`` (the default) means ``kernel_size``.
    - padding: zeros added on each side, at most half the kernel size.

    Returns a tuple of:
    - out: shape ``(N, C, Ho, Wo)``.
    - cache: the geometry, for :func:`avg_pool2d_backward`.
    """
    xp, g = _padded_input(x, kernel_size, stride, padding, fill=0.0)
    kh, kw = g.kernel
    total = _window_slice(xp, g, 0, 0).copy()
    for i in range(kh):
        for j in range(kw):
            if i or j:
                total += _window_slice(xp, g, i, j)
    return total / np.asarray(kh * kw, dtype=x.dtype), g


def avg_pool2d_backward(dout: np.ndarray, cache: WindowGeometry) -> np.ndarray:
    """Backward pass of average pooling: each input in a window gets ``1 / (kH kW)`` of its gradient.

    Inputs:
    - dout: gradient with respect to the output, shape ``(N, C, Ho, Wo)``.
    - cache: from :func:`avg_pool2d_forward`.

    Returns:
    - dx: gradient with respect to the input, shape ``(N, C, H, W)``.
    """
    g = cache
    check_dout(dout, (g.batch, g.channels, g.out_height, g.out_width), dout.dtype)
    kh, kw = g.kernel
    share = dout / np.asarray(kh * kw, dtype=dout.dtype)
    dxp = _zeros_padded(g, dout.dtype)
    for i in range(kh):
        for j in range(kw):
            _window_slice(dxp, g, i, j)[...] += share
    return _crop(dxp, g)


# --------------------------------------------------------------------------- helpers


def _padded_input(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair, fill: float
) -> tuple[np.ndarray, WindowGeometry]:
    """Check the arguments; return ``x`` padded with ``fill`` and the window geometry."""
    check_array(x, "x", 4, "N x C x H x W")
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    stride = kernel if stride is None else as_pair(stride, "stride", minimum=1)
    padding = as_pair(padding, "padding", minimum=0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"padding must be at most half the kernel size, i.e. <= {(kernel[0] // 2, kernel[1] // 2)} "
            f"for kernel_size {kernel}, got {padding}"
        )
    g = window_geometry(x.shape, kernel, stride, padding)
    (ph, pw) = padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill) if ph or pw else x
    return xp, g


def _window_slice(xp: np.ndarray, g: WindowGeometry, i: int, j: int) -> np.ndarray:
    """The pixel at offset ``(i, j)`` of every window: a view of shape ``(N, C, Ho, Wo)``.

    Window ``(ho, wo)`` starts at padded pixel ``(ho * sh, wo * sw)``, so its
    offset ``(i, j)`` is pixel ``(ho * sh + i, wo * sw + j)``: a slice that
    starts at ``(i, j)`` and steps by the stride.
    """
    (sh, sw), ho, wo = g.stride, g.out_height, g.out_width
    return xp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]


def _zeros_padded(g: WindowGeometry, dtype: np.dtype) -> np.ndarray:
    """Zeros the size of the padded input, ``(N, C, Hp, Wp)``, to collect the input gradient."""
    return np.zeros((g.batch, g.channels, g.padded_height, g.padded_width), dtype=dtype)


def _crop(xp: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """Remove the padding: ``(N, C, Hp, Wp)`` to ``(N, C, H, W)``."""
    (ph, pw) = g.padding
    if not (ph or pw):
        return xp
    return np.ascontiguousarray(xp[:, :, ph:ph + g.height, pw:pw + g.width])
