"""Face identities: a seeded generator of SYNTHETIC faces offline, LFW people with the full-data switch.

Face verification needs many images of each of many people. No such data
ships with a PyPI package, so offline the book draws **synthetic** faces:
simple grey drawings of a face whose *identity* is a fixed set of numbers
(the shape of the face and of the hair, the spacing, height and size of the
eyes, the brows, nose and mouth, the skin and hair tone) and whose every
*image* adds nuisances drawn afresh (a shift, a change of scale, an in-plane
tilt, the direction and strength of the light, an expression, pixel noise).
They are not photographs of people; they have the structure of the real
problem (many images per identity, identities that differ in small
geometric details, nuisances larger than those details), which is what the
pipeline needs to be shown and tested.

With ``full=True`` (or ``CNNBOOK_FULL_DATA=1``) the same loader returns Labeled
Faces in the Wild people (``sklearn.datasets.fetch_lfw_people``), downloaded
once; offline that path fails within seconds with :class:`DatasetUnavailable`.
"""
from __future__ import annotations

import numpy as np
import torch

from . import ImageDataset, full_data_requested
from .downloads import data_dir, download_once

__all__ = ["IDENTITY_TRAITS", "load_face_identities", "split_identities", "synthetic_face_identities",
           "synthetic_faces", "verification_pairs"]

#: The numbers that make up a synthetic identity, and their ranges (in face units: the face is about 2 wide).
IDENTITY_TRAITS = {
    "face_width": (0.58, 0.78),
    "face_height": (0.72, 0.92),
    "hairline": (-0.62, -0.30),
    "hair_tone": (0.02, 0.35),
    "skin_tone": (0.50, 0.85),
    "eye_spacing": (0.20, 0.36),
    "eye_height": (-0.26, -0.06),
    "eye_size": (0.06, 0.12),
    "brow_gap": (0.08, 0.18),
    "brow_tilt": (-0.35, 0.35),
    "nose_length": (0.12, 0.32),
    "nose_width": (0.04, 0.10),
    "mouth_height": (0.34, 0.56),
    "mouth_width": (0.16, 0.36),
}


def synthetic_face_identities(num_identities: int, *, seed: int = 0) -> dict[str, np.ndarray]:
    """Draw the traits of ``num_identities`` SYNTHETIC people, uniform in :data:`IDENTITY_TRAITS`.

    Returns:
        A dict trait name -> float64 array ``(num_identities,)``.

    Raises:
        ValueError: if ``num_identities`` < 1.
    """
    if isinstance(num_identities, bool) or not isinstance(num_identities, (int, np.integer)) or num_identities < 1:
        raise ValueError(f"num_identities must be a positive integer, got {num_identities!r}")
    rng = np.random.default_rng([seed, 1])
    return {name: rng.uniform(low, high, int(num_identities)) for name, (low, high) in IDENTITY_TRAITS.items()}


def _soft(distance: np.ndarray, softness: float) -> np.ndarray:
    """1 inside (distance < 0), 0 outside, with a smooth edge ``softness`` wide."""
    return 1.0 / (1.0 + np.exp(np.clip(distance / softness, -50, 50)))


def synthetic_faces(traits: dict[str, np.ndarray], identities: np.ndarray, *, size: int = 32, nuisance: float = 1.0,
                    seed: int = 0) -> np.ndarray:
    """Draw one SYNTHETIC face image for each entry of ``identities``.

    Args:
        traits: the identities' traits, from :func:`synthetic_face_identities`.
        identities: integer ``(N,)``: which identity each image shows.
        size: height and width in pixels, at least 16.
        nuisance: strength of every nuisance, 1 the default, 0 none
            (every image of an identity then identical but for noise-free rendering).
        seed: seed of the nuisances.

    Returns:
        float32 ``(N, 1, size, size)`` in ``[0, 1]``.

    Raises:
        ValueError: on identities outside the traits, ``size`` < 16 or a negative ``nuisance``.
    """
    identities = np.asarray(identities)
    count = len(next(iter(traits.values())))
    if identities.ndim != 1 or not np.issubdtype(identities.dtype, np.integer) or (
            identities.size and (identities.min() < 0 or identities.max() >= count)):
        raise ValueError(f"identities must be integers in 0..{count - 1} of shape (N,), got {identities!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 16:
        raise ValueError(f"size must be an integer >= 16, got {size!r}")
    if not nuisance >= 0:
        raise ValueError(f"nuisance must be >= 0, got {nuisance!r}")
    rng = np.random.default_rng([seed, 2])
    n = identities.size

    def draw(low, high):  # one nuisance value per image, as (N, 1, 1) to broadcast over pixels
        return (rng.uniform(low, high, n) * nuisance)[:, None, None]

    t = {name: values[identities][:, None, None] for name, values in traits.items()}
    # pose: shift, scale and tilt of the whole face; undo them on the pixel grid to get face coordinates
    shift_x, shift_y = draw(-0.12, 0.12), draw(-0.12, 0.12)
    scale = 1.0 + draw(-0.12, 0.12)
    tilt = draw(-0.15, 0.15)  # radians, about 9 degrees at most
    grid = (np.arange(size) + 0.5) / size * 2.2 - 1.1  # the image spans 2.2 face units
    gy, gx = np.meshgrid(grid, grid, indexing="ij")
    px, py = (gx[None] - shift_x) / scale, (gy[None] - shift_y) / scale
    x = px * np.cos(tilt) + py * np.sin(tilt)
    y = -px * np.sin(tilt) + py * np.cos(tilt)
    soft = 1.2 / size
    # expression: smile (mouth curvature), open mouth, raised brows, half-closed eyes
    smile = draw(-0.3, 1.0) * 0.12
    mouth_open = draw(0.0, 0.05)
    brow_raise = draw(0.0, 0.06)
    eye_open = 1.0 - draw(0.0, 0.5)

    face = _soft(np.hypot(x / t["face_width"], (y - 0.05) / t["face_height"]) - 1.0, soft)
    hair = _soft(np.hypot(x / (t["face_width"] + 0.1), (y + 0.02) / (t["face_height"] + 0.1)) - 1.0, soft) \
        * _soft(y - t["hairline"] - 0.25 * (x / t["face_width"]) ** 2, soft)
    eyes = np.zeros_like(x)
    brows = np.zeros_like(x)
    for side in (-1.0, 1.0):
        ex = x - side * t["eye_spacing"]
        ey = y - t["eye_height"]
        eyes = np.maximum(eyes, _soft(np.hypot(ex / t["eye_size"], ey / (t["eye_size"] * 0.6 * eye_open)) - 1.0,
                                      soft / t["eye_size"]))
        by = y - (t["eye_height"] - t["brow_gap"] - brow_raise) - side * t["brow_tilt"] * ex * 0.5
        brows = np.maximum(brows, _soft(np.maximum(np.abs(ex) - t["eye_size"] * 1.5, np.abs(by) - 0.025), soft))
    nose = _soft(np.maximum(np.abs(x) - t["nose_width"] * (y - (t["eye_height"] + 0.05)) / t["nose_length"],
                            np.abs(y - (t["eye_height"] + 0.05 + t["nose_length"] / 2)) - t["nose_length"] / 2), soft)
    mouth_curve = y - t["mouth_height"] - smile * (1 - (x / t["mouth_width"]) ** 2)
    mouth = _soft(np.maximum(np.abs(x) - t["mouth_width"], np.abs(mouth_curve) - 0.02 - mouth_open), soft)

    background = draw(0.0, 1.0) + (1 - nuisance) * 0.5
    light_angle = rng.uniform(0, 2 * np.pi, n)[:, None, None]
    light = 1.0 + draw(0.0, 0.35) * (x * np.cos(light_angle) + y * np.sin(light_angle))
    brightness = 1.0 + draw(-0.15, 0.15)
    image = background * (1 - np.maximum(face, hair))
    image = image + face * (1 - hair) * t["skin_tone"] * light * (1 - 0.8 * np.maximum(np.maximum(eyes, brows), mouth))
    image = image + face * (1 - hair) * t["skin_tone"] * light * (-0.25 * nose)
    image = image + hair * t["hair_tone"] * light
    image = image * brightness + rng.normal(0, 1, image.shape) * draw(0.01, 0.05)
    return np.clip(image, 0, 1).astype(np.float32)[:, None]


_LFW_HOSTS = (("ndownloader.figshare.com", 443),)


def load_face_identities(full: bool | None = None, *, num_identities: int = 300, per_identity: int = 10,
                         size: int = 32, seed: int = 0) -> ImageDataset:
    """Images of many people, several each, labelled by identity: SYNTHETIC offline, LFW with the full switch.

    Offline (the default): ``num_identities`` synthetic identities
    (:func:`synthetic_face_identities`), ``per_identity`` images each
    (:func:`synthetic_faces`), in shuffled order. Full (``full=True`` or
    ``CNNBOOK_FULL_DATA=1``): Labeled Faces in the Wild people with at least
    ``per_identity`` images each, from ``sklearn.datasets.fetch_lfw_people``
    (downloaded once into ``data_dir() / "lfw"``), centre-cropped to a square
    and resized to ``size``; ``num_identities`` is then ignored.

    Returns:
        An :class:`ImageDataset` of float32 images ``1 x size x size`` in ``[0, 1]``,
        labels ``0 .. P - 1`` (the identity) and ``classes`` the identities' names
        (``"synthetic-0000"`` and so on offline).

    Raises:
        DatasetUnavailable: full data asked for, not cached, and no network.
        ValueError: on bad counts or ``size``.
    """
    for name, value in (("num_identities", num_identities), ("per_identity", per_identity)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if full_data_requested(full):
        return _load_lfw_people(per_identity, size)
    traits = synthetic_face_identities(num_identities, seed=seed)
    rng = np.random.default_rng([seed, 3])
    identities = rng.permutation(np.repeat(np.arange(num_identities), per_identity))
    images = synthetic_faces(traits, identities, size=size, seed=seed)
    names = tuple(f"synthetic-{i:04d}" for i in range(num_identities))
    return ImageDataset(torch.from_numpy(images), torch.from_numpy(identities), names)


def _load_lfw_people(per_identity: int, size: int) -> ImageDataset:
    from sklearn.datasets import fetch_lfw_people

    root = data_dir() / "lfw"
    bunch = download_once("Labeled Faces in the Wild", root, _LFW_HOSTS,
                          lambda download: fetch_lfw_people(data_home=root, min_faces_per_person=per_identity,
                                                            download_if_missing=download),
                          missing=OSError)
    images = torch.from_numpy(bunch.images.astype(np.float32))[:, None]
    images = images / images.amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-6)
    height, width = images.shape[-2:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    images = torch.nn.functional.interpolate(images[..., top:top + side, left:left + side], size=(size, size),
                                             mode="bilinear", antialias=True, align_corners=False)
    return ImageDataset(images.clamp(0, 1), torch.from_numpy(bunch.target.astype(np.int64)),
                        tuple(str(name) for name in bunch.target_names))


def split_identities(dataset: ImageDataset, num_unseen: int, *, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
    """Split by identity: ``(seen, unseen)``, no identity in both (the open-set protocol).

    Args:
        dataset: an :class:`ImageDataset` whose labels are identities.
        num_unseen: how many identities, drawn at random, go to ``unseen``.
        seed: seed of the draw.

    Returns:
        Two :class:`ImageDataset`; labels are renumbered ``0 .. P - 1`` within
        each, and ``classes`` keeps the matching names.

    Raises:
        ValueError: if ``num_unseen`` is not between 1 and the number of identities minus 1.
    """
    present = np.unique(dataset.labels.numpy())
    if isinstance(num_unseen, bool) or not isinstance(num_unseen, (int, np.integer)) or \
            not 1 <= num_unseen < present.size:
        raise ValueError(f"num_unseen must be an integer from 1 to {present.size - 1}, got {num_unseen!r}")
    unseen_ids = np.random.default_rng(seed).choice(present, size=int(num_unseen), replace=False)
    parts = []
    for ids in (np.setdiff1d(present, unseen_ids), np.sort(unseen_ids)):
        mask = torch.from_numpy(np.isin(dataset.labels.numpy(), ids))
        renumber = np.full(int(present.max()) + 1, -1)
        renumber[ids] = np.arange(ids.size)
        labels = torch.from_numpy(renumber[dataset.labels[mask].numpy()])
        parts.append(ImageDataset(dataset.images[mask], labels, tuple(dataset.classes[i] for i in ids)))
    return parts[0], parts[1]


def verification_pairs(labels, *, num_folds: int = 10, pairs_per_fold: int = 300,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Matched and mismatched pairs of images in folds of disjoint identities, as in LFW's View 2.

    The identities are dealt at random into ``num_folds`` folds; each fold gets
    ``pairs_per_fold`` *matched* pairs (two different images of one of its
    identities) and as many *mismatched* pairs (images of two different
    identities of the fold), all distinct. No identity appears in two folds, so a
    threshold chosen on some folds has never seen the people of another.

    Args:
        labels: integer identity ``(N,)`` of each image (a tensor or an array).
        num_folds: number of folds, at least 2.
        pairs_per_fold: matched pairs per fold, and as many mismatched ones.
        seed: seed of every random choice.

    Returns:
        ``(first, second, same, fold)``: image indices ``(P,)`` and ``(P,)``,
        booleans ``(P,)`` (True for a matched pair) and fold numbers ``(P,)``,
        with ``P = 2 * num_folds * pairs_per_fold``.

    Raises:
        ValueError: on bad counts, or a fold with too few distinct pairs of either kind.
    """
    labels = np.asarray(labels)
    for name, value in (("num_folds", num_folds), ("pairs_per_fold", pairs_per_fold)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    identities = np.unique(labels)
    if num_folds < 2 or identities.size < 2 * num_folds:
        raise ValueError(f"num_folds must be at least 2 and at most half the {identities.size} identities, "
                         f"got {num_folds}")
    rng = np.random.default_rng([seed, 4])
    groups = np.array_split(rng.permutation(identities), num_folds)
    first, second, same, fold = [], [], [], []
    for number, group in enumerate(groups):
        members = np.flatnonzero(np.isin(labels, group))
        i, j = np.triu_indices(members.size, k=1)
        i, j = members[i], members[j]
        matched = np.flatnonzero(labels[i] == labels[j])
        mismatched = np.flatnonzero(labels[i] != labels[j])
        if matched.size < pairs_per_fold or mismatched.size < pairs_per_fold:
            raise ValueError(f"fold {number} has {matched.size} matched and {mismatched.size} mismatched pairs, "
                             f"fewer than the {pairs_per_fold} asked for")
        chosen = np.r_[rng.choice(matched, pairs_per_fold, replace=False),
                       rng.choice(mismatched, pairs_per_fold, replace=False)]
        first.append(i[chosen])
        second.append(j[chosen])
        same.append(np.r_[np.ones(pairs_per_fold, bool), np.zeros(pairs_per_fold, bool)])
        fold.append(np.full(2 * pairs_per_fold, number))
    return np.concatenate(first), np.concatenate(second), np.concatenate(same), np.concatenate(fold)
