"""The convolution matrix against PyTorch's conv2d and conv_transpose2d, its structure, and bad inputs."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.conv_matrix import convolution_matrix, is_doubly_block_toeplitz, is_toeplitz

CASES = [  # (C_in, C_out, H, W, kH, kW, stride, padding, dilation)
    (1, 1, 4, 4, 3, 3, 1, 0, 1),
    (2, 3, 5, 7, 3, 2, 1, 1, 1),
    (3, 2, 9, 8, 3, 3, 2, 1, 1),
    (2, 2, 10, 9, 3, 2, (2, 3), (1, 0), (2, 1)),
    (1, 4, 6, 6, 1, 1, 1, 0, 1),
]


@pytest.mark.parametrize("case", CASES)
def test_matrix_is_conv2d_and_its_transpose_is_conv_transpose2d(case):
    c_in, c_out, h, w, kh, kw, stride, padding, dilation = case
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((c_out, c_in, kh, kw))
    x = rng.standard_normal((c_in, h, w))
    matrix = convolution_matrix(weight, (h, w), stride=stride, padding=padding, dilation=dilation)
    expected = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(weight), stride=stride, padding=padding,
                        dilation=dilation)[0]
    assert matrix.shape == (expected.numel(), x.size)
    np.testing.assert_allclose(matrix @ x.reshape(-1), expected.numpy().reshape(-1), rtol=0, atol=1e-12)

    y = rng.standard_normal(tuple(expected.shape))
    size = F.conv_transpose2d(torch.from_numpy(y)[None], torch.from_numpy(weight), stride=stride, padding=padding,
                              dilation=dilation).shape[-2:]
    hs, ws = (stride, stride) if isinstance(stride, int) else stride
    pad = [h - size[0], w - size[1]]            # output_padding recovers the rows a stride dropped
    transposed = F.conv_transpose2d(torch.from_numpy(y)[None], torch.from_numpy(weight), stride=stride,
                                    padding=padding, dilation=dilation, output_padding=tuple(pad))[0]
    assert transposed.shape == x.shape and pad[0] < hs and pad[1] < ws
    np.testing.assert_allclose(matrix.T @ y.reshape(-1), transposed.numpy().reshape(-1), rtol=0, atol=1e-12)


def test_small_case_by_hand():
    # A 1 x 2 kernel [a, b] on a 1 x 3 image: two windows.
    weight = np.array([[[[2.0, 5.0]]]])
    expected = np.array([[2.0, 5.0, 0.0], [0.0, 2.0, 5.0]])
    np.testing.assert_array_equal(convolution_matrix(weight, (1, 3)), expected)
    # With padding 1 (only along W here via a pair), the border windows lose a tap.
    padded = convolution_matrix(weight, (1, 3), padding=(0, 1))
    np.testing.assert_array_equal(padded, [[5.0, 0, 0], [2.0, 5.0, 0], [0, 2.0, 5.0], [0, 0, 2.0]])


def test_keeps_dtype_and_accepts_tensors():
    weight = torch.randn(2, 1, 3, 3)
    assert convolution_matrix(weight, 5).dtype == np.float32
    assert convolution_matrix(weight.double(), 5).dtype == np.float64


def test_one_channel_stride_one_is_doubly_block_toeplitz():
    weight = np.random.default_rng(1).standard_normal((1, 1, 3, 2))
    matrix = convolution_matrix(weight, (5, 6), padding=1)
    out_w = 6 + 2 - 2 + 1
    assert is_doubly_block_toeplitz(matrix, (out_w, 6))
    # Stride 2 breaks the structure: the next output row starts two input rows further on.
    strided = convolution_matrix(weight, (5, 6), stride=2)
    assert not is_doubly_block_toeplitz(strided, (3, 6))


def test_is_toeplitz():
    assert is_toeplitz(np.array([[1, 2, 3], [4, 1, 2]]))
    assert not is_toeplitz(np.array([[1, 2, 3], [4, 1, 9]]))
    with pytest.raises(ValueError, match="2-D"):
        is_toeplitz(np.zeros(3))
    with pytest.raises(ValueError, match="do not tile"):
        is_doubly_block_toeplitz(np.zeros((4, 5)), (2, 2))


def test_bad_inputs():
    with pytest.raises(ValueError, match="C_out x C_in x kH x kW"):
        convolution_matrix(np.zeros((3, 3)), 4)
    with pytest.raises(ValueError, match="floating-point"):
        convolution_matrix(np.zeros((1, 1, 2, 2), dtype=int), 4)
    with pytest.raises(ValueError, match="does not fit"):
        convolution_matrix(np.zeros((1, 1, 5, 5)), 4)
    with pytest.raises(ValueError, match="stride"):
        convolution_matrix(np.zeros((1, 1, 2, 2)), 4, stride=0)
