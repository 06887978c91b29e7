"""The CIFAR-10 stand-in and the synthetic face identities: shapes, seeds, open-set splits, failing fast offline."""
import socket
import time

import numpy as np
import pytest
import torch

from cnnbook.data import DatasetUnavailable
from cnnbook.data.cifar import COLOUR_SHAPE_CLASSES, colour_shapes, load_cifar10
from cnnbook.data.faces import (
    IDENTITY_TRAITS,
    load_face_identities,
    split_identities,
    synthetic_face_identities,
    synthetic_faces,
    verification_pairs,
)


def no_network(*args, **kwargs):
    raise OSError("offline (test)")


def test_colour_shapes_shapes_ranges_and_seed():
    images, labels = colour_shapes(3, seed=1)
    assert images.shape == (30, 3, 32, 32) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    assert np.array_equal(np.bincount(labels), [3] * 10)
    again, _ = colour_shapes(3, seed=1)
    other, _ = colour_shapes(3, seed=2)
    assert np.array_equal(images, again) and not np.array_equal(images, other)
    with pytest.raises(ValueError, match="per_class"):
        colour_shapes(0)
    with pytest.raises(ValueError, match="size"):
        colour_shapes(1, size=8)


def test_cifar10_offline_is_the_labelled_stand_in():
    train, test = load_cifar10(full=False)
    assert (len(train), len(test)) == (5000, 1000)
    assert train.classes == COLOUR_SHAPE_CLASSES  # shape names, never CIFAR-10's
    assert train.images.shape[1:] == (3, 32, 32)


@pytest.mark.parametrize("loader", [lambda: load_cifar10(full=True), lambda: load_face_identities(full=True)])
def test_full_data_without_network_fails_fast_with_advice(loader, monkeypatch, tmp_path):
    import sklearn.datasets  # noqa: F401  (imported before the clock starts: the check is about the network)
    import torchvision.datasets  # noqa: F401

    monkeypatch.setenv("CNNBOOK_DATA", str(tmp_path))
    monkeypatch.setattr(socket, "create_connection", no_network)
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailable, match="full=False"):
        loader()
    assert time.perf_counter() - start < 10


def test_synthetic_faces_identity_is_fixed_and_nuisance_varies():
    traits = synthetic_face_identities(5, seed=0)
    assert set(traits) == set(IDENTITY_TRAITS) and all(v.shape == (5,) for v in traits.values())
    images = synthetic_faces(traits, np.array([0, 0, 1]), size=24, seed=0)
    assert images.shape == (3, 1, 24, 24) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    assert not np.allclose(images[0], images[1]), "two images of one identity must differ by their nuisances"
    calm = synthetic_faces(traits, np.array([0, 0]), size=24, nuisance=0.0, seed=0)
    np.testing.assert_allclose(calm[0], calm[1], atol=1e-6)  # no nuisance: one identity, one image
    with pytest.raises(ValueError, match="identities"):
        synthetic_faces(traits, np.array([5]))


def test_split_identities_is_open_set():
    faces = load_face_identities(num_identities=20, per_identity=3, size=16)
    assert len(faces) == 60 and faces.images.shape[1:] == (1, 16, 16)
    seen, unseen = split_identities(faces, 5, seed=0)
    assert len(seen.classes) == 15 and len(unseen.classes) == 5
    assert not set(seen.classes) & set(unseen.classes)
    assert seen.labels.max() == 14 and unseen.labels.max() == 4 and len(seen) + len(unseen) == 60
    # renumbered labels still name the same people
    index = torch.nonzero(faces.labels == faces.classes.index(unseen.classes[0])).flatten()
    assert torch.equal(torch.sort(faces.images[index].flatten(1), dim=0)[0],
                       torch.sort(unseen.images[unseen.labels == 0].flatten(1), dim=0)[0])
    with pytest.raises(ValueError, match="num_unseen"):
        split_identities(faces, 20)


def test_verification_pairs_are_lfw_style_folds_of_disjoint_identities():
    labels = np.repeat(np.arange(40), 5)
    first, second, same, fold = verification_pairs(labels, num_folds=4, pairs_per_fold=20, seed=0)
    assert len(first) == 4 * 2 * 20 and same.sum() == 80
    assert np.array_equal(labels[first] == labels[second], same)
    assert np.all(first != second)
    people = [set(labels[first[fold == f]]) | set(labels[second[fold == f]]) for f in range(4)]
    assert all(not people[a] & people[b] for a in range(4) for b in range(a + 1, 4))
    assert len({(a, b) for a, b in zip(first, second)}) == len(first)  # all distinct
    with pytest.raises(ValueError, match="fewer than"):
        verification_pairs(labels, num_folds=4, pairs_per_fold=200)
