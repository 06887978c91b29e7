"""cnnbook.analysis.shapes against the shapes PyTorch produces: conv_output_size and
conv_transpose_output_size (the output-size formula), and expected_shapes (the formula, layer by layer)."""
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.analysis import ShapeRow, conv_output_size, conv_transpose_output_size, expected_shapes, summary

pytestmark = pytest.mark.usefixtures("single_thread")


def _torch_shape(op, *args, **kwargs):
    """The (H, W) PyTorch produces, or None if PyTorch refuses the configuration.

    An empty output (a size of 0, which conv_transpose2d returns without complaint)
    counts as refused: conv_output_size and conv_transpose_output_size raise for it.
    """
    try:
        shape = tuple(op(*args, **kwargs).shape[-2:])
    except RuntimeError:
        return None
    return shape if min(shape) > 0 else None


def _pair(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    """A random (height, width) pair, each in ``low..high``."""
    return rng.randint(low, high), rng.randint(low, high)


def _conv_case(rng: random.Random, max_size: int, max_kernel: int) -> tuple[tuple[int, int], ...]:
    """Random (size, kernel, stride, padding, dilation) pairs: strides, paddings and dilations up to 3."""
    return _pair(rng, 1, max_size), _pair(rng, 1, max_kernel), _pair(rng, 1, 3), _pair(rng, 0, 3), _pair(rng, 1, 3)


def _ours(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError:
        return None


def test_convolution_matches_pytorch_on_random_cases():
    rng = random.Random(0)
    agreed_valid = 0
    for _ in range(400):
        size, kernel, stride, padding, dilation = _conv_case(rng, 16, 5)
        x = torch.zeros(1, 1, *size)
        w = torch.zeros(1, 1, *kernel)
        expected = _torch_shape(F.conv2d, x, w, stride=stride, padding=padding, dilation=dilation)
        got = _ours(conv_output_size, size, kernel, stride, padding, dilation)
        assert got == expected, (size, kernel, stride, padding, dilation)
        agreed_valid += expected is not None
    assert 100 < agreed_valid < 400  # both valid and impossible configurations were exercised


def test_max_and_average_pooling_with_ceil_mode_match_pytorch():
    rng = random.Random(1)
    for _ in range(400):
        size = _pair(rng, 1, 16)
        kernel = _pair(rng, 1, 5)
        stride = _pair(rng, 1, 4)
        padding = (rng.randint(0, kernel[0] // 2), rng.randint(0, kernel[1] // 2))  # PyTorch's limit for pools
        dilation = _pair(rng, 1, 3)
        ceil_mode = rng.random() < 0.5
        x = torch.zeros(1, 1, *size)
        expected = _torch_shape(F.max_pool2d, x, kernel, stride, padding, dilation, ceil_mode=ceil_mode)
        assert _ours(conv_output_size, size, kernel, stride, padding, dilation, ceil_mode) == expected
        expected = _torch_shape(F.avg_pool2d, x, kernel, stride, padding, ceil_mode=ceil_mode)
        assert _ours(conv_output_size, size, kernel, stride, padding, 1, ceil_mode) == expected


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding():
    # 5 pixels, kernel 2, stride 2, padding 1: floor gives 3 windows; rounding up would give 4,
    # but the 4th would start at padded position 6 = 5 + 1, past the input: PyTorch drops it.
    assert conv_output_size(5, 2, 2, 1, ceil_mode=False) == 3
    assert conv_output_size(5, 2, 2, 1, ceil_mode=True) == 3
    assert conv_output_size(6, 2, 2, 0, ceil_mode=True) == 3
    assert conv_output_size(7, 2, 2, 0, ceil_mode=True) == 4  # 7 pixels: the last window holds one pixel
    assert tuple(F.max_pool2d(torch.zeros(1, 1, 5, 7), 2, 2, 1, ceil_mode=True).shape[-2:]) == (3, 4)
    # In ceil mode a window may overhang the end of the padded input, if it starts inside:
    # 3 pixels, a dilated window spanning 4, stride 2: floor mode has no room, ceil mode one window.
    with pytest.raises(ValueError, match="at least 4 pixels"):
        conv_output_size(3, 2, stride=2, dilation=3)
    assert conv_output_size(3, 2, stride=2, dilation=3, ceil_mode=True) == 1
    assert F.max_pool2d(torch.zeros(1, 1, 3, 3), 2, 2, dilation=3, ceil_mode=True).shape[-1] == 1


def test_transposed_convolution_matches_pytorch_on_random_cases():
    rng = random.Random(2)
    for _ in range(300):
        size, kernel, stride, padding, dilation = _conv_case(rng, 10, 4)
        output_padding = _pair(rng, 0, 2)
        x = torch.zeros(1, 1, *size)
        w = torch.zeros(1, 1, *kernel)
        expected = _torch_shape(F.conv_transpose2d, x, w, stride=stride, padding=padding,
                                output_padding=output_padding, dilation=dilation)
        got = _ours(conv_transpose_output_size, size, kernel, stride, padding, output_padding, dilation)
        assert got == expected, (size, kernel, stride, padding, dilation, output_padding)


def test_transposed_convolution_inverts_a_strided_convolution():
    for size in range(8, 20):
        down = conv_output_size(size, 3, stride=2, padding=1)
        up = conv_transpose_output_size(down, 3, stride=2, padding=1, output_padding=(size + 1) % 2)
        assert up == size


def test_hand_calculations():
    assert conv_output_size(32, 5) == 28  # LeNet's first layer: (32 - 5) / 1 + 1
    assert conv_output_size(224, 11, stride=4, padding=2) == 55  # AlexNet conv1: floor(217 / 4) + 1
    assert conv_output_size(224, 3, padding=1) == 224  # VGG's "same" 3 x 3 convolution
    assert conv_output_size(224, 2, stride=2) == 112  # 2 x 2 pooling halves the size
    assert conv_output_size(32, 3, dilation=2) == 28  # a dilated 3-tap kernel spans 5 pixels
    assert conv_output_size(7, 7) == 1


def test_int_or_pair_result_follows_the_arguments():
    assert conv_output_size(32, 3) == 30
    assert isinstance(conv_output_size(32, 3), int)
    assert conv_output_size((32, 48), 3) == (30, 46)
    assert conv_output_size(32, (3, 5)) == (30, 28)  # any pair makes the answer a pair
    assert conv_output_size([32, 32], 3, stride=[1, 2]) == (30, 15)
    assert conv_transpose_output_size(4, 2, stride=2) == 8
    assert conv_transpose_output_size((4, 5), 2, stride=2) == (8, 10)


def test_string_padding():
    assert conv_output_size(17, 4, padding="same") == 17
    assert conv_output_size((17, 9), (4, 3), padding="same", dilation=2) == (17, 9)
    assert conv_output_size(17, 4, padding="valid") == 14
    shape = torch.nn.Conv2d(1, 1, 4, padding="same", dilation=2)(torch.zeros(1, 1, 17, 9)).shape
    assert tuple(shape[-2:]) == (17, 9)


@pytest.mark.parametrize("kwargs, message", [
    (dict(size=0, kernel_size=3), "size must be an integer >= 1"),
    (dict(size=32, kernel_size=0), "kernel_size must be an integer >= 1"),
    (dict(size=32, kernel_size=3, stride=0), "stride must be an integer >= 1"),
    (dict(size=32, kernel_size=3, padding=-1), "padding must be an integer >= 0"),
    (dict(size=32, kernel_size=3, dilation=0), "dilation must be an integer >= 1"),
    (dict(size=32.0, kernel_size=3), "size must be an int"),
    (dict(size=True, kernel_size=3), "size must be an int"),
    (dict(size=(32, 32, 3), kernel_size=3), "pair of them (height, width), got (32, 32, 3)"),
    (dict(size=32, kernel_size=3, padding="full"), "padding must be"),
    (dict(size=32, kernel_size=3, stride=2, padding="same"), "needs stride 1"),
    (dict(size=4, kernel_size=5), "window spans 5 pixels"),
    (dict(size=(32, 4), kernel_size=3, dilation=2), "along the width"),
])
def test_impossible_inputs_raise_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        conv_output_size(**kwargs)


def test_transposed_bad_inputs():
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        conv_transpose_output_size(4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="expected at least 1"):
        conv_transpose_output_size(1, 1, padding=1)
    with pytest.raises(ValueError, match="kernel_size must be"):
        conv_transpose_output_size(4, "3")


def _random_chain(rng: np.random.Generator, channels: int, size: int) -> nn.Sequential:
    """A random chain of convolutions, pools, padding and pointwise layers, then a classifier head."""
    layers: list[nn.Module] = []
    for _ in range(int(rng.integers(2, 6))):
        kind = rng.choice(["conv", "conv_same", "max", "avg", "pad", "relu", "bn"])
        if kind == "conv":
            out = int(rng.integers(1, 6))
            layers.append(nn.Conv2d(channels, out, int(rng.integers(1, 4)), stride=int(rng.integers(1, 3)),
                                    padding=int(rng.integers(0, 2)), dilation=int(rng.integers(1, 3))))
            channels = out
        elif kind == "conv_same":
            out = int(rng.integers(1, 6))
            layers.append(nn.Conv2d(channels, out, (int(rng.integers(1, 5)), int(rng.integers(1, 5))),
                                    padding="same", dilation=int(rng.integers(1, 3))))
            channels = out
        elif kind == "max":
            k = int(rng.integers(1, 4))
            layers.append(nn.MaxPool2d(k, stride=int(rng.integers(1, 3)), padding=int(rng.integers(0, k // 2 + 1)),
                                       ceil_mode=bool(rng.integers(0, 2))))
        elif kind == "avg":
            layers.append(nn.AvgPool2d(2, ceil_mode=bool(rng.integers(0, 2))))
        elif kind == "pad":
            layers.append(nn.ZeroPad2d(tuple(int(v) for v in rng.integers(0, 3, size=4))))
        elif kind == "relu":
            layers.append(nn.ReLU())
        else:
            layers.append(nn.BatchNorm2d(channels))
    if rng.integers(0, 2):
        layers.append(nn.AdaptiveAvgPool2d((2, None)))
    return nn.Sequential(nn.Sequential(*layers), nn.Flatten(), nn.LazyLinear(7), nn.Softmax(dim=1))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")  # an even kernel is a case we test
def test_expected_shapes_random_chains_match_the_shapes_pytorch_produces(seed):
    rng = np.random.default_rng(seed)
    channels, size = int(rng.integers(1, 4)), int(rng.integers(12, 30))
    model = _random_chain(rng, channels, size)
    input_shape = (2, channels, size, size + int(rng.integers(0, 5)))
    model(torch.zeros(input_shape))  # materialise the lazy Linear's weights
    measured = summary(model, input_shape)
    predicted = expected_shapes(model, input_shape)
    assert [(r.name, r.kind, r.output_shape) for r in measured] == \
           [(r.name, r.kind, r.output_shape) for r in predicted]


def test_expected_shapes_the_book_pipeline_by_hand():
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    rows = expected_shapes(model, (8, 1, 28, 28))
    assert rows[0] == ShapeRow("0", "Conv2d", (8, 16, 28, 28))
    assert [r.output_shape for r in rows][2:] == [(8, 16, 14, 14), (8, 32, 14, 14), (8, 32, 14, 14),
                                                 (8, 32, 7, 7), (8, 1568), (8, 10)]


def test_expected_shapes_a_single_layer_and_flatten_of_inner_dimensions():
    assert expected_shapes(nn.Conv2d(3, 8, 5, stride=2), (1, 3, 32, 32)) == [ShapeRow("", "Conv2d", (1, 8, 14, 14))]
    assert expected_shapes(nn.Flatten(1, 2), (2, 3, 4, 5))[0].output_shape == (2, 12, 5)
    assert expected_shapes(nn.Flatten(0, -1), (2, 3, 4, 5))[0].output_shape == (120,)


def test_expected_shapes_errors_name_the_layer_and_what_it_expected():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))
    with pytest.raises(ValueError, match=r"layer '0' \(Conv2d\) expects 1 input channels but would receive 3"):
        expected_shapes(model, (1, 3, 28, 28))
    with pytest.raises(ValueError, match=r"layer '2' \(Linear\) expects 2704 input features .* receive 3600"):
        expected_shapes(model, (1, 1, 32, 32))
    with pytest.raises(ValueError, match=r"layer '0' \(Conv2d\) cannot take an input of shape \(1, 1, 2, 2\)"):
        expected_shapes(model, (1, 1, 2, 2))
    with pytest.raises(ValueError, match="N x C x H x W"):
        expected_shapes(nn.MaxPool2d(2), (4, 4))
    with pytest.raises(ValueError, match="expects 4 channels"):
        expected_shapes(nn.BatchNorm2d(4), (1, 3, 8, 8))
    with pytest.raises(ValueError, match="cannot predict"):
        expected_shapes(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Upsample(scale_factor=2)), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="empty"):
        expected_shapes(nn.Sequential(), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="torch.nn.Module"):
        expected_shapes("not a model", (1, 1, 8, 8))
    with pytest.raises(ValueError, match="positive integers"):
        expected_shapes(nn.ReLU(), (1, 0, 8, 8))
