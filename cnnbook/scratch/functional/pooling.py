"""Max and average pooling, forward and backward.

Both slide a ``kH x kW`` window over each channel separately. Instead of
copying the windows out (as ``im2col`` does for convolution), we loop over
the ``kH * kW`` positions inside the window: for a fixed offset ``(i, j)``,
the pixels at that offset in every window form one strided slice of the
padded input, ``xp[:, :, i::sh, j::sw]`` cut to ``Ho x Wo``. Each step of the
loop then handles all images, channels and windows at once, and no array
larger than the output is ever created.

When the windows tile the image (stride equal to the kernel size, no
padding: the usual ``2 x 2`` pooling), a faster path reduces each window one
axis at a time (its columns, then its rows), and the backward pass writes
every input pixel once instead of adding into a zeroed array.
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

# The argmax: one array of offsets inside the window, or, when the windows tile
# the input, a (column, row) pair of arrays (see _max_pool_tiles_forward).
PoolCache = tuple[np.ndarray | tuple[np.ndarray, np.ndarray], WindowGeometry]


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
    - cache: for :func:`max_pool2d_backward`: where each maximum sits in
      its window, and the geometry. When the windows tile the input (stride
      equal to the kernel size, no padding), the maximum is found one axis at
      a time and the cache holds its column in each window row and its row;
      otherwise it holds the offset ``i * kW + j`` inside the window.
    """
    xp, g = _padded_input(x, kernel_size, stride, padding, fill=-np.inf)
    if _tiles(g):
        return _max_pool_tiles_forward(xp, g)
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
            _raise_where(argmax, better, i * kw + j)
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
    check_dout(dout, (g.batch, g.channels, g.out_height, g.out_width), dout.dtype)
    if _tiles(g):
        return _max_pool_tiles_backward(dout, argmax, g)
    kh, kw = g.kernel
    dxp = _zeros_padded(g, dout.dtype)
    for i in range(kh):
        for j in range(kw):
            routed = _keep_where(dout, argmax == i * kw + j)  # the windows whose maximum sits at (i, j)
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
    if _tiles(g):
        # Sum each window's columns, then its rows: two passes over shrinking arrays.
        column_sums = _sum_slices(xp[:, :, :g.out_height * kh], kw, axis=3, length=g.out_width)
        total = _sum_slices(column_sums, kh, axis=2, length=g.out_height)
        total /= np.asarray(kh * kw, dtype=x.dtype)
        return total, g
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
    if _tiles(g):
        return _spread_tiles(share, g)
    dxp = _zeros_padded(g, dout.dtype)
    for i in range(kh):
        for j in range(kw):
            _window_slice(dxp, g, i, j)[...] += share
    return _crop(dxp, g)


# --------------------------------------------------------------------------- non-overlapping windows
#
# The most common pooling layer has stride = kernel size and no padding: the
# windows tile the image (the last rows and columns are left out when the
# size is not a multiple of the window). Every input pixel then belongs to at
# most one window, so nothing ever has to be added up, and a window can be
# reduced one axis at a time: first across its columns, then across the rows
# that result. In the backward pass, each input pixel is written exactly once.


def _tiles(g: WindowGeometry) -> bool:
    """Whether the windows tile the input: stride = kernel size, no padding."""
    return g.stride == g.kernel and g.padding == (0, 0)


def _sum_slices(x: np.ndarray, k: int, axis: int, length: int) -> np.ndarray:
    """Sum ``k`` neighbours along ``axis``: ``out[..., t, ...] = sum_j x[..., t * k + j, ...]`` for ``t < length``."""
    def part(j: int) -> np.ndarray:
        index = [slice(None)] * x.ndim
        index[axis] = slice(j, j + k * (length - 1) + 1, k)
        return x[tuple(index)]

    total = part(0) + part(1) if k > 1 else part(0).copy()
    for j in range(2, k):
        total += part(j)
    return total


def _index_dtype(k: int) -> type:
    """The smallest integer type for indices ``0 .. k - 1`` (uint8 keeps the cache small)."""
    return np.uint8 if k <= 256 else np.intp


# Two element-wise selections without branches. ``np.where(mask, a, b)`` and
# ``np.copyto(..., where=mask)`` test the mask element by element; where the
# mask is random (which input of a window is the largest), the processor
# guesses the outcome of half of those tests wrong and the selection runs
# several times slower than arithmetic (measured: ~8x for float32 with
# NumPy 2.4). Arithmetic on the mask does the same job with no test at all.


def _raise_where(index: np.ndarray, mask: np.ndarray, j: int) -> None:
    """Set ``index`` to ``j`` where ``mask`` is true, in place; all of ``index`` must be below ``j``.

    Then ``max(index, j * mask)`` is ``j`` where ``mask`` holds and ``index`` elsewhere.
    """
    np.maximum(index, mask * index.dtype.type(j), out=index)


def _keep_where(values: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``values`` where ``mask`` is true, ``+0.0`` elsewhere (``np.where(mask, values, 0)``), into ``out``.

    A bitwise AND of each number's bits with all ones (``mask`` true) or all
    zeros (false) keeps it or turns it into ``+0.0``; unlike multiplying by
    the mask, this keeps ``inf`` and NaN where the mask holds and gives zero
    elsewhere, exactly as the selection would.
    """
    bits = np.dtype(f"u{values.itemsize}")
    keep = mask.astype(bits)
    np.negative(keep, out=keep)  # 1 -> all ones (unsigned wrap-around), 0 -> 0
    if out is None:
        out = np.empty(values.shape, dtype=values.dtype)
    np.bitwise_and(values.view(bits), keep, out=out.view(bits))
    return out


def _max_slices(x: np.ndarray, k: int, axis: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest of ``k`` neighbours along ``axis`` (as :func:`_sum_slices`), and where it was.

    Returns ``(best, where)``: ``where[..., t, ...] = j`` for the first ``j``
    (smallest) holding the maximum, since a later neighbour replaces the
    current best only when strictly greater. NaN propagates (``np.maximum``).
    """
    def part(j: int) -> np.ndarray:
        index = [slice(None)] * x.ndim
        index[axis] = slice(j, j + k * (length - 1) + 1, k)
        return x[tuple(index)]

    best = part(0).copy()
    where = np.zeros(best.shape, dtype=_index_dtype(k))
    for j in range(1, k):
        candidate = part(j)
        _raise_where(where, candidate > best, j)
        np.maximum(best, candidate, out=best)
    return best, where


def _max_pool_tiles_forward(x: np.ndarray, g: WindowGeometry) -> tuple[np.ndarray, PoolCache]:
    """Max pooling over tiling windows, one axis at a time.

    First the largest value of each row of each window (and its column), then
    the largest of those row maxima (and its row). The first maximum in
    row-major order wins ties, as in PyTorch: within a row the first column
    holding the maximum, then the first row whose maximum is the largest.

    The cache holds both indices: ``(column, row)``, where ``column`` has
    shape ``(N, C, Ho * kH, Wo)`` (the winning column of every window row)
    and ``row`` has shape ``(N, C, Ho, Wo)``.
    """
    kh, kw = g.kernel
    row_max, column = _max_slices(x[:, :, :g.out_height * kh], kw, axis=3, length=g.out_width)
    out, row = _max_slices(row_max, kh, axis=2, length=g.out_height)
    return out, ((column, row), g)


def _route(dout: np.ndarray, where: np.ndarray, k: int, axis: int, size: int) -> np.ndarray:
    """Send ``dout[..., t, ...]`` to position ``t * k + where[..., t, ...]`` along ``axis``, which has ``size`` entries.

    The adjoint of :func:`_max_slices`: positions that receive nothing (the
    other neighbours, and the remainder after the last window) are zero.
    """
    shape = list(dout.shape)
    shape[axis] = size
    length = dout.shape[axis]
    grad = np.empty(shape, dtype=dout.dtype) if size == k * length else np.zeros(shape, dtype=dout.dtype)
    for j in range(k):
        index = [slice(None)] * dout.ndim
        index[axis] = slice(j, j + k * (length - 1) + 1, k)
        _keep_where(dout, where == j, out=grad[tuple(index)])
    return grad


def _max_pool_tiles_backward(dout: np.ndarray, where: tuple[np.ndarray, np.ndarray], g: WindowGeometry) -> np.ndarray:
    """Backward of :func:`_max_pool_tiles_forward`: route to the winning row, then to its winning column."""
    column, row = where
    kh, kw = g.kernel
    rows = g.out_height * kh  # the rows the windows cover; any below them get no gradient
    to_rows = _route(dout, row, kh, axis=2, size=rows)  # (N, C, Ho * kH, Wo)
    dx = _route(to_rows, column, kw, axis=3, size=g.width)  # (N, C, Ho * kH, W)
    if rows == g.height:
        return dx
    padded = np.zeros((g.batch, g.channels, g.height, g.width), dtype=dout.dtype)
    padded[:, :, :rows] = dx
    return padded


def _spread_tiles(share: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """Backward of average pooling over tiling windows: copy each window's share to all its pixels."""
    kh, kw = g.kernel
    rows, columns = g.out_height * kh, g.out_width * kw
    exact = rows == g.height and columns == g.width
    dx = np.empty((g.batch, g.channels, g.height, g.width), dtype=share.dtype) if exact else np.zeros(
        (g.batch, g.channels, g.height, g.width), dtype=share.dtype)
    first_row = dx[:, :, 0:rows:kh]  # (N, C, Ho, W): the first row of every window
    for j in range(kw):
        first_row[..., j:columns:kw] = share
    # The other rows of each window repeat the first: a copy of whole rows.
    tiles = dx[:, :, :rows].reshape(g.batch, g.channels, g.out_height, kh, g.width)
    tiles[:, :, :, 1:] = tiles[:, :, :, :1]
    return dx


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
