"""Deprecated alias of :mod:`cnnbook._network` (the package's private download plumbing).

Kept so that imports written before the rename (``from cnnbook.network import
socket_timeout``) keep working; new code imports from ``cnnbook._network``.
"""
from ._network import socket_timeout, unreachable_reason

__all__ = ["socket_timeout", "unreachable_reason"]
