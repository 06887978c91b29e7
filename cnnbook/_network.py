"""Failing fast without a network: private plumbing of :mod:`cnnbook.data` and :mod:`cnnbook.models.pretrained`.

The book runs offline by default; a few things (the full datasets, pre-trained
weights) are one switch away where a network is present. Code that fetches
them first asks whether the server answers at all, with a short timeout, and
then downloads with a timeout on every socket, so that on a machine without a
network, or behind a firewall that silently drops packets, it raises within
seconds instead of hanging. :mod:`cnnbook.data` and
:mod:`cnnbook.models.pretrained` share these two helpers.
"""
from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Sequence
from .checks import as_number

__all__ = ["socket_timeout", "unreachable_reason"]


def unreachable_reason(hosts: Sequence[tuple[str, int]], timeout: float = 5.0) -> str | None:
    """Why none of ``hosts`` can be reached, or ``None`` if one of them accepts a connection.

    Tries a TCP connection to each ``(host, port)`` in turn, each within
    ``timeout`` seconds, and stops at the first that succeeds.

    Args:
        hosts: ``(host name, port)`` pairs, at least one.
        timeout: seconds to wait for each connection.

    Returns:
        ``None`` when a host answered, else one line naming every host and its error,
        e.g. ``"no network (example.org: [Errno -2] Name or service not known)"``.

    Raises:
        ValueError: if ``hosts`` is empty or ``timeout`` is not a positive number.
    """
    if len(hosts) == 0:
        raise ValueError("hosts must name at least one (host, port) pair, got none")
    as_number("timeout", timeout, 0, strict_minimum=True)
    reasons = []
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return None
        except OSError as error:
            reasons.append(f"{host}: {error}")
    return "no network (" + "; ".join(reasons) + ")"


@contextlib.contextmanager
def socket_timeout(seconds: float) -> Iterator[None]:
    """Give every socket opened inside the block a timeout, so that a stalled download fails instead of hanging.

    Restores the previous default timeout on exit, also after an exception.
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)
