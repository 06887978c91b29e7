import numpy as np
import pytest
import torch

from cnnbook.data import ImageDataset, per_class_subset


def dataset(counts=(5, 7, 9)):
    labels = torch.cat([torch.full((n,), k) for k, n in enumerate(counts)])
    images = torch.arange(len(labels), dtype=torch.float32).reshape(-1, 1, 1, 1)  # image i holds the value i
    return ImageDataset(images, labels, [f"c{k}" for k in range(len(counts))])


def test_same_number_of_each_class_drawn_from_that_class():
    data = dataset()
    subset = per_class_subset(data, 4, seed=3)
    assert len(subset) == 12 and subset.classes == data.classes
    assert torch.bincount(subset.labels).tolist() == [4, 4, 4]
    source = subset.images.flatten().long()  # which original sample each one is
    assert len(set(source.tolist())) == 12, "drawn without replacement"
    assert torch.equal(data.labels[source], subset.labels)


def test_fixed_by_the_seed_and_shuffled():
    data = dataset((50, 50))
    first, again, other = (per_class_subset(data, 10, seed=s) for s in (1, 1, 2))
    assert torch.equal(first.images, again.images)
    assert not torch.equal(first.images, other.images)
    assert not torch.equal(first.labels, first.labels.sort().values), "classes are interleaved"


@pytest.mark.parametrize("per_class", [0, -1, 2.0, True])
def test_bad_per_class(per_class):
    with pytest.raises(ValueError, match="per_class must be a positive integer"):
        per_class_subset(dataset(), per_class)


def test_too_few_samples_in_a_class():
    with pytest.raises(ValueError, match="'c0' has 5 samples, fewer than the 6"):
        per_class_subset(dataset(), 6)


def test_numpy_integers_are_accepted():
    assert len(per_class_subset(dataset(), np.int64(2))) == 6
