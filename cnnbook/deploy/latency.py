"""Latency measured fairly: several ways to run a model, timed in interleaved rounds.

Timing one variant after another lets a change in the machine's load (another
program starting, the CPU's clock changing) fall on one variant and not the
other. :func:`interleaved_latency` runs round after round, each round calling
every variant once, so that each variant meets the same conditions, and keeps
every time so that the caller can take the median (robust to the occasional
slow run) and see the spread.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["interleaved_latency"]


def interleaved_latency(runners: Mapping[str, Callable[[], Any]], *, repeats: int = 15,
                        warmup: int = 2) -> dict[str, np.ndarray]:
    """Wall-clock seconds of each runner, measured in ``repeats`` interleaved rounds.

    Args:
        runners: name -> a function of no arguments that runs one inference
            (e.g. ``lambda: model(x)`` under ``torch.no_grad()``).
        repeats: rounds that are timed (each calls every runner once).
        warmup: rounds run first and not timed (caches, lazy initialisation).

    Returns:
        name -> float64 array of ``repeats`` times in seconds (take ``np.median``).

    Raises:
        ValueError: if ``runners`` is empty or not callables, ``repeats < 1`` or ``warmup < 0``.
    """
    if not isinstance(runners, Mapping) or not runners or not all(callable(f) for f in runners.values()):
        raise ValueError("runners must be a non-empty mapping of names to functions of no arguments")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be a non-negative integer, got {warmup!r}")
    times = {name: [] for name in runners}
    for round_index in range(warmup + repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                times[name].append(elapsed)
    return {name: np.asarray(values, dtype=np.float64) for name, values in times.items()}
