"""window_positions: the input positions each output of a 1-D sliding window reads, against autograd."""
import numpy as np
import pytest
import torch

from cnnbook.analysis import conv_output_size
from cnnbook.sliding_windows import window_positions


def _positions_read_by_torch(size, kernel_size, stride, padding, dilation):
    """For each output of a 1-D convolution, the input positions its gradient reaches (autograd)."""
    x = torch.zeros(1, 1, size, requires_grad=True)
    weight = torch.ones(1, 1, kernel_size)
    y = torch.nn.functional.conv1d(x, weight, stride=stride, padding=padding, dilation=dilation)
    read = []
    for j in range(y.shape[-1]):
        (gradient,) = torch.autograd.grad(y[0, 0, j], x, retain_graph=True)
        read.append(torch.nonzero(gradient[0, 0]).flatten().tolist())
    return read


@pytest.mark.parametrize("seed", range(15))
def test_positions_match_the_inputs_a_torch_convolution_reads(seed):
    rng = np.random.default_rng(seed)
    kernel_size, dilation = int(rng.integers(1, 5)), int(rng.integers(1, 3))
    padding, stride = int(rng.integers(0, 3)), int(rng.integers(1, 4))
    size = int(rng.integers(dilation * (kernel_size - 1) + 1, 20))
    windows = window_positions(size, kernel_size, stride, padding, dilation)
    assert len(windows) == conv_output_size(size, kernel_size, stride, padding, dilation)
    inside = [[p for p in taps if 0 <= p < size] for taps in windows]  # padding positions read zeros only
    assert inside == _positions_read_by_torch(size, kernel_size, stride, padding, dilation)
    assert all(len(taps) == kernel_size for taps in windows)


def test_the_worked_example():
    assert window_positions(7, 3, stride=2, padding=1) == [[-1, 0, 1], [1, 2, 3], [3, 4, 5], [5, 6, 7]]


def test_errors():
    with pytest.raises(ValueError, match="kernel_size"):
        window_positions(5, 0)
    with pytest.raises(ValueError, match="stride"):
        window_positions(5, 3, stride=1.5)
    with pytest.raises(ValueError, match="padded input"):
        window_positions(2, 5)
