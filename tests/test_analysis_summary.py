"""summary() against real forward shapes, parameter counts and published model costs."""
import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnbook.analysis import LayerRow, ModelSummary, count_parameters, summary


pytestmark = pytest.mark.usefixtures("single_thread")


def _small_cnn():
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True), nn.MaxPool2d(2)),
        nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, groups=2), nn.ReLU(inplace=True)),
        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(32, 10),
    )


def _leaves(module):
    return [m for m in module.modules() if not list(m.children())]


def test_rows_follow_the_real_forward_shapes_of_a_nested_chain():
    model = _small_cnn()
    result = summary(model, (2, 1, 28, 28))
    x = torch.randn(2, 1, 28, 28)
    expected = []
    with torch.no_grad():
        for layer in _leaves(model):  # run the chain by hand, layer by layer
            x = layer.eval()(x)
            expected.append(tuple(x.shape))
    assert [row.output_shape for row in result.rows] == expected
    assert [row.name for row in result.rows] == ["0.0", "0.1", "0.2", "0.3", "1.0", "1.1", "2", "3", "4", "5"]
    assert [row.kind for row in result.rows][:4] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]
    assert result.output_shape == (2, 10) and result.input_shape == (2, 1, 28, 28)


def test_parameters_per_row_and_totals():
    model = _small_cnn()
    result = summary(model, (1, 1, 28, 28))
    for row, layer in zip(result.rows, _leaves(model)):
        assert row.params == sum(p.numel() for p in layer.parameters())
    assert sum(row.params for row in result) == result.total_params == count_parameters(model)
    model[0][0].requires_grad_(False)
    result = summary(model, (1, 1, 28, 28))
    assert result.trainable_params == result.total_params - (4 * 9 + 4)


def test_multiply_adds_hand_count_and_pytorch_flop_counter():
    model = _small_cnn()
    result = summary(model, (1, 1, 28, 28))
    macs = {row.name: row.macs for row in result}
    assert macs["0.0"] == 4 * 28 * 28 * 9  # 4 filters of 1 x 3 x 3 at 28 x 28 positions
    assert macs["0.1"] == 4 * 28 * 28  # batch norm: one multiply-add per element
    assert macs["1.0"] == 8 * 6 * 6 * (2 * 9)  # groups=2: each filter sees 2 of the 4 channels
    assert macs["5"] == 32 * 10
    assert macs["0.2"] == macs["0.3"] == macs["2"] == 0  # ReLU and pooling: no multiply-adds
    without_batchnorm = nn.Sequential(*[m for m in _leaves(model) if not isinstance(m, nn.BatchNorm2d)])
    result = summary(without_batchnorm, (3, 1, 28, 28))
    with FlopCounterMode(display=False) as counter:
        without_batchnorm.eval()(torch.randn(3, 1, 28, 28))
    assert 2 * result.total_macs == counter.get_total_flops()  # 1 multiply-add = 2 FLOPs


# Published costs: the metadata torchvision ships with its ImageNet weights ("num_params", and
# "_ops", the GFLOPS column of torchvision's model table, which counts the multiply-adds of the
# convolutions and fully connected layers for one 224 x 224 image). Built on the meta device:
# shapes without computation, so VGG-16 costs no time.
@pytest.mark.parametrize("builder, weights", [
    (torchvision.models.alexnet, torchvision.models.AlexNet_Weights.IMAGENET1K_V1),
    (torchvision.models.vgg16, torchvision.models.VGG16_Weights.IMAGENET1K_V1),
    (torchvision.models.resnet18, torchvision.models.ResNet18_Weights.IMAGENET1K_V1),
])
def test_published_costs_of_classic_networks(builder, weights):
    with torch.device("meta"):
        model = builder()
    result = summary(model, (1, 3, 224, 224))
    assert result.total_params == weights.meta["num_params"]
    weighted = sum(r.macs for r in result if r.kind in ("Conv2d", "Linear"))
    decimals = len(str(weights.meta["_ops"]).split(".")[1])
    assert round(weighted / 1e9, decimals) == weights.meta["_ops"]
    assert result.output_shape == (1, 1000)


class _Residual(nn.Module):
    """y = relu(x + conv(relu(conv(x)))), with one ReLU module called twice."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 3, 3, padding=1), nn.Conv2d(3, 3, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(x + self.conv2(self.relu(self.conv1(x))))


def test_residual_model_rows_in_call_order_with_a_module_called_twice():
    model = nn.Sequential(_Residual(), _Residual())
    result = summary(model, (1, 3, 8, 8))
    assert [(r.name, r.call) for r in result] == [
        ("0.conv1", 1), ("0.relu", 1), ("0.conv2", 1), ("0.relu", 2),
        ("1.conv1", 1), ("1.relu", 1), ("1.conv2", 1), ("1.relu", 2),
    ]
    assert all(r.output_shape == (1, 3, 8, 8) for r in result)
    assert sum(r.params for r in result) == count_parameters(model) == 4 * (27 * 3 + 3)
    assert "0.relu (call 2)" in str(result)


def test_a_layer_used_twice_counts_its_parameters_once_and_its_work_twice():
    shared = nn.Linear(5, 5)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    result = summary(model, (4, 5))
    assert [r.params for r in result] == [30, 0, 0]
    assert [r.macs for r in result] == [4 * 25, 0, 4 * 25]
    assert result.total_params == 30 and result.total_macs == 200


class _Scaled(nn.Module):
    """A module with a parameter of its own besides a child layer, and an unknown cost."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4, 1, 1))
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return self.scale * self.conv(x)


def test_modules_owning_parameters_directly_are_listed():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), _Scaled())
    result = summary(model, (1, 1, 6, 6))
    assert [(r.name, r.params) for r in result] == [("0", 40), ("1", 4), ("1.conv", 20)]
    assert sum(r.params for r in result) == count_parameters(model)
    assert result[1].macs is None and result.uncounted == ["1"]
    assert result.total_macs == 4 * 16 * 9 + 4 * 16 * 4
    assert "Not counted (unknown cost): 1" in str(result)


def test_no_side_effects_on_the_model():
    model = _small_cnn()
    model.train()
    model[0].eval()  # mixed modes must come back as they were
    state = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model, (2, 1, 28, 28))
    assert model.training and not model[0].training and not model[0][1].training and model[1].training
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())  # batch-norm stats untouched
    assert all(not hook for m in model.modules() for hook in (m._forward_hooks, m._forward_pre_hooks))
    assert all(p.grad is None for p in model.parameters())


def test_random_state_untouched():
    model = _small_cnn()  # built first: initialising the weights draws random numbers
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    summary(model, (1, 1, 28, 28))
    assert torch.equal(torch.rand(3), expected)


def test_model_device_and_dtype_are_respected():
    with torch.device("meta"):
        model = _small_cnn()
    assert summary(model, (1, 1, 28, 28)).output_shape == (1, 10)  # a CPU input would fail on meta
    result = summary(_small_cnn().double(), (1, 1, 28, 28))
    assert result.output_shape == (1, 10)
    embedding = nn.Sequential(nn.Embedding(20, 4), nn.Flatten(), nn.Linear(12, 2))
    assert summary(embedding, (5, 3), dtype=torch.long).output_shape == (5, 2)



def test_rendering():
    result = summary(_small_cnn(), (1, 1, 28, 28))
    text = str(result)
    assert text == repr(result)
    lines = text.splitlines()
    assert lines[0].split() == ["Layer", "Type", "Output", "shape", "Params", "Mult-adds"]
    assert len(lines) == 1 + 1 + len(result) + 1 + 3
    params = (4 * 9 + 4) + 2 * 4 + (8 * 2 * 9 + 8) + (32 * 10 + 10)  # conv, batch norm, grouped conv, linear
    assert "0.0  " in text and "(1, 4, 28, 28)" in text and f"Parameters: {params} ({params} trainable)" in text
    html = result._repr_html_()
    assert html.count("<tr>") == len(result) + 1 and "<th" in html and "Multiply-adds" in html
    frame = result.to_frame()
    assert list(frame.columns) == ["name", "kind", "output_shape", "params", "macs", "call"]
    assert len(frame) == len(result) and frame["params"].sum() == result.total_params
    assert isinstance(result, ModelSummary) and isinstance(result[0], LayerRow)
    assert [r.name for r in result] == [result[i].name for i in range(len(result))]


def test_html_is_escaped():
    class Weird(nn.Module):  # a class name a notebook must not interpret as markup
        def forward(self, x):
            return x

    Weird.__name__ = "<b>Weird</b>"
    html = summary(nn.Sequential(Weird()), (1, 2))._repr_html_()
    assert "<b>" not in html and "&lt;b&gt;Weird" in html


def test_a_model_that_fails_is_reported_with_the_failing_layer():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(100, 2))
    with pytest.raises(ValueError, match=r"input of shape \(1, 1, 12, 12\) in layer '2' \(Linear\)"):
        summary(model, (1, 1, 12, 12))
    with pytest.raises(ValueError, match=r"in layer '0' \(Conv2d\)"):
        summary(model, (1, 3, 12, 12))


@pytest.mark.parametrize("shape", [(), (1, 0, 28), (1, 1, 28.0, 28), "1x28x28", 28, (1, True, 28, 28)])
def test_bad_input_shapes(shape):
    with pytest.raises(ValueError, match="input_shape must"):
        summary(_small_cnn(), shape)


def test_not_a_model():
    with pytest.raises(ValueError, match="must be a torch.nn.Module"):
        summary(lambda x: x, (1, 3))


# An independent check of the multiply-add counts on the book's own models without batch norm:
# PyTorch's FlopCounterMode counts 2 FLOPs per multiply-add of every convolution and matrix product.
# (The faithful LeNet-5 is left out on purpose: its C3 layer runs as a dense convolution with zeros
# where maps are not connected, which FlopCounterMode counts and summary() does not.)
@pytest.mark.parametrize("name", ["lenet5-modern", "small_alexnet", "small_vgg", "alexnet", "vgg11"])
def test_flop_counter_equals_twice_the_summary_multiply_adds_on_the_model_zoo(name):
    from cnnbook.models import alexnet, lenet5, small_alexnet, small_vgg, vgg11

    builders = {"lenet5-modern": (lambda: lenet5("modern"), (2, 1, 32, 32)),
                "small_alexnet": (small_alexnet, (2, 1, 28, 28)), "small_vgg": (small_vgg, (2, 1, 28, 28)),
                "alexnet": (alexnet, (1, 3, 224, 224)), "vgg11": (vgg11, (1, 3, 224, 224))}
    build, shape = builders[name]
    device = "meta" if shape[-1] == 224 else "cpu"  # full size on the meta device: shapes without arithmetic
    with torch.device(device):
        model = build().eval()
    result = summary(model, shape)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(shape, device=device))
    assert counter.get_total_flops() == 2 * result.total_macs > 0
