"""Downloading a full dataset once, and failing fast when that is not possible.

Every loader of :mod:`cnnbook.data` works offline by default; the full datasets
are downloaded on request (``full=True`` or ``CNNBOOK_FULL_DATA=1``) into one
cache directory. Without a network the request fails within seconds with
:class:`DatasetUnavailable`, whose message says what to do: it never hangs and
never falls back to other data silently.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._network import socket_timeout, unreachable_reason

__all__ = ["DatasetUnavailable", "data_dir", "download_once", "require_network", "unavailable_message"]


class DatasetUnavailable(RuntimeError):
    """A dataset that was asked for cannot be obtained here (usually: no network)."""


def data_dir() -> Path:
    """The directory where downloaded data is cached: ``$CNNBOOK_DATA`` or ``~/.cache/cnnbook``."""
    return Path(os.environ.get("CNNBOOK_DATA") or Path.home() / ".cache" / "cnnbook").expanduser()


def unavailable_message(what: str, root: Path, reason: str) -> str:
    """What to tell a reader when ``what`` is not cached in ``root`` and cannot be downloaded."""
    return (
        f"{what} is not cached in {root} and cannot be downloaded: {reason}. "
        "To use it, connect to the internet and run again (it is downloaded once and cached; "
        "set CNNBOOK_DATA to choose the cache directory), or copy the files there by hand. "
        "To use the offline data that ships with the book instead, pass full=False or unset CNNBOOK_FULL_DATA."
    )


def require_network(what: str, hosts: Sequence[tuple[str, int]], root: Path, timeout: float = 5.0) -> None:
    """Raise :class:`DatasetUnavailable` unless one of ``hosts`` accepts a connection within ``timeout`` seconds."""
    reason = unreachable_reason(hosts, timeout)
    if reason is not None:
        raise DatasetUnavailable(unavailable_message(what, root, reason))


def download_once(what: str, root: Path, hosts: Sequence[tuple[str, int]], load: Callable[[bool], Any],
                  missing: type[BaseException] | tuple[type[BaseException], ...] = RuntimeError) -> Any:
    """``load(download=False)`` from the cache, else ``load(download=True)`` once the network answers.

    Args:
        what: the dataset's name, for the message.
        root: its cache directory (under :func:`data_dir`).
        hosts: ``(host, port)`` pairs of which one must answer before a download starts.
        load: ``load(download)`` returns the data; with ``download=False`` it raises
            ``missing`` when the data is not cached.
        missing: the exception(s) by which ``load`` says that the data is not cached.

    Raises:
        DatasetUnavailable: not cached and no network, or the download failed.
    """
    try:
        return load(False)
    except missing:  # not cached yet: download, but only if the network answers
        require_network(what, hosts, root)
        try:
            with socket_timeout(30):
                return load(True)
        except Exception as error:  # any failure of the download is reported the same way
            raise DatasetUnavailable(unavailable_message(what, root, f"the download failed: {error}")) from error
