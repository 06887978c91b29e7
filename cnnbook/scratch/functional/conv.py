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
backward pass reuses the window matrix: ``dw`` is the product of the output
gradient with it. ``dx`` is the adjoint of ``im2col`` (``col2im``) applied to
``w^T @ dout``, or, for stride 1, a convolution of the output gradient with
the flipped kernel; the two are equal, and we take
the one that moves less memory.

Memory. The window matrix is ``kH kW`` times the input (8 MB for 64 images
of 16 channels at 14 x 14 and a 3 x 3 kernel), and ``w^T @ dout`` is as
large. Asking for that much fresh memory on every backward pass is slow:
the C library hands large blocks back to the operating system when they are
freed, and the system then supplies new ones one 4 KB page fault at a time
(measured at that shape, in the order of ``benchmarks/scratch_vs_torch.py``:
1,260 to 1,771 page faults and 4 to 6.6 ms of system time per forward +
backward, about a third of the pass; ``benchmarks/conv_stages.py`` shows
which step takes them).
So the backward pass writes ``w^T @ dout`` over the window matrix, which
the weight gradient was the last to need. The cache therefore serves one
backward pass, as PyTorch frees a graph after ``backward()``: a second call
with the same cache raises an error.
"""
from __future__ import annotations

import numpy as np

from ...checks import IntOrPair, as_int, as_pair, check_array, check_dout, check_same_dtype, check_vector
from .windows import WindowGeometry, col2im, im2col, images_to_rows, rows_to_images, window_geometry

__all__ = ["conv2d_backward", "conv2d_forward"]

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
    out, cols = _convolve(x, w, g, groups, b)
    if not cols.flags.writeable:  # the windows of a 1 x 1 kernel can be a read-only view of the input
        cols = cols.copy()  # the backward pass may write over the cached window matrix
    return out, (cols, w, g, groups, b is not None)


def conv2d_backward(
    dout: np.ndarray, cache: ConvCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Backward pass of a 2-D convolution.

    Inputs:
    - dout: gradient of the loss with respect to ``out``, shape ``(N, C_out, Ho, Wo)``.
    - cache: the cache returned by :func:`conv2d_forward`. It serves one
      backward pass: the window matrix it holds is written over.

    Returns a tuple of:
    - dx: gradient with respect to ``x``, shape ``(N, C_in, H, W)``.
    - dw: gradient with respect to ``w``, shape ``(C_out, C_in // groups, kH, kW)``.
    - db: gradient with respect to ``b``, shape ``(C_out,)``, or ``None`` if
      the forward pass had no bias.

    Raises:
        RuntimeError: if this cache was already used by a backward pass.
        ValueError: if ``dout`` has the wrong shape or dtype.
    """
    cols, w, g, groups, has_bias = cache
    if not cols.flags.writeable:
        raise RuntimeError(
            "conv2d_backward was already called with this cache, and its window matrix now holds a "
            "gradient; a cache serves one backward pass: call conv2d_forward again"
        )
    check_dout(dout, (g.batch, w.shape[0], g.out_height, g.out_width), w.dtype)

    dout_rows = images_to_rows(dout, g)  # (C_out, N * Ho * Wx), zero in junk columns
    db = dout_rows.sum(axis=1) if has_bias else None  # each bias touched every pixel of its channel
    dw = _weight_gradient(dout_rows, cols, w.shape, groups)
    # Two ways to the same dx. With stride 1 it is a convolution of dout with the
    # flipped kernel, whose im2col copies C_out * kH * kW rows; col2im instead
    # adds up C_in * kH * kW rows of w^T @ dout. We take the one that moves less
    # memory (measured: the convolution wins when C_out <= C_in).
    if g.wide and w.shape[0] <= g.channels:
        dx = _input_gradient_stride1(dout, w, g, groups)
    else:
        # dcols[(c, i, j), window] = sum_o w[o, c, i, j] * dout[o, window], per group. It has the
        # window matrix's shape, and dw was the last to need the window matrix: we write over it
        # rather than ask for as much fresh memory again (see the module docstring).
        dcols = _grouped_product(_transposed_weight_matrix(w, groups), dout_rows, groups, out=cols)
        dx = col2im(dcols, g)
    cols.flags.writeable = False  # the cache is used up (as PyTorch frees a graph after backward)
    return dx, dw, db


# --------------------------------------------------------------------------- the three products


def _weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """``w`` as one matrix per group: ``(G, C_out / G, C_in / G * kH * kW)``."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _transposed_weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """The transpose of each group's weight matrix: ``(G, C_in / G * kH * kW, C_out / G)``."""
    return _weight_matrix(w, groups).transpose(0, 2, 1)


def _grouped_product(
    matrices: np.ndarray, cols: np.ndarray, groups: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Multiply each group's matrix by that group's block of rows of ``cols``.

    Inputs:
    - matrices: shape ``(G, M, K)``.
    - cols: shape ``(G * K, P)``; its rows are grouped by channel, and the
      channels of group ``g`` are the ``g``-th block of ``K`` rows.
    - out: optional C-contiguous array of shape ``(G * M, P)`` to write the
      result into (it must not overlap ``cols``).

    Returns ``(G * M, P)``: the ``G`` products stacked. With ``G = 1`` this is
    one large matrix product, which is where the time goes.
    """
    positions = cols.shape[1]
    stacked = None if out is None else out.reshape(groups, -1, positions)  # a view: out is contiguous
    return np.matmul(matrices, cols.reshape(groups, -1, positions), out=stacked).reshape(-1, positions)


def _convolve(
    x: np.ndarray, w: np.ndarray, g: WindowGeometry, groups: int, b: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Convolve ``x`` with ``w`` and add ``b`` (no checks): returns ``(out, cols)``."""
    cols = im2col(x, g)  # (C_in * kH * kW, N * Ho * Wx)
    rows = _grouped_product(_weight_matrix(w, groups), cols, groups)  # (C_out, N * Ho * Wx)
    return rows_to_images(rows, g, b), cols


def _weight_gradient(dout_rows: np.ndarray, cols: np.ndarray, shape: tuple[int, ...], groups: int) -> np.ndarray:
    """``dw = dout @ cols^T`` per group, reshaped to the weights' ``shape``.

    ``dw[o, (c, i, j)] = sum over windows of dout[o, window] * cols[(c, i, j), window]``:
    each weight collects the input values it multiplied, weighted by the
    gradient of the output it produced. We compute the transposed product
    ``cols @ dout^T`` and transpose it back, because BLAS runs that
    orientation faster on these long, thin matrices.
    """
    positions = cols.shape[1]
    cols_by_group = cols.reshape(groups, -1, positions)  # (G, K, P)
    dout_by_group = dout_rows.reshape(groups, -1, positions)  # (G, C_out / G, P)
    dw_transposed = np.matmul(cols_by_group, dout_by_group.transpose(0, 2, 1))  # (G, K, C_out / G)
    return np.ascontiguousarray(dw_transposed.transpose(0, 2, 1)).reshape(shape)


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

