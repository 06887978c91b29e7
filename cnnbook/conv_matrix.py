"""A 2-D convolution written out as a matrix, and the matrix's structure.

A convolution layer is linear in its input, so it is a matrix: with the input
``x`` of shape ``(C_in, H, W)`` flattened to a vector of length
``C_in * H * W`` (C order) and the output to a vector of length
``C_out * Ho * Wo``, PyTorch's ``conv2d`` (a cross-correlation) computes
``y = A @ x`` with::

    A[(o, u, v), (c, h, w)] = weight[o, c, i, j]   where  h = sh*u + dh*i - ph,  w = sw*v + dw*j - pw,

for the kernel tap ``(i, j)`` that lands on input pixel ``(h, w)``, and 0 where
no tap does (zero padding: taps that land outside the image multiply a zero
and have no column). Its transpose ``A.T`` is the transposed convolution
(PyTorch's ``conv_transpose2d``) with the same weights, stride, padding and
dilation, and it maps an output gradient to the input gradient.

For one channel and stride 1 the matrix is *doubly block Toeplitz*: cut into
blocks of ``Wo x W`` (one output row against one input row), block ``(u, h)``
depends only on ``h - u``, and every block is itself Toeplitz.

The matrix has ``C_out Ho Wo x C_in H W`` entries, nearly all zero: it is for
small cases that a reader can print and check, not for computing.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .checks import IntOrPair, as_pair

__all__ = ["convolution_matrix", "is_doubly_block_toeplitz", "is_toeplitz"]


def _as_weight_array(weight: Any) -> np.ndarray:
    if isinstance(weight, torch.Tensor):
        weight = weight.detach().cpu().numpy()
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError(f"weight must be C_out x C_in x kH x kW, got shape {weight.shape}")
    if not np.issubdtype(weight.dtype, np.floating):
        raise ValueError(f"weight must hold floating-point numbers, got dtype {weight.dtype}")
    return weight


def convolution_matrix(
    weight: Any,
    input_size: IntOrPair,
    *,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """The matrix ``A`` of a 2-D convolution (PyTorch's ``conv2d`` without bias, ``groups=1``).

    Inputs:
    - weight: shape ``(C_out, C_in, kH, kW)``, a NumPy array or a tensor (float).
    - input_size: ``H`` and ``W`` of the input, an int or an ``(h, w)`` pair.
    - stride, padding, dilation: as in ``torch.nn.functional.conv2d`` (ints or pairs).

    Returns:
    - ``A``: shape ``(C_out * Ho * Wo, C_in * H * W)``, the dtype of ``weight``,
      such that ``A @ x.reshape(-1)`` equals ``conv2d(x[None], weight, ...).reshape(-1)``
      for an input ``x`` of shape ``(C_in, H, W)``, and ``A.T @ y.reshape(-1)``
      equals ``conv_transpose2d(y[None], weight, ...)`` (of size ``H x W``) for
      ``y`` of shape ``(C_out, Ho, Wo)``. ``Ho = floor((H + 2 ph - dh (kH - 1) - 1) / sh) + 1``,
      likewise ``Wo``.

    Raises:
        ValueError: if ``weight`` is not a 4-D float array, an argument is not
            an int or a pair of the allowed range, or the kernel does not fit
            in the padded input.
    """
    weight = _as_weight_array(weight)
    height, width = as_pair(input_size, "input_size", minimum=1)
    (sh, sw), (ph, pw) = as_pair(stride, "stride", minimum=1), as_pair(padding, "padding", minimum=0)
    dh, dw = as_pair(dilation, "dilation", minimum=1)
    c_out, c_in, kh, kw = weight.shape
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if span_h > height + 2 * ph or span_w > width + 2 * pw:
        raise ValueError(
            f"the dilated kernel ({span_h} x {span_w}) does not fit in the padded input "
            f"({height + 2 * ph} x {width + 2 * pw})"
        )
    out_h, out_w = (height + 2 * ph - span_h) // sh + 1, (width + 2 * pw - span_w) // sw + 1

    matrix = np.zeros((c_out, out_h * out_w, c_in, height * width), dtype=weight.dtype)
    u, v = np.meshgrid(np.arange(out_h), np.arange(out_w), indexing="ij")
    for i in range(kh):
        for j in range(kw):
            rows, cols = sh * u + dh * i - ph, sw * v + dw * j - pw  # the input pixel under tap (i, j)
            inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
            out_index = (u * out_w + v)[inside]
            in_index = (rows * width + cols)[inside]
            # Two taps never land on the same pixel for the same output, so assignment is enough.
            matrix[:, out_index, :, in_index] = weight[:, :, i, j]
    return matrix.reshape(c_out * out_h * out_w, c_in * height * width)


def is_toeplitz(matrix: np.ndarray) -> bool:
    """True if every diagonal of ``matrix`` is constant: ``matrix[r, c]`` depends only on ``c - r``.

    Inputs:
    - matrix: a 2-D array of any shape (not necessarily square).
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}")
    return bool(np.array_equal(matrix[1:, 1:], matrix[:-1, :-1]))


def is_doubly_block_toeplitz(matrix: np.ndarray, block_shape: tuple[int, int]) -> bool:
    """True if ``matrix`` is block Toeplitz with Toeplitz blocks of ``block_shape``.

    Cut ``matrix`` into blocks of ``block_shape = (r, c)`` rows and columns;
    the result holds when block ``(a, b)`` depends only on ``b - a`` and every
    block is Toeplitz (:func:`is_toeplitz`).

    Inputs:
    - matrix: shape ``(R, C)`` with ``R`` a multiple of ``r`` and ``C`` of ``c``.
    - block_shape: ``(r, c)``; for a one-channel convolution of an ``H x W``
      input with an ``Ho x Wo`` output, ``(Wo, W)``.

    Raises:
        ValueError: if the blocks do not tile ``matrix``.
    """
    matrix = np.asarray(matrix)
    r, c = block_shape
    if matrix.ndim != 2 or r < 1 or c < 1 or matrix.shape[0] % r or matrix.shape[1] % c:
        raise ValueError(f"blocks of shape {block_shape} do not tile a matrix of shape {matrix.shape}")
    blocks = matrix.reshape(matrix.shape[0] // r, r, matrix.shape[1] // c, c).transpose(0, 2, 1, 3)
    same_along_diagonals = np.array_equal(blocks[1:, 1:], blocks[:-1, :-1])
    return same_along_diagonals and all(is_toeplitz(block) for row in blocks for block in row)
