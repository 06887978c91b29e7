"""expected_shapes() (the output-size formula, layer by layer) against the shapes PyTorch produces."""
import numpy as np
import pytest
import torch
from torch import nn

from cnnbook.analysis import ShapeRow, expected_shapes, summary

pytestmark = pytest.mark.usefixtures("single_thread")


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
def test_random_chains_match_the_shapes_pytorch_produces(seed):
    rng = np.random.default_rng(seed)
    channels, size = int(rng.integers(1, 4)), int(rng.integers(12, 30))
    model = _random_chain(rng, channels, size)
    input_shape = (2, channels, size, size + int(rng.integers(0, 5)))
    model(torch.zeros(input_shape))  # materialise the lazy Linear's weights
    measured = summary(model, input_shape)
    predicted = expected_shapes(model, input_shape)
    assert [(r.name, r.kind, r.output_shape) for r in measured] == \
           [(r.name, r.kind, r.output_shape) for r in predicted]


def test_the_book_pipeline_by_hand():
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    rows = expected_shapes(model, (8, 1, 28, 28))
    assert rows[0] == ShapeRow("0", "Conv2d", (8, 16, 28, 28))
    assert [r.output_shape for r in rows][2:] == [(8, 16, 14, 14), (8, 32, 14, 14), (8, 32, 14, 14),
                                                 (8, 32, 7, 7), (8, 1568), (8, 10)]


def test_a_single_layer_and_flatten_of_inner_dimensions():
    assert expected_shapes(nn.Conv2d(3, 8, 5, stride=2), (1, 3, 32, 32)) == [ShapeRow("", "Conv2d", (1, 8, 14, 14))]
    assert expected_shapes(nn.Flatten(1, 2), (2, 3, 4, 5))[0].output_shape == (2, 12, 5)
    assert expected_shapes(nn.Flatten(0, -1), (2, 3, 4, 5))[0].output_shape == (120,)


def test_errors_name_the_layer_and_what_it_expected():
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
