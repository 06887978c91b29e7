"""CIFAR-10, and the synthetic colour stand-in used offline.

CIFAR-10 (Krizhevsky, 2009) is 60,000 colour photographs of 32 x 32 pixels
in ten classes (airplane, automobile, bird, cat, deer, dog, frog, horse,
ship, truck), 50,000 for training and 10,000 for testing. It does not ship
with any PyPI package, so offline the book uses a stand-in of the same shape:
**synthetic** 32 x 32 colour images of ten kinds of shape and texture drawn at
random positions, sizes, angles and colours on shaded, noisy backgrounds
(:func:`colour_shapes`). It is not CIFAR-10 and its numbers are not CIFAR-10
numbers; it has CIFAR-10's format, ten classes and a few pairs of classes that
are easy to confuse, which is what a chapter about measuring a classifier needs.
"""
from __future__ import annotations

import numpy as np
import torch

from . import ImageDataset, full_data_requested, split_into_datasets
from .downloads import data_dir, download_once

__all__ = ["CIFAR10_CLASSES", "COLOUR_SHAPE_CLASSES", "colour_shapes", "load_cifar10"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: The ten classes of the synthetic stand-in, in label order.
COLOUR_SHAPE_CLASSES = ("disc", "ellipse", "ring", "square", "frame", "triangle", "cross", "stripes", "checker",
                        "dots")


def _shape_mask(kind: str, u: np.ndarray, v: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of one shape, in coordinates ``(u, v)`` centred on it and rotated to its angle."""
    chebyshev = np.maximum(np.abs(u), np.abs(v))
    distance = np.hypot(u, v)
    if kind == "disc":
        return distance < radius
    if kind == "ellipse":
        aspect = rng.uniform(0.35, 0.6)
        return np.hypot(u, v / aspect) < radius
    if kind == "ring":
        return (distance < radius) & (distance > radius * rng.uniform(0.5, 0.7))
    if kind == "square":
        return chebyshev < radius * 0.85
    if kind == "frame":
        return (chebyshev < radius * 0.85) & (chebyshev > radius * 0.85 * rng.uniform(0.5, 0.7))
    if kind == "triangle":  # equilateral: inside three half-planes
        normals = [(np.cos(a), np.sin(a)) for a in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3)]
        return np.all([u * nx + v * ny < radius * 0.5 for nx, ny in normals], axis=0)
    if kind == "cross":
        arm = radius * rng.uniform(0.25, 0.35)
        return ((np.abs(u) < arm) & (np.abs(v) < radius)) | ((np.abs(v) < arm) & (np.abs(u) < radius))
    period = rng.uniform(3.5, 5.5)
    inside = chebyshev < radius
    if kind == "stripes":
        return inside & (np.sin(2 * np.pi * u / period) > 0)
    if kind == "checker":
        return inside & (np.sin(2 * np.pi * u / period) * np.sin(2 * np.pi * v / period) > 0)
    if kind == "dots":
        return inside & (np.hypot((u % period) - period / 2, (v % period) - period / 2) < period * 0.3)
    raise ValueError(f"unknown shape {kind!r}; known shapes are {', '.join(COLOUR_SHAPE_CLASSES)}")


def colour_shapes(per_class: int, *, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC colour images of ten kinds of shape: the book's offline stand-in for CIFAR-10.

    Each image has one shape of class :data:`COLOUR_SHAPE_CLASSES` ``[label]``,
    with a random centre, radius (``size / 6`` to ``size / 3``), angle and
    colour, on a background of another random colour shaded by a linear
    gradient, plus Gaussian pixel noise of random strength. Fixed by ``seed``.

    Args:
        per_class: images of each class, at least 1.
        size: image height and width in pixels, at least 16.
        seed: seed of every random choice.

    Returns:
        ``(images, labels)``: float32 ``(10 per_class, 3, size, size)`` in
        ``[0, 1]`` and int64 ``(10 per_class,)``, classes in shuffled order.

    Raises:
        ValueError: if ``per_class`` < 1 or ``size`` < 16.
    """
    if isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 16:
        raise ValueError(f"size must be an integer >= 16, got {size!r}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.repeat(np.arange(len(COLOUR_SHAPE_CLASSES)), per_class))
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    images = np.empty((len(labels), 3, size, size), dtype=np.float32)
    for index, label in enumerate(labels):
        radius = rng.uniform(size / 6, size / 3)
        centre = rng.uniform(radius * 0.7, size - radius * 0.7, 2)
        angle = rng.uniform(0, 2 * np.pi)
        dx, dy = x - centre[0], y - centre[1]
        u, v = dx * np.cos(angle) + dy * np.sin(angle), -dx * np.sin(angle) + dy * np.cos(angle)
        mask = _shape_mask(COLOUR_SHAPE_CLASSES[label], u, v, radius, rng)
        background, foreground = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        while np.abs(foreground - background).sum() < 0.6:  # keep the shape visible
            foreground = rng.uniform(0, 1, 3)
        gradient = rng.uniform(-0.3, 0.3, 2)
        shading = 1 + gradient[0] * (x / size - 0.5) + gradient[1] * (y / size - 0.5)
        picture = np.where(mask[None], foreground[:, None, None], background[:, None, None] * shading[None])
        picture = picture + rng.normal(0, rng.uniform(0.02, 0.15), picture.shape)
        images[index] = np.clip(picture, 0, 1)
    return images, labels.astype(np.int64)


_CIFAR_HOSTS = (("www.cs.toronto.edu", 443),)


def load_cifar10(full: bool | None = None, *, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
    """CIFAR-10 as ``(train, test)``; offline, its SYNTHETIC stand-in.

    Offline (the default): :func:`colour_shapes`, 600 images per class, split
    5,000 / 1,000 stratified by ``seed``; the datasets' ``classes`` are the
    shape names, so that no one mistakes them for CIFAR-10. Full
    (``full=True`` or ``CNNBOOK_FULL_DATA=1``): the real 50,000 / 10,000 split
    from ``torchvision.datasets.CIFAR10``, downloaded once into
    ``data_dir() / "cifar10"``.

    Returns:
        Two :class:`ImageDataset` of float32 images ``3 x 32 x 32`` in ``[0, 1]``
        and labels ``0..9``.

    Raises:
        DatasetUnavailable: full data asked for, not cached, and no network.
        ValueError: on a bad ``full`` argument.
    """
    if full_data_requested(full):
        return _load_full_cifar10()
    images, labels = colour_shapes(600, seed=seed)
    return split_into_datasets(images, labels, COLOUR_SHAPE_CLASSES, test_size=1 / 6, seed=seed)


def _load_full_cifar10() -> tuple[ImageDataset, ImageDataset]:
    from torchvision.datasets import CIFAR10

    root = data_dir() / "cifar10"
    sets = download_once("CIFAR-10", root, _CIFAR_HOSTS,
                         lambda download: [CIFAR10(root, train=train, download=download) for train in (True, False)])
    return tuple(
        ImageDataset(torch.from_numpy(s.data).permute(0, 3, 1, 2).float() / 255.0, torch.tensor(s.targets),
                     CIFAR10_CLASSES)
        for s in sets
    )
