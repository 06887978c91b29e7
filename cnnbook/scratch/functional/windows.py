"""Sliding windows over a batch of images: ``im2col`` and ``col2im``.

A convolution computes, at every output position, the dot product of the
kernel with the window of the input under it. ``im2col`` copies every window
into one column of a matrix, so that the whole convolution becomes a single
matrix product (which NumPy hands to an optimised BLAS library);
``col2im`` is its adjoint: it adds every column back onto the window it came
from, which is what the backward pass needs.

How the windows are found without a Python loop
------------------------------------------------
A NumPy array is a block of memory plus *strides*: how many bytes to jump
to move one step along each axis. ``np.lib.stride_tricks.as_strided`` builds
a new view of the same memory with any shape and strides we choose. We lay
the zero-padded input out in one flat buffer, of shape ``N x C x Hp x Wp``,
and describe the windows as a 6-D view indexed by
``(c, i, j, n, ho, wo)``: channel, kernel row, kernel column, image, output
row, output column. Element ``(c, i, j, n, ho, wo)`` of the view is the
padded input at ``[n, c, ho * stride_h + i * dilation_h, wo * stride_w + j * dilation_w]``,
so each step along an axis is a fixed jump in memory, which is exactly what
a stride can express. No data moves until we ask for a contiguous copy.

The "wide rows" trick (stride 1 only)
-------------------------------------
With stride 1, one output row ``ho`` reads the input row ``ho + i * dilation_h``
starting at column ``j * dilation_w``, and the next output row starts exactly
``Wp`` elements later in memory. If we let each output row run across all
``Wp`` columns of the padded input instead of stopping after ``Wo`` of them,
the ``(ho, wo)`` axes of the view become one contiguous run of ``Ho * Wp``
numbers, and copying a window row is one long ``memcpy`` instead of ``Ho``
short ones. The price is ``Wp - Wo`` extra "junk" columns per row, whose
windows wrap around into the next input row: they are computed, then thrown
away (:func:`rows_to_images`), and in the backward pass their gradient is set
to zero (:func:`images_to_rows`) so that they add nothing. The last junk
window of the buffer reads ``(kW - 1) * dilation_w`` numbers past the end of
the padded images, so the flat buffer carries that many extra zeros (the
``tail``). With a stride above 1 the rows are not contiguous anyway, and the
view keeps exactly ``Wo`` columns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...sliding_windows import window_count

__all__ = [
    "WindowGeometry",
    "col2im",
    "im2col",
    "images_to_rows",
    "output_size",
    "pad_to_flat_buffer",
    "rows_to_images",
    "window_geometry",
    "window_view",
]


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """Number of window positions along one axis: ``floor((size + 2p - d(k-1) - 1) / s) + 1``.

    Args:
        size: input length along the axis (height or width).
        kernel: kernel length along the axis.
        stride: step between two windows.
        padding: zeros added on each side.
        dilation: spacing between kernel taps (1 = no gaps).

    The formula is :func:`cnnbook.sliding_windows.window_count`'s, with the
    same padding at both ends.

    Returns:
        The output length.

    Raises:
        ValueError: when the kernel does not fit in the padded input.
    """
    return window_count(size, kernel, stride, padding, padding, dilation, ceil_mode=False)


@dataclass(frozen=True)
class WindowGeometry:
    """How a ``kH x kW`` kernel slides over an ``N x C x H x W`` input.

    Attributes:
        batch, channels, height, width: the input's ``N, C, H, W``.
        kernel, stride, padding, dilation: ``(h, w)`` pairs.
        out_height, out_width: ``Ho, Wo``, the output's spatial size.
        padded_height, padded_width: ``Hp = H + 2 ph`` and ``Wp = W + 2 pw``.
        row_width: ``Wx``, the number of columns stored per output row:
            ``Wp`` in the wide layout (stride 1), ``Wo`` otherwise.
    """

    batch: int
    channels: int
    height: int
    width: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_height: int
    out_width: int
    padded_height: int
    padded_width: int
    row_width: int

    @property
    def wide(self) -> bool:
        """Whether the windows use the wide-rows layout (stride 1)."""
        return self.stride == (1, 1)

    @property
    def tail(self) -> int:
        """Extra zeros after the padded images, read by the last junk window."""
        return (self.kernel[1] - 1) * self.dilation[1] if self.wide else 0

    @property
    def plane(self) -> int:
        """Numbers in one padded image channel, ``Hp * Wp``."""
        return self.padded_height * self.padded_width

    @property
    def positions(self) -> int:
        """Columns of the ``im2col`` matrix: ``N * Ho * Wx``."""
        return self.batch * self.out_height * self.row_width


def window_geometry(
    shape: tuple[int, ...],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
) -> WindowGeometry:
    """Compute the :class:`WindowGeometry` of a kernel over an input of ``shape``.

    Args:
        shape: the input's shape ``(N, C, H, W)``.
        kernel, stride, padding, dilation: ``(h, w)`` pairs. Padding may be
            negative inside the engine (it then crops, see
            :func:`pad_to_flat_buffer`).

    Returns:
        The geometry.

    Raises:
        ValueError: if the kernel (with its dilation) is larger than the padded input.
    """
    n, c, h, w = shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    hp, wp = h + 2 * ph, w + 2 * pw
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if extent[0] > hp or extent[1] > wp:
        raise ValueError(
            f"kernel of extent {extent} (kernel {kernel}, dilation {dilation}) does not fit in the "
            f"padded input of size {(hp, wp)} (input {(h, w)}, padding {padding}); "
            f"expected a padded input at least as large as the kernel"
        )
    ho, wo = output_size(h, kh, sh, ph, dh), output_size(w, kw, sw, pw, dw)
    row_width = wp if (sh, sw) == (1, 1) else wo
    return WindowGeometry(n, c, h, w, kernel, stride, padding, dilation, ho, wo, hp, wp, row_width)


def pad_to_flat_buffer(x: np.ndarray, g: WindowGeometry, fill: float = 0.0) -> np.ndarray:
    """Copy ``x`` into a new flat buffer holding the padded images plus the tail.

    Args:
        x: input of shape ``(N, C, H, W)``.
        g: its window geometry. A negative padding crops that many rows or
            columns from each side instead (used by the backward pass).
        fill: the value of the padding (0 for convolution and average pooling).

    Returns:
        A 1-D array of length ``N * C * Hp * Wp + g.tail``, of ``x``'s dtype;
        its first ``N * C * Hp * Wp`` numbers are the padded images in
        ``N, C, Hp, Wp`` order.
    """
    (ph, pw), (h, w) = g.padding, (g.height, g.width)
    size = g.batch * g.channels * g.plane
    buffer = np.full(size + g.tail, fill, dtype=x.dtype)
    padded = buffer[:size].reshape(g.batch, g.channels, g.padded_height, g.padded_width)
    crop_h, crop_w = max(-ph, 0), max(-pw, 0)  # a negative padding removes a border
    top, left = max(ph, 0), max(pw, 0)
    padded[:, :, top:top + h - 2 * crop_h, left:left + w - 2 * crop_w] = x[
        :, :, crop_h:h - crop_h, crop_w:w - crop_w
    ]
    return buffer


def window_view(buffer: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """A read-only strided view of every window: shape ``(C, kH, kW, N, Ho, Wx)``.

    Element ``[c, i, j, n, ho, wx]`` is the padded input at
    ``[n, c, ho * sh + i * dh, wx * sw + j * dw]`` (see the module docstring).
    Nothing is copied.

    Args:
        buffer: the flat padded buffer from :func:`pad_to_flat_buffer`.
        g: the window geometry.
    """
    (kh, kw), (sh, sw), (dh, dw) = g.kernel, g.stride, g.dilation
    wp, item = g.padded_width, buffer.itemsize
    # Steps in memory, in numbers, along each axis of the padded N x C x Hp x Wp images:
    step_n, step_c, step_row, step_col = g.channels * g.plane, g.plane, wp, 1
    shape = (g.channels, kh, kw, g.batch, g.out_height, g.row_width)
    steps = (step_c, dh * step_row, dw * step_col, step_n, sh * step_row, sw * step_col)
    return as_strided(buffer, shape=shape, strides=[s * item for s in steps], writeable=False)


def im2col(x: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """Copy every window of ``x`` into one column of a matrix.

    Args:
        x: input of shape ``(N, C, H, W)``.
        g: its window geometry.

    Returns:
        ``cols`` of shape ``(C * kH * kW, N * Ho * Wx)``: row ``(c, i, j)``
        holds kernel tap ``(i, j)`` of channel ``c`` for every window; column
        ``(n, ho, wx)`` is one window. The reshape of the strided view is the
        one copy.
    """
    kh, kw = g.kernel
    return window_view(pad_to_flat_buffer(x, g), g).reshape(g.channels * kh * kw, g.positions)


def col2im(dcols: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """Add every column of ``dcols`` back onto the window it came from (adjoint of :func:`im2col`).

    Overlapping windows share input pixels, so their contributions must add
    up. We loop over the ``kH * kW`` kernel taps only: for a fixed tap
    ``(i, j)``, the windows touch distinct pixels, so one vectorised ``+=``
    over a strided view handles all channels, images and positions at once.

    Args:
        dcols: gradient of the ``im2col`` matrix, shape ``(C * kH * kW, N * Ho * Wx)``.
            In the wide layout, its junk columns must be zero.
        g: the window geometry.

    Returns:
        ``dx`` of shape ``(N, C, H, W)``: the gradient with respect to the
        input (the padding's share is dropped).
    """
    (kh, kw), (sh, sw), (dh, dw) = g.kernel, g.stride, g.dilation
    wp, item = g.padded_width, dcols.itemsize
    size = g.batch * g.channels * g.plane
    buffer = np.zeros(size + g.tail, dtype=dcols.dtype)
    dcols = dcols.reshape(g.channels, kh, kw, g.batch, g.out_height, g.row_width)
    # The target of tap (i, j): for every (c, n, ho, wx), the padded pixel
    # [n, c, ho * sh + i * dh, wx * sw + j * dw]. It is the same strided view as
    # in window_view with (i, j) fixed, i.e. shifted by i * dh * Wp + j * dw.
    steps = (g.plane, g.channels * g.plane, sh * wp, sw)
    shape = (g.channels, g.batch, g.out_height, g.row_width)
    for i in range(kh):
        for j in range(kw):
            start = i * dh * wp + j * dw
            target = as_strided(buffer[start:], shape=shape, strides=[s * item for s in steps])
            target += dcols[:, i, j]
    padded = buffer[:size].reshape(g.batch, g.channels, g.padded_height, g.padded_width)
    ph, pw = g.padding
    return np.ascontiguousarray(padded[:, :, ph:ph + g.height, pw:pw + g.width])


def rows_to_images(rows: np.ndarray, g: WindowGeometry, bias: np.ndarray | None = None) -> np.ndarray:
    """Turn a product ``(C_out, N * Ho * Wx)`` into images ``(N, C_out, Ho, Wo)``, adding ``bias``.

    Drops the junk columns of the wide layout and moves the image axis first.

    Args:
        rows: one row per output channel, one column per window.
        g: the window geometry.
        bias: optional, shape ``(C_out,)``: added to every pixel of each channel
            in the same pass as the copy.

    Returns:
        A C-contiguous array of shape ``(N, C_out, Ho, Wo)``.
    """
    channels = rows.shape[0]
    images = rows.reshape(channels, g.batch, g.out_height, g.row_width)[..., :g.out_width].transpose(1, 0, 2, 3)
    if bias is None:
        return np.ascontiguousarray(images)
    out = np.empty(images.shape, dtype=rows.dtype)
    np.add(images, bias.reshape(1, channels, 1, 1), out=out)
    return out


def images_to_rows(images: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """The inverse of :func:`rows_to_images`: ``(N, C_out, Ho, Wo)`` to ``(C_out, N * Ho * Wx)``.

    The junk columns of the wide layout are set to zero, so that they
    contribute nothing to the gradients computed from these rows.
    """
    channels = images.shape[1]
    if g.row_width == g.out_width:  # no junk columns: a plain transposed copy
        return np.ascontiguousarray(images.transpose(1, 0, 2, 3)).reshape(channels, g.positions)
    rows = np.zeros((channels, g.batch, g.out_height, g.row_width), dtype=images.dtype)
    rows[..., :g.out_width] = images.transpose(1, 0, 2, 3)
    return rows.reshape(channels, g.positions)
