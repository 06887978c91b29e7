"""torchvision's pre-trained ImageNet weights, loaded where they can be, refused fast where they cannot.

torchvision publishes weights for its classification models (ResNet,
MobileNet, DenseNet, ...), trained on ImageNet; its one-line API is
``torchvision.models.resnet18(weights=ResNet18_Weights.DEFAULT)``. The first
call downloads the file into ``torch.hub.get_dir() / "checkpoints"`` (set
``TORCH_HOME`` to move it) and later calls read it from there.

Without a network that call fails, and behind a firewall that drops packets
it can hang. :func:`pretrained` makes the same call but, when the file is not
cached, first checks within a few seconds that the download server answers,
and downloads with a timeout on every socket; otherwise it raises
:class:`WeightsUnavailable`, whose message says what is missing, where the
file would go and how to get it. A chapter catches that error and carries on.

- :func:`pretrained_weights`: resolve ``("resnet18", "DEFAULT")`` to torchvision's
  weights entry (metadata only: categories, accuracy, preprocessing; no download).
- :func:`weights_file`: where torchvision caches that entry's file.
- :func:`pretrained`: the model with its weights, or :class:`WeightsUnavailable`.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import torch
from torch import nn

from .._network import socket_timeout, unreachable_reason
from ..utils import progress_enabled
from ..checks import as_number

if TYPE_CHECKING:  # pragma: no cover
    from torchvision.models import WeightsEnum

__all__ = ["WeightsUnavailable", "pretrained", "pretrained_weights", "weights_file"]

#: Seconds any one socket of a download may stall before the download fails.
DOWNLOAD_SOCKET_TIMEOUT = 30.0


class WeightsUnavailable(RuntimeError):
    """Pre-trained weights that were asked for are not cached and cannot be downloaded here."""


def classification_models() -> list[str]:
    """Names of torchvision's image-classification builders (``"resnet18"``, ``"densenet121"``, ...)."""
    import torchvision.models

    return torchvision.models.list_models(module=torchvision.models)


def pretrained_weights(name: str, weights: Any = "DEFAULT") -> WeightsEnum:
    """torchvision's weights entry for a classification model, without downloading anything.

    The entry carries the metadata (``.meta["categories"]``, ``.meta["num_params"]``,
    ``.meta["_metrics"]``, ``.meta["_file_size"]`` in MB), the preprocessing
    (``.transforms()``) and the download address (``.url``).

    Args:
        name: a torchvision classification builder, e.g. ``"resnet18"``,
            ``"mobilenet_v3_small"``, ``"densenet121"``.
        weights: ``"DEFAULT"`` (the best weights torchvision has), the name of
            one entry (e.g. ``"IMAGENET1K_V1"``), or an entry itself.

    Returns:
        A member of the model's ``WeightsEnum`` (e.g. ``ResNet18_Weights.IMAGENET1K_V1``).

    Raises:
        ValueError: if ``name`` is not a torchvision classification model, or it
            has no weights called ``weights``.
    """
    import torchvision.models

    names = classification_models()
    if name not in names:
        raise ValueError(f"name must be one of torchvision's classification models ({', '.join(names)}), "
                         f"got {name!r}")
    entries = torchvision.models.get_model_weights(name)
    if isinstance(weights, entries):
        return weights
    if weights == "DEFAULT":
        return entries.DEFAULT
    accepted = ["DEFAULT"] + [entry.name for entry in entries]
    if not isinstance(weights, str) or weights not in accepted:
        raise ValueError(f"weights of {name} must be one of {accepted} or a {entries.__name__} member, "
                         f"got {weights!r}")
    return entries[weights]


def weights_file(weights: WeightsEnum) -> Path:
    """The file where torchvision caches ``weights``: ``torch.hub.get_dir() / "checkpoints" / <file name>``.

    The file name is the last part of ``weights.url`` (e.g. ``resnet18-f37072fd.pth``).
    """
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(weights.url).path).name


def _server(url: str) -> tuple[str, int]:
    parts = urlparse(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _describe(name: str, weights: WeightsEnum) -> str:
    size = weights.meta.get("_file_size")
    size_text = f", {size:.1f} MB" if isinstance(size, (int, float)) else ""
    return f"the pre-trained weights {type(weights).__name__}.{weights.name} of {name} ({weights.url}{size_text})"


def _not_cached_message(name: str, weights: WeightsEnum, path: Path, reason: str) -> str:
    return (
        f"{_describe(name, weights)} are not cached in {path.parent} and cannot be downloaded: {reason}. "
        "To use them, run again where the internet is reachable (torchvision downloads the file once and "
        f"caches it), or copy the file to {path} by hand; set TORCH_HOME to choose another cache directory."
    )


def _unreadable_message(name: str, weights: WeightsEnum, path: Path, error: Exception) -> str:
    return (
        f"{_describe(name, weights)} are cached in {path} but cannot be loaded: {error}. "
        "Delete the file and run again where the internet is reachable, so that torchvision downloads it afresh."
    )


def pretrained(name: str, weights: Any = "DEFAULT", *, download: bool = True, timeout: float = 5.0,
               progress: bool | None = None) -> nn.Module:
    """torchvision's ``name`` with its pre-trained weights loaded, in evaluation mode.

    Equivalent to ``torchvision.models.get_model(name, weights=weights)``
    (e.g. ``resnet18(weights=ResNet18_Weights.DEFAULT)``), except that it never
    hangs: when the weights are not cached it first checks, within
    ``timeout`` seconds, that the download server accepts a connection, and
    every socket of the download gets a timeout of
    :data:`DOWNLOAD_SOCKET_TIMEOUT` seconds.

    Args:
        name: a torchvision classification builder, e.g. ``"resnet18"``.
        weights: ``"DEFAULT"``, an entry's name such as ``"IMAGENET1K_V1"``, or the entry.
        download: if ``False``, use only a cached file and never touch the network.
        timeout: seconds to wait for the download server to answer.
        progress: draw torchvision's download progress bar (default: only for a person watching).

    Returns:
        The model (an ``nn.Module`` mapping ``N x 3 x H x W`` images, preprocessed
        by ``pretrained_weights(name, weights).transforms()``, to ``N x 1000``
        ImageNet logits), in ``eval()`` mode, on the CPU.

    Raises:
        WeightsUnavailable: the file is not cached and cannot be downloaded
            (no network, ``download=False``, or a failed download), or the
            cached file cannot be loaded.
        ValueError: on an unknown ``name`` or ``weights`` (see :func:`pretrained_weights`),
            or a non-positive ``timeout``.
    """
    as_number("timeout", timeout, 0, strict_minimum=True)
    import torchvision.models

    entry = pretrained_weights(name, weights)
    path = weights_file(entry)
    cached = path.exists()
    if not cached:
        if not download:
            raise WeightsUnavailable(_not_cached_message(name, entry, path, "download=False was asked for"))
        reason = unreachable_reason([_server(entry.url)], timeout)
        if reason is not None:
            raise WeightsUnavailable(_not_cached_message(name, entry, path, reason))
    try:
        with socket_timeout(DOWNLOAD_SOCKET_TIMEOUT):
            model = torchvision.models.get_model(name, weights=entry, progress=progress_enabled(progress))
    except Exception as error:  # a failed download or an unreadable file is reported the same way
        message = _unreadable_message(name, entry, path, error) if cached \
            else _not_cached_message(name, entry, path, f"the download failed ({error})")
        raise WeightsUnavailable(message) from error
    return model.eval()
