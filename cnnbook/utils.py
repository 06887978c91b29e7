"""Small utilities every chapter needs: reproducibility, device choice, timing.

The book's rule is that the seed is the only global state. ``seed_everything``
sets it for every random number generator a chapter may touch, and
``get_device`` picks the fastest device present so that the same notebook uses
a GPU in Colab and the CPU on a laptop without an edit.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from .checks import as_int

__all__ = [
    "Timer", "get_device", "model_device", "progress_bar", "progress_enabled", "seed_everything", "setup_notebook",
    "time_call",
]


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, NumPy's and PyTorch's random number generators.

    Args:
        seed: a non-negative integer.

    Returns:
        A fresh ``numpy.random.Generator`` seeded with ``seed``, for code that
        prefers an explicit generator to the legacy global one.

    Raises:
        ValueError: if ``seed`` is not a non-negative integer.
    """
    seed = as_int("seed", seed, 0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses started later
    return np.random.default_rng(seed)


_DEVICE_KINDS = ("cuda", "mps", "cpu")


def get_device(prefer: str | None = None) -> torch.device:
    """Return the device to compute on: CUDA, then Apple MPS, then the CPU.

    Args:
        prefer: ``None`` to pick the first available of ``"cuda"``, ``"mps"``,
            ``"cpu"``; or one of those names to insist on it. The environment
            variable ``CNNBOOK_DEVICE`` overrides the automatic choice (useful
            to force the CPU on a machine that has a GPU).

    Returns:
        A ``torch.device``.

    Raises:
        ValueError: if ``prefer`` is not one of the names above.
        RuntimeError: if the preferred device is not available here.
    """
    if prefer is None:
        prefer = os.environ.get("CNNBOOK_DEVICE") or None
    if prefer is not None:
        if prefer not in _DEVICE_KINDS:
            raise ValueError(f"prefer must be one of {_DEVICE_KINDS} or None, got {prefer!r}")
        if not _available(prefer):
            raise RuntimeError(f"device {prefer!r} was asked for but is not available on this machine")
        return torch.device(prefer)
    for kind in _DEVICE_KINDS:
        if _available(kind):
            return torch.device(kind)
    return torch.device("cpu")  # pragma: no cover - the CPU is always available


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        backend = getattr(torch.backends, "mps", None)
        return bool(backend is not None and backend.is_available())
    return True


class Timer:
    """A context manager that measures wall-clock time.

    Example::

        with Timer() as t:
            train()
        print(f"{t.seconds:.1f} s")
    """

    def __init__(self) -> None:
        self.seconds: float = float("nan")
        self._start = 0.0

    def __enter__(self) -> "Timer":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def time_call(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeat`` runs after ``warmup`` runs.

    On a GPU the device is synchronised around each run so that the time is the
    computation's, not the launch's.

    Raises:
        ValueError: if ``repeat < 1`` or ``warmup < 0``.
    """
    repeat, warmup = as_int("repeat", repeat), as_int("warmup", warmup, 0)
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# Environment variables that a Jupyter front end a person looks at sets for its
# kernels: JupyterLab/Notebook 7 (jupyter_server), Google Colab, VS Code.
_FRONTEND_VARIABLES = ("JPY_SESSION_NAME", "COLAB_RELEASE_TAG", "VSCODE_PID")


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether long loops should draw a progress bar.

    ``progress=True`` or ``False`` decides. ``None`` (the default everywhere in
    the book) asks the environment: ``CNNBOOK_PROGRESS=1``/``0`` decides if set;
    otherwise a bar is drawn for a person at a terminal or in a notebook front
    end, and not in headless runs (pytest, nbval, the book build, CI), where it
    would only flood the log.
    """
    if progress is not None:
        return bool(progress)
    setting = os.environ.get("CNNBOOK_PROGRESS", "").strip().lower()
    if setting in {"1", "true", "yes", "on"}:
        return True
    if setting in {"0", "false", "no", "off"}:
        return False
    if os.environ.get("CI"):
        return False
    if any(os.environ.get(name) for name in _FRONTEND_VARIABLES):
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def progress_bar(iterable: Any = None, *, progress: bool | None = None, **options: Any) -> Any:
    """A ``tqdm.auto`` progress bar, drawn only when :func:`progress_enabled` says so.

    The bar is always a real ``tqdm`` object (``disable=True`` when hidden), so
    code may call ``set_postfix`` or ``update`` on it either way.

    Args:
        iterable: what to iterate over, or ``None`` for a bar updated by hand (pass ``total=``).
        progress: ``True`` / ``False`` to decide, ``None`` to follow :func:`progress_enabled`.
        **options: passed on to ``tqdm`` (``desc``, ``total``, ``unit``, ``leave``...).
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not progress_enabled(progress), **options)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of ``model``'s first parameter (or buffer); the CPU for a model with neither."""
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def setup_notebook(seed: int = 0, *, device: str | None = None) -> torch.device:
    """Prepare a chapter: seed every generator, pick the device, set figure defaults.

    Every chapter's first code cell calls this (after installing ``cnnbook``
    where it is missing, as in Colab), so that all chapters start the same way.

    Args:
        seed: the seed of every random number generator (see :func:`seed_everything`).
        device: force ``"cpu"``, ``"cuda"`` or ``"mps"``; default: the fastest present.

    Returns:
        The ``torch.device`` the chapter computes on.
    """
    import matplotlib as mpl

    seed_everything(seed)
    chosen = get_device(device)
    # Treat numbers too small for a normal float as zero. Optimiser states drift
    # into that range in long runs, and CPUs compute on such subnormal numbers
    # many times more slowly, with no effect on the results that matters here.
    torch.set_flush_denormal(True)
    mpl.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "image.interpolation": "nearest",  # show pixels as pixels
    })
    from . import __version__

    print(f"cnnbook {__version__}, torch {torch.__version__}, device: {chosen}, seed: {seed}")
    return chosen
