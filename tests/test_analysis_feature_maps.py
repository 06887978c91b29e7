"""feature_maps against running the layers by hand; batching, modes, in-place layers, bad input."""
import pytest
import torch
from torch import nn

from cnnbook.analysis import feature_maps, layer_names

pytestmark = pytest.mark.usefixtures("single_thread")


def _model():
    torch.manual_seed(0)
    features = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                             nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    return nn.Sequential(features, nn.Flatten(), nn.Linear(4 * 4 * 4, 2))


def test_feature_maps_equal_the_layers_run_by_hand():
    model = _model()
    x = torch.randn(5, 1, 12, 12)
    maps = feature_maps(model, x, ["0.0", "0.2", "0.5", "2"])
    assert list(maps) == ["0.0", "0.2", "0.5", "2"]
    features = model[0].eval()
    with torch.no_grad():
        conv = features[0](x)
        pooled = features[2](torch.relu(conv))
        torch.testing.assert_close(maps["0.0"], conv)  # recorded before the in-place ReLU overwrote it
        assert (maps["0.0"] < 0).any()
        torch.testing.assert_close(maps["0.2"], pooled)
        torch.testing.assert_close(maps["0.5"], features[3:](pooled))
        torch.testing.assert_close(maps["2"], model.eval()(x))
    assert maps["0.5"].shape == (5, 4, 4, 4)


def test_batches_give_the_same_maps_and_the_model_is_left_as_it_was():
    model = _model().train()
    x = torch.randn(7, 1, 12, 12)
    running = model[0][4].running_mean.clone()
    whole = feature_maps(model, x, ["0.3"])
    pieces = feature_maps(model, x, ["0.3"], batch_size=3)
    torch.testing.assert_close(whole["0.3"], pieces["0.3"])
    assert all(m.training for m in model.modules())
    assert torch.equal(model[0][4].running_mean, running)  # evaluation mode: statistics untouched
    assert all(p.grad is None for p in model.parameters())
    assert not model[0][0]._forward_hooks  # hooks removed


def test_layer_names():
    assert layer_names(_model())[:3] == ["0", "0.0", "0.1"]


class _Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)
        self.pair = nn.Identity()

    def forward(self, x):
        return self.used(x)


def test_bad_input():
    model = _model()
    x = torch.randn(2, 1, 12, 12)
    with pytest.raises(ValueError, match=r"no layer named 'conv9'; expected one of '0', '0\.0'"):
        feature_maps(model, x, ["conv9"])
    with pytest.raises(ValueError, match="single string '0.0'"):
        feature_maps(model, x, "0.0")
    with pytest.raises(ValueError, match="at least one layer"):
        feature_maps(model, x, [])
    with pytest.raises(ValueError, match=r"N x C x H x W, got a torch.float32 tensor of shape \(12, 12\)"):
        feature_maps(model, torch.zeros(12, 12), ["0.0"])
    with pytest.raises(ValueError, match="float tensor"):
        feature_maps(model, torch.zeros(2, 1, 12, 12, dtype=torch.long), ["0.0"])
    with pytest.raises(ValueError, match="at least one image"):
        feature_maps(model, torch.zeros(0, 1, 12, 12), ["0.0"])
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        feature_maps(model, x, ["0.0"], batch_size=0)
    with pytest.raises(ValueError, match="'unused' did not run"):
        feature_maps(_Branchy(), x, ["used", "unused"])
    with pytest.raises(ValueError, match="must be a torch.nn.Module"):
        feature_maps(lambda v: v, x, ["0"])
