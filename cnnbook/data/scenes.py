"""Synthetic scenes of coloured shapes, with boxes, classes and instance masks.

Detection and segmentation need images in which every object is labelled with
its box, its class and its exact pixels. No such dataset ships offline, so the
book draws its own: a seeded generator paints a few shapes of three classes
(square, disk, triangle) on a textured, noisy background. Sizes range from
small to large for the image, later shapes may hide part of earlier ones, and
colours are drawn at random so that only the *shape* tells the class.

Two rules keep every label exact and every instance well defined: an object
stays at least 60 % visible and in one connected piece after occlusion, and
two objects of the same class never touch (so that the connected parts of a
class mask are its instances). Boxes are the tight boxes of the *visible*
pixels, in ``xyxy`` pixel coordinates whose corners lie on pixel edges: a
single pixel at column 3, row 5 has the box ``(3, 5, 4, 6)`` and area 1.

:func:`load_scenes` gives a fixed train / validation / test split, drawn from
three independent random streams derived from one seed, and
:meth:`Scenes.to_coco` writes a split in the COCO annotation format that
``pycocotools`` reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from scipy import ndimage

from ..checks import as_int

__all__ = ["SCENE_CLASSES", "Scenes", "load_scenes", "make_scenes"]

#: Class names; the index is the label (0 is the background of semantic masks).
SCENE_CLASSES: tuple[str, ...] = ("background", "square", "disk", "triangle")

_MIN_VISIBLE = 0.6        # fraction of its own pixels every object keeps after occlusion
_MIN_COLOUR_GAP = 0.3     # least mean absolute RGB difference between an object and the background
_PLACEMENT_TRIES = 30


@dataclass
class Scenes:
    """A set of scenes held in memory.

    Attributes:
        images: float32 tensor ``N x 3 x H x W`` in ``[0, 1]``.
        targets: one dict per image, in torchvision's detection format:
            ``boxes`` float32 ``K x 4`` (``xyxy``, pixels), ``labels`` int64 ``K``
            (1 .. number of classes), ``masks`` bool ``K x H x W`` (visible pixels),
            ``area`` float32 ``K`` (visible pixel count), ``iscrowd`` int64 ``K`` (zeros).
            Objects are listed from back to front (drawing order).
        classes: the class names, ``classes[label]``; ``classes[0]`` is the background.
    """

    images: torch.Tensor
    targets: list[dict[str, torch.Tensor]]
    classes: tuple[str, ...] = SCENE_CLASSES

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return self.images[index], self.targets[index]

    def subset(self, index: Any) -> Scenes:
        """The scenes at ``index`` (a slice or a sequence of integers)."""
        positions = range(len(self))[index] if isinstance(index, slice) else [int(i) for i in index]
        positions = list(positions)
        return Scenes(self.images[positions], [self.targets[i] for i in positions], self.classes)

    def semantic_masks(self) -> torch.Tensor:
        """int64 tensor ``N x H x W``: each pixel's class label, 0 for the background."""
        n, _, height, width = self.images.shape
        out = torch.zeros(n, height, width, dtype=torch.int64)
        for i, target in enumerate(self.targets):
            for mask, label in zip(target["masks"], target["labels"]):
                out[i][mask] = label
        return out

    def counts(self) -> torch.Tensor:
        """int64 tensor ``N``: the number of objects in each scene."""
        return torch.tensor([len(t["labels"]) for t in self.targets], dtype=torch.int64)

    def to_coco(self, *, with_masks: bool = True) -> dict[str, Any]:
        """The ground truth in COCO's annotation format (a dict ready for ``json.dump``).

        Image ids are ``1 .. N`` in order, annotation ids ``1 .. total`` (COCO
        reserves id 0); boxes are ``xywh``; masks are run-length encoded with
        ``pycocotools.mask`` when ``with_masks`` is true (pycocotools needed).
        """
        height, width = self.images.shape[-2:]
        images, annotations = [], []
        encode = None
        if with_masks:
            from pycocotools import mask as mask_utils

            def encode(mask: torch.Tensor) -> dict[str, Any]:
                rle = mask_utils.encode(np.asfortranarray(mask.numpy().astype(np.uint8)))
                return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}

        for image_id, target in enumerate(self.targets, start=1):
            images.append({"id": image_id, "width": int(width), "height": int(height)})
            for k in range(len(target["labels"])):
                x1, y1, x2, y2 = (float(v) for v in target["boxes"][k])
                annotation = {
                    "id": len(annotations) + 1, "image_id": image_id, "category_id": int(target["labels"][k]),
                    "bbox": [x1, y1, x2 - x1, y2 - y1], "area": float(target["area"][k]),
                    "iscrowd": int(target["iscrowd"][k]),
                }
                if encode is not None:
                    annotation["segmentation"] = encode(target["masks"][k])
                annotations.append(annotation)
        categories = [{"id": label, "name": name} for label, name in enumerate(self.classes) if label > 0]
        return {"info": {"description": "cnnbook synthetic scenes"}, "images": images,
                "annotations": annotations, "categories": categories}


def _shape_mask(kind: str, cx: float, cy: float, extent: int, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Boolean mask of one shape of side / diameter ``extent`` centred at ``(cx, cy)``."""
    half = extent / 2
    if kind == "square":
        return (np.abs(xs - cx) < half) & (np.abs(ys - cy) < half)
    if kind == "disk":
        return (xs - cx) ** 2 + (ys - cy) ** 2 < half ** 2
    # an upright isosceles triangle: apex at the top centre, base at the bottom
    top, bottom = cy - half, cy + half
    depth = (ys - top) / extent                       # 0 at the apex, 1 at the base
    return (ys >= top) & (ys < bottom) & (np.abs(xs - cx) < half * depth)


def _background(rng: np.random.Generator, size: int, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """A ``size x size x 3`` background: a colour gradient, stripes of random direction and pixel noise."""
    base = rng.uniform(0.15, 0.85, 3).astype(np.float32)
    gradient = rng.uniform(-0.2, 0.2, (2, 3)).astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 16)
    stripes = np.sin(np.float32(2 * np.pi / period) * (xs * np.float32(np.cos(angle)) + ys * np.float32(np.sin(angle))))
    image = (base + (xs / size - 0.5)[..., None] * gradient[0] + (ys / size - 0.5)[..., None] * gradient[1]
             + stripes[..., None] * (0.06 * rng.uniform(0.5, 1.0, 3)).astype(np.float32))
    return image


@lru_cache(maxsize=4)
def _pixel_centres(size: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    return ys, xs


def _render(rng: np.random.Generator, size: int, max_objects: int, extent_range: tuple[int, int]):
    ys, xs = _pixel_centres(size)
    image = _background(rng, size, ys, xs)
    background_colour = image.mean(axis=(0, 1))
    visible: list[np.ndarray] = []
    full_area: list[int] = []
    labels: list[int] = []
    for _ in range(rng.integers(1, max_objects + 1)):
        label = int(rng.integers(1, len(SCENE_CLASSES)))
        for _try in range(_PLACEMENT_TRIES):
            extent = int(rng.integers(extent_range[0], extent_range[1] + 1))
            cx, cy = rng.uniform(extent / 2, size - extent / 2, 2)
            mask = _shape_mask(SCENE_CLASSES[label], cx, cy, extent, ys, xs)
            if label in labels:                   # keep a gap of 2 pixels or more to objects of its own class
                grown = _shape_mask(SCENE_CLASSES[label], cx, cy, extent + 4, ys, xs)
                if any(l == label and (grown & v).any() for l, v in zip(labels, visible)):
                    continue
            remaining = [v & ~mask for v in visible]
            if all(not (v & mask).any() or (r.sum() >= _MIN_VISIBLE * a and ndimage.label(r)[1] == 1)
                   for v, r, a in zip(visible, remaining, full_area)):
                break
        else:
            continue                              # no valid place found: the scene gets one object fewer
        visible = remaining + [mask]
        full_area.append(int(mask.sum()))
        labels.append(label)
        while True:
            colour = rng.uniform(0, 1, 3)
            if np.abs(colour - background_colour).mean() >= _MIN_COLOUR_GAP:
                break
        image[mask] = colour * rng.uniform(0.9, 1.1, (int(mask.sum()), 1))   # a little texture on the object
    image = np.clip(image + rng.normal(0, 0.04, image.shape).astype(np.float32), 0, 1)
    return image, visible, labels


def _target(visible: list[np.ndarray], labels: list[int], size: int) -> dict[str, torch.Tensor]:
    boxes = np.zeros((len(labels), 4), dtype=np.float32)
    for k, mask in enumerate(visible):
        rows, cols = np.any(mask, axis=1), np.any(mask, axis=0)
        y1, y2 = np.flatnonzero(rows)[[0, -1]]
        x1, x2 = np.flatnonzero(cols)[[0, -1]]
        boxes[k] = (x1, y1, x2 + 1, y2 + 1)
    masks = torch.from_numpy(np.stack(visible)) if visible else torch.zeros(0, size, size, dtype=torch.bool)
    return {
        "boxes": torch.from_numpy(boxes),
        "labels": torch.tensor(labels, dtype=torch.int64),
        "masks": masks,
        "area": masks.flatten(1).sum(1).to(torch.float32),
        "iscrowd": torch.zeros(len(labels), dtype=torch.int64),
    }


def make_scenes(n: int, *, size: int = 64, max_objects: int = 4, extent_range: tuple[int, int] = (8, 36),
                seed: int | np.random.SeedSequence = 0) -> Scenes:
    """Draw ``n`` scenes of ``size x size`` pixels.

    Args:
        n: number of scenes.
        size: height and width of each image in pixels.
        max_objects: each scene holds 1 to ``max_objects`` shapes (fewer when one cannot be placed).
        extent_range: smallest and largest side (square, triangle) or diameter (disk), in pixels.
        seed: the seed (or a ``numpy.random.SeedSequence``) of the drawing; the same seed gives the same scenes.

    Returns:
        :class:`Scenes` with images ``n x 3 x size x size``.
    """
    as_int("n", n)
    as_int("size", size)
    as_int("max_objects", max_objects)
    low, high = extent_range
    if not (2 <= low <= high <= size):
        raise ValueError(f"extent_range must satisfy 2 <= low <= high <= size={size}, got {extent_range!r}")
    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 3), dtype=np.float32)
    targets = []
    for i in range(n):
        image, visible, labels = _render(rng, size, max_objects, (low, high))
        images[i] = image
        targets.append(_target(visible, labels, size))
    return Scenes(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), targets)


def load_scenes(n_train: int = 400, n_val: int = 100, n_test: int = 100, *, size: int = 64, max_objects: int = 4,
                extent_range: tuple[int, int] = (8, 36), seed: int = 0) -> tuple[Scenes, Scenes, Scenes]:
    """The fixed train / validation / test split of the scenes.

    The three parts come from three independent random streams spawned from
    ``seed`` (``numpy.random.SeedSequence(seed).spawn(3)``), so each part is
    fixed by the seed and does not change when another part's size does.

    Returns:
        ``(train, val, test)``, three :class:`Scenes`.
    """
    streams = np.random.SeedSequence(seed).spawn(3)
    return tuple(make_scenes(n, size=size, max_objects=max_objects, extent_range=extent_range, seed=stream)
                 for n, stream in zip((n_train, n_val, n_test), streams))
