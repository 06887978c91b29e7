"""cnnbook.models.pretrained: torchvision's weights from the cache, or a fast, clear refusal."""
import socket
import time

import pytest
import torch
import torchvision
from torchvision.models import DenseNet121_Weights, MobileNet_V3_Small_Weights, ResNet18_Weights

from cnnbook.models import WeightsUnavailable, pretrained, pretrained_weights, weights_file


@pytest.fixture
def torch_home(monkeypatch, tmp_path):
    """An empty torch cache directory, so that no real cached file is found."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def offline(monkeypatch):
    """No host accepts a connection."""
    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)


def test_pretrained_weights_resolves_names_and_default():
    assert pretrained_weights("resnet18") is ResNet18_Weights.DEFAULT
    assert pretrained_weights("resnet18", "IMAGENET1K_V1") is ResNet18_Weights.IMAGENET1K_V1
    assert pretrained_weights("densenet121", DenseNet121_Weights.IMAGENET1K_V1) is DenseNet121_Weights.IMAGENET1K_V1
    entry = pretrained_weights("mobilenet_v3_small")
    assert len(entry.meta["categories"]) == 1000
    assert entry.meta["num_params"] == sum(p.numel() for p in torchvision.models.mobilenet_v3_small().parameters())


@pytest.mark.parametrize("name, weights, message", [
    ("resnet19", "DEFAULT", "classification models"),
    ("resnet18", "IMAGENET1K_V9", "IMAGENET1K_V1"),
    ("resnet18", DenseNet121_Weights.DEFAULT, "ResNet18_Weights"),
    ("resnet18", None, "DEFAULT"),
])
def test_pretrained_weights_rejects_unknown_models_and_weights(name, weights, message):
    with pytest.raises(ValueError, match=message):
        pretrained_weights(name, weights)


def test_weights_file_is_in_torch_hub_checkpoints(torch_home):
    path = weights_file(ResNet18_Weights.IMAGENET1K_V1)
    assert path == torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth"


def test_offline_and_not_cached_fails_fast_with_advice(torch_home, offline):
    start = time.perf_counter()
    with pytest.raises(WeightsUnavailable) as error:
        pretrained("resnet18")
    assert time.perf_counter() - start < 5
    message = str(error.value)
    assert "ResNet18_Weights.IMAGENET1K_V1" in message and "no network" in message
    assert str(weights_file(ResNet18_Weights.IMAGENET1K_V1)) in message and "TORCH_HOME" in message
    assert isinstance(error.value, RuntimeError)


def test_download_false_never_touches_the_network(torch_home, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("download=False must not open a connection")

    monkeypatch.setattr(socket, "create_connection", fail)
    with pytest.raises(WeightsUnavailable, match="download=False"):
        pretrained("mobilenet_v3_small", download=False)


def test_a_failed_download_is_reported_as_unavailable(torch_home, monkeypatch):
    class Connection:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    seen_timeouts = []

    def broken_download(url, destination, *args, **kwargs):
        seen_timeouts.append(socket.getdefaulttimeout())
        raise OSError("connection reset by peer")

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: Connection())
    monkeypatch.setattr(torch.hub, "download_url_to_file", broken_download)
    with pytest.raises(WeightsUnavailable, match="download failed.*connection reset"):
        pretrained("mobilenet_v3_small")
    assert seen_timeouts and seen_timeouts[0] is not None and seen_timeouts[0] > 0
    assert socket.getdefaulttimeout() is None


def test_cached_weights_load_without_a_network(torch_home, offline):
    """A file in the cache (here: random weights saved under the official name) is loaded offline."""
    torch.manual_seed(0)
    source = torchvision.models.mobilenet_v3_small()
    path = weights_file(MobileNet_V3_Small_Weights.DEFAULT)
    path.parent.mkdir(parents=True)
    torch.save(source.state_dict(), path)
    model = pretrained("mobilenet_v3_small")
    assert not model.training
    loaded = model.state_dict()
    assert loaded.keys() == source.state_dict().keys()
    assert all(torch.equal(loaded[k], v) for k, v in source.state_dict().items())


def test_an_unreadable_cached_file_says_so(torch_home, offline):
    path = weights_file(MobileNet_V3_Small_Weights.DEFAULT)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsUnavailable, match="cannot be loaded.*Delete the file"):
        pretrained("mobilenet_v3_small")


@pytest.mark.parametrize("timeout", [0, -1, True, "5"])
def test_bad_timeout(timeout):
    with pytest.raises(ValueError, match="timeout"):
        pretrained("resnet18", timeout=timeout)


def test_without_any_mocking_it_never_hangs(torch_home):
    """The real code path: offline it must raise quickly; online it downloads the smallest file (10 MB)."""
    start = time.perf_counter()
    try:
        model = pretrained("mobilenet_v3_small")
    except WeightsUnavailable:
        assert time.perf_counter() - start < 30
    else:
        assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)
