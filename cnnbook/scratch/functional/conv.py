"""2-D convolution, forward and backward, as one matrix product.

What deep-learning libraries call convolution is a cross-correlation: the
kernel is not flipped. For an input ``x`` of shape ``(N, C_in, H, W)`` and
weights ``w`` of shape ``(C_out, C_in, kH, kW)``::

    out[n, o, u, v] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, c, u*sh + i*dh, v*sw + j*dw]

where ``xp`` is ``x`` zero-padded by ``(ph, pw)``, ``(sh, sw)`` is the stride
and ``(dh, dw)`` the dilation. With ``groups = G`` the
channels are split into ``G`` independent blocks: output channel ``o``
only sees the ``C_in / G`` input channels of its block, and ``w`` has shape
``(C_out, C_in / G, kH, kW)``. ``groups = C_in`` is a depthwise convolution.

The forward pass copies the windows into a matrix (``im2col``, see
:mod:`.windows`) and multiplies it by the weights, reshaped to a matrix. The
backward pass builds the window matrix again: ``dw`` is the product of the
output gradient with it. ``dx`` is the adjoint of ``im2col`` (``col2im``) applied to
``w^T @ dout``, or, for stride 1, a convolution of the output gradient with
the flipped kernel; the two are equal, and we take
the one that moves less memory.

Both passes work through the batch a few images at a time. The window
matrix of a whole batch is large (``kH kW`` times the input, 8 MB for 64
images of 16 channels at 14 x 14 with a 3 x 3 kernel), and memory that large,
freshly allocated on every call, costs the operating system one page fault
per 4 KB before the first write, then as much time again to travel to and
from main memory. A block of the window matrix of about a megabyte, reused
from one block to the next, stays in the processor's cache, and the matrix
products over blocks add up to the same result. For the same reason the
cache between the passes keeps the padded input (``kH kW`` times smaller),
not the window matrix.
"""
from __future__ import annotations

import numpy as np

from ...checks import IntOrPair, as_int, as_pair, check_array, check_dout, check_same_dtype, check_vector
from .windows import (
    WindowGeometry,
    add_columns,
    copy_columns,
    crop_flat_buffer,
    pad_to_flat_buffer,
    rows_to_images,
    window_geometry,
)

__all__ = ["conv2d_backward", "conv2d_forward"]

# (padded input as a flat buffer, w, geometry, groups, whether there is a bias)
ConvCache = tuple[np.ndarray, np.ndarray, WindowGeometry, int, bool]


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> tuple[np.ndarray, ConvCache]:
    """Forward pass of a 2-D convolution (PyTorch's ``conv2d``).

    Inputs:
    - x: input, shape ``(N, C_in, H, W)``, float32 or float64.
    - w: weights, shape ``(C_out, C_in // groups, kH, kW)``, same dtype as ``x``.
    - b: biases, shape ``(C_out,)``, or ``None`` for no bias.
    - stride: step between windows, an int or an ``(h, w)`` pair, ``>= 1``.
    - padding: zeros added on each side, an int or a pair, ``>= 0``.
    - dilation: spacing between kernel taps, an int or a pair, ``>= 1``.
    - groups: number of channel groups; must divide ``C_in`` and ``C_out``
      (``groups = C_in`` is a depthwise convolution).

    Returns a tuple of:
    - out: output, shape ``(N, C_out, Ho, Wo)`` with
      ``Ho = floor((H + 2 ph - dh (kH - 1) - 1) / sh) + 1`` and likewise ``Wo``;
      same dtype as ``x``.
    - cache: what :func:`conv2d_backward` needs.

    Raises:
        ValueError: on wrong ranks, channel counts that do not match ``w``,
            ``groups`` that do not divide the channels, a kernel larger than the
            padded input, or mixed dtypes.
    """
    check_array(x, "x", 4, "N x C_in x H x W")
    check_array(w, "w", 4, "C_out x C_in/groups x kH x kW")
    check_same_dtype(x, w=w, b=b)
    stride, padding = as_pair(stride, "stride", minimum=1), as_pair(padding, "padding", minimum=0)
    dilation = as_pair(dilation, "dilation", minimum=1)
    _check_groups(x.shape[1], w.shape, groups)
    check_vector(b, "b", w.shape[0], "output channel")

    g = window_geometry(x.shape, (w.shape[2], w.shape[3]), stride, padding, dilation)
    out, buffer = _convolve(x, w, g, groups, b)
    return out, (buffer, w, g, groups, b is not None)


def conv2d_backward(
    dout: np.ndarray, cache: ConvCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Backward pass of a 2-D convolution.

    Inputs:
    - dout: gradient of the loss with respect to ``out``, shape ``(N, C_out, Ho, Wo)``.
    - cache: the cache returned by :func:`conv2d_forward`.

    Returns a tuple of:
    - dx: gradient with respect to ``x``, shape ``(N, C_in, H, W)``.
    - dw: gradient with respect to ``w``, shape ``(C_out, C_in // groups, kH, kW)``.
    - db: gradient with respect to ``b``, shape ``(C_out,)``, or ``None`` if
      the forward pass had no bias.
    """
    buffer, w, g, groups, has_bias = cache
    check_dout(dout, (g.batch, w.shape[0], g.out_height, g.out_width), w.dtype)

    db = dout.sum(axis=(0, 2, 3)) if has_bias else None  # each bias touched every pixel of its channel
    # Two ways to the same dx. With stride 1 it is a convolution of dout with the
    # flipped kernel, whose im2col copies C_out * kH * kW rows; col2im instead
    # adds up C_in * kH * kW rows of w^T @ dout. We take the one that moves less
    # memory (measured: the convolution wins when C_out <= C_in).
    flipped = g.wide and w.shape[0] <= g.channels
    dx_buffer = None if flipped else np.zeros_like(buffer)
    c_out, k = w.shape[0], w[0].size
    dw_transposed = np.zeros((groups, k, c_out // groups), dtype=w.dtype)
    w_transposed = _transposed_weight_matrix(w, groups)
    blocks = _image_blocks(g, w.dtype.itemsize)
    cols_work, rows_work, dcols_work = (np.empty(_block_size(g, blocks, n), dtype=w.dtype)
                                        for n in (k * groups, c_out, k * groups))
    for first, last in blocks:
        cols = copy_columns(buffer, g, first, last, cols_work)  # (C_in * kH * kW, B * Ho * Wx)
        dout_rows = _images_to_rows(dout[first:last], g, rows_work)  # (C_out, B * Ho * Wx), zero in junk columns
        _add_weight_gradient(dout_rows, cols, groups, dw_transposed)
        if dx_buffer is not None:
            # dcols[(c, i, j), window] = sum_o w[o, c, i, j] * dout[o, window], per group
            dcols = _grouped_product(w_transposed, dout_rows, groups, dcols_work)
            add_columns(dcols, g, dx_buffer, first)
    dw = np.ascontiguousarray(dw_transposed.transpose(0, 2, 1)).reshape(w.shape)
    dx = _input_gradient_stride1(dout, w, g, groups) if flipped else crop_flat_buffer(dx_buffer, g)
    return dx, dw, db


# --------------------------------------------------------------------------- blocks of images

BLOCK_BYTES = 1 << 20
"""Aim for blocks of the window matrix of about this many bytes (fits in a typical L2 cache)."""


def _image_blocks(g: WindowGeometry, itemsize: int) -> list[tuple[int, int]]:
    """Split the batch into blocks ``(first, last)`` whose window matrix is about :data:`BLOCK_BYTES`."""
    per_image = g.channels * g.kernel[0] * g.kernel[1] * g.out_height * g.row_width * itemsize
    step = max(1, BLOCK_BYTES // per_image)
    return [(first, min(first + step, g.batch)) for first in range(0, g.batch, step)]


def _block_size(g: WindowGeometry, blocks: list[tuple[int, int]], rows: int) -> int:
    """Numbers in a work array of ``rows`` rows for the largest block."""
    largest = max(last - first for first, last in blocks)
    return rows * largest * g.out_height * g.row_width


def _images_to_rows(images: np.ndarray, g: WindowGeometry, work: np.ndarray) -> np.ndarray:
    """``(B, C_out, Ho, Wo)`` to ``(C_out, B * Ho * Wx)`` inside ``work``, with zeros in the junk columns."""
    count, channels = images.shape[0], images.shape[1]
    size = channels * count * g.out_height * g.row_width
    rows = work[:size].reshape(channels, count, g.out_height, g.row_width)
    rows[..., :g.out_width] = images.transpose(1, 0, 2, 3)
    rows[..., g.out_width:] = 0
    return rows.reshape(channels, -1)


# --------------------------------------------------------------------------- the three products


def _weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """``w`` as one matrix per group: ``(G, C_out / G, C_in / G * kH * kW)``."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _transposed_weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """The transpose of each group's weight matrix: ``(G, C_in / G * kH * kW, C_out / G)``."""
    return _weight_matrix(w, groups).transpose(0, 2, 1)


def _grouped_product(
    matrices: np.ndarray, cols: np.ndarray, groups: int, work: np.ndarray | None = None
) -> np.ndarray:
    """Multiply each group's matrix by that group's block of rows of ``cols``.

    Inputs:
    - matrices: shape ``(G, M, K)``.
    - cols: shape ``(G * K, P)``; its rows are grouped by channel, and the
      channels of group ``g`` are the ``g``-th block of ``K`` rows.

    - work: optional flat array of at least ``G * M * P`` numbers to hold the result.

    Returns ``(G * M, P)``: the ``G`` products stacked. With ``G = 1`` this is
    one large matrix product, which is where the time goes.
    """
    positions = cols.shape[1]
    out = None
    if work is not None:
        out = work[:matrices.shape[0] * matrices.shape[1] * positions].reshape(groups, -1, positions)
    return np.matmul(matrices, cols.reshape(groups, -1, positions), out=out).reshape(-1, positions)


def _convolve(
    x: np.ndarray, w: np.ndarray, g: WindowGeometry, groups: int, b: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Convolve ``x`` with ``w`` and add ``b`` (no checks): returns ``(out, buffer)``.

    ``buffer`` is ``x`` padded, as a flat buffer (:func:`.windows.pad_to_flat_buffer`),
    from which the backward pass rebuilds the window matrix.
    """
    buffer = pad_to_flat_buffer(x, g)
    c_out = w.shape[0]
    out = np.empty((g.batch, c_out, g.out_height, g.out_width), dtype=x.dtype)
    matrices = _weight_matrix(w, groups)
    blocks = _image_blocks(g, x.dtype.itemsize)
    cols_work = np.empty(_block_size(g, blocks, w[0].size * groups), dtype=x.dtype)
    rows_work = np.empty(_block_size(g, blocks, c_out), dtype=x.dtype)
    for first, last in blocks:
        cols = copy_columns(buffer, g, first, last, cols_work)  # (C_in * kH * kW, B * Ho * Wx)
        rows = _grouped_product(matrices, cols, groups, rows_work)  # (C_out, B * Ho * Wx)
        rows_to_images(rows, g, b, out=out[first:last])
    return out, buffer


def _add_weight_gradient(dout_rows: np.ndarray, cols: np.ndarray, groups: int, total: np.ndarray) -> None:
    """Add one block's ``dw^T = cols @ dout^T`` per group to ``total``, shape ``(G, K, C_out / G)``.

    ``dw[o, (c, i, j)] = sum over windows of dout[o, window] * cols[(c, i, j), window]``:
    each weight collects the input values it multiplied, weighted by the
    gradient of the output it produced. We compute the transposed product
    ``cols @ dout^T`` (transposed back at the end), because BLAS runs that
    orientation faster on these long, thin matrices.
    """
    positions = cols.shape[1]
    cols_by_group = cols.reshape(groups, -1, positions)  # (G, K, P)
    dout_by_group = dout_rows.reshape(groups, -1, positions)  # (G, C_out / G, P)
    total += np.matmul(cols_by_group, dout_by_group.transpose(0, 2, 1))  # (G, K, C_out / G)


def _input_gradient_stride1(dout: np.ndarray, w: np.ndarray, g: WindowGeometry, groups: int) -> np.ndarray:
    """``dx`` of a stride-1 convolution, as a convolution of ``dout`` with the flipped kernel.

    Input pixel ``(u, v)`` was multiplied by ``w[o, c, i, j]`` to make output
    ``(u - i*dh, v - j*dw)`` (in padded coordinates). Summing those products is
    again a cross-correlation, of ``dout`` padded by ``d (k - 1)`` with the
    kernel flipped in both directions and its input and output channels
    swapped (within each group). We then drop the share of the ``(ph, pw)``
    padding, which is the same as padding ``dout`` by ``d (k - 1) - p`` only.
    """
    c_out, c_group, kh, kw = w.shape
    by_group = w.reshape(groups, c_out // groups, c_group, kh, kw)
    flipped = by_group.transpose(0, 2, 1, 3, 4)[:, :, :, ::-1, ::-1]  # swap channels, flip taps
    flipped = flipped.reshape(groups * c_group, c_out // groups, kh, kw)  # a copy: (C_in, C_out/G, kH, kW)
    (dh, dw), (ph, pw) = g.dilation, g.padding
    padding = (dh * (kh - 1) - ph, dw * (kw - 1) - pw)  # may be negative: then it crops dout
    g_back = window_geometry(dout.shape, (kh, kw), (1, 1), padding, g.dilation)
    dx, _ = _convolve(dout, flipped, g_back, groups)
    return dx


# --------------------------------------------------------------------------- checks


def _check_groups(channels: int, w_shape: tuple[int, ...], groups: int) -> None:
    """Check that ``groups`` divides both channel counts and that ``w`` fits ``channels`` input channels."""
    as_int("groups", groups)
    c_out, c_group = w_shape[0], w_shape[1]
    if channels % groups:
        raise ValueError(f"groups={groups} must divide the input channels, but x has C_in={channels}")
    if c_out % groups:
        raise ValueError(f"groups={groups} must divide the output channels, but w has C_out={c_out}")
    if c_group * groups != channels:
        raise ValueError(
            f"x has C_in={channels} channels, but w of shape {tuple(w_shape)} with groups={groups} "
            f"expects C_in = {c_group} x {groups} = {c_group * groups}"
        )

