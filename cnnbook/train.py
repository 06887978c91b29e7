"""The book's one training loop: ``fit`` and ``evaluate``.

Every chapter that trains a PyTorch model calls :func:`fit`, so that the loop a
reader studies once in chapter 8 is the same everywhere: it moves the model
and the batches to the device, steps the optimiser, records a
:class:`History` of loss, accuracy and learning rate per epoch, optionally
steps a learning-rate schedule, stops early when the validation loss stops
improving (restoring the best weights), and uses mixed precision on CUDA when
asked. A progress bar is drawn for a person watching and stays quiet in
headless runs (tests, the book build).
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .utils import get_device, progress_enabled

__all__ = [
    "EarlyStopping",
    "History",
    "accuracy",
    "batches",
    "evaluate",
    "fit",
    "load_checkpoint",
    "predict",
    "save_checkpoint",
]

Batch = tuple[torch.Tensor, torch.Tensor]
Data = Dataset | DataLoader | Iterable


# --------------------------------------------------------------------------- batching


class TensorBatches:
    """Mini-batches sliced straight from in-memory tensors (``images``, ``labels``).

    Equivalent to ``DataLoader(dataset, batch_size, shuffle)`` for a dataset
    that holds its samples as two tensors (such as ``cnnbook.data.ImageDataset``),
    but it slices whole batches instead of collating samples one by one, which
    is several times faster for the small images of this book.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int, shuffle: bool,
                 generator: torch.Generator | None = None) -> None:
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle, self.generator = batch_size, shuffle, generator

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            if order is None:
                yield self.images[start:start + self.batch_size], self.labels[start:start + self.batch_size]
            else:
                index = order[start:start + self.batch_size]
                yield self.images[index], self.labels[index]


def batches(data: Data, batch_size: int = 64, shuffle: bool = False,
            generator: torch.Generator | None = None) -> Iterable[Batch]:
    """Turn ``data`` into an iterable of ``(inputs, targets)`` mini-batches.

    Args:
        data: a ``DataLoader`` or any iterable of batches (returned as is); a
            dataset with ``images`` and ``labels`` tensors (fast slicing); or any
            other map-style ``Dataset`` (wrapped in a ``DataLoader``).
        batch_size: samples per batch, for datasets.
        shuffle: reshuffle the samples at every pass, for datasets.
        generator: random generator of the shuffle (default: PyTorch's global one,
            so ``seed_everything`` fixes it).

    Raises:
        ValueError: if ``batch_size`` is not a positive integer.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    images, labels = getattr(data, "images", None), getattr(data, "labels", None)
    if isinstance(images, torch.Tensor) and isinstance(labels, torch.Tensor):
        return TensorBatches(images, labels, batch_size, shuffle, generator)
    if isinstance(data, Dataset) and not isinstance(data, DataLoader):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator)
    if isinstance(data, Iterable):
        return data
    raise ValueError(f"data must be a Dataset, a DataLoader or an iterable of batches, got {type(data).__name__}")


# --------------------------------------------------------------------------- metrics and history


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows of ``outputs`` (``N x K`` scores) whose arg-max equals ``targets`` (``N``)."""
    if outputs.ndim != 2 or targets.shape != outputs.shape[:1]:
        raise ValueError(
            f"accuracy needs outputs N x K and targets N, got {tuple(outputs.shape)} and {tuple(targets.shape)}"
        )
    return (outputs.argmax(dim=1) == targets).float().mean().item()


@dataclass
class History:
    """What :func:`fit` records, one entry per epoch.

    Attributes:
        epoch: epoch numbers, from 1.
        train_loss, train_accuracy: averages over the epoch's training batches
            (with the model in training mode, so dropout is active).
        val_loss, val_accuracy: on the validation data after the epoch
            (empty lists when there is no validation data).
        lr: learning rate of the optimiser's first parameter group during the epoch.
        seconds: wall-clock time of the epoch.
        best_epoch: the epoch whose weights the model holds at the end when
            early stopping restored them, else ``None``.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None

    def __len__(self) -> int:
        return len(self.epoch)

    def as_dict(self) -> dict[str, Any]:
        """A plain dictionary of lists (safe for ``torch.save`` with ``weights_only`` loading)."""
        return {name: copy.copy(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "History":
        return cls(**values)


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs.

    At the end of training :func:`fit` restores the weights of the best epoch.

    Args:
        patience: epochs without improvement to wait before stopping.
        min_delta: how much lower than the best loss a new loss must be to count
            as an improvement.

    Raises:
        ValueError: if ``patience < 1`` or ``min_delta < 0``.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive integer, got {patience!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience, self.min_delta = patience, min_delta
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.bad_epochs = 0

    def update(self, epoch: int, val_loss: float, model: nn.Module) -> bool:
        """Record one epoch; return ``True`` when training should stop."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience


# --------------------------------------------------------------------------- the loop


def _as_targets(targets: Any) -> torch.Tensor:
    return targets if isinstance(targets, torch.Tensor) else torch.as_tensor(targets)


def fit(
    model: nn.Module,
    train: Data,
    val: Data | None = None,
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    scheduler: Any | None = None,
    scheduler_interval: str = "epoch",
    early_stopping: EarlyStopping | None = None,
    device: torch.device | str | None = None,
    batch_size: int = 64,
    amp: bool = False,
    metric: Callable[[torch.Tensor, torch.Tensor], float] | None = accuracy,
    progress: bool | None = None,
    checkpoint: str | Path | None = None,
) -> History:
    """Train ``model`` on ``train`` for ``epochs`` epochs; return its :class:`History`.

    Args:
        model: the network; it is moved to ``device`` and left there.
        train: training data: a dataset (shuffled every epoch) or batches
            (see :func:`batches`). Each batch is ``(inputs, targets)``.
        val: validation data, evaluated after every epoch; ``None`` for none.
        epochs: number of passes over ``train``.
        optimizer: an optimiser over ``model``'s parameters.
        loss: ``loss(outputs, targets) -> scalar``; default cross-entropy.
        scheduler: a learning-rate schedule from ``torch.optim.lr_scheduler``,
            stepped after every epoch (``scheduler_interval="epoch"``) or
            every batch (``"batch"``). ``ReduceLROnPlateau`` is stepped with the
            validation loss (or the training loss without validation data).
        early_stopping: an :class:`EarlyStopping`; needs ``val``.
        device: where to train; default :func:`cnnbook.utils.get_device`.
        batch_size: batch size when ``train``/``val`` are datasets.
        amp: mixed precision (float16 autocast with gradient scaling) on CUDA;
            ignored on other devices.
        metric: ``metric(outputs, targets) -> float`` averaged per epoch
            (default :func:`accuracy`); ``None`` to skip it (e.g. regression).
        progress: draw a progress bar (default: only for a person watching).
        checkpoint: a file path; if given, the model, optimiser and history are
            saved there after every epoch (see :func:`save_checkpoint`).

    Returns:
        The :class:`History`. With early stopping the model ends holding the
        weights of its best epoch.

    Raises:
        ValueError: on a non-positive ``epochs``, an unknown
            ``scheduler_interval``, or early stopping without validation data.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'batch', got {scheduler_interval!r}")
    if early_stopping is not None and val is None:
        raise ValueError("early stopping monitors the validation loss: pass val data")
    device = torch.device(device) if device is not None else get_device()
    loss_fn = loss if loss is not None else nn.functional.cross_entropy
    model.to(device)
    use_amp = bool(amp) and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda") if use_amp else None
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    train_batches = batches(train, batch_size, shuffle=True)
    show = progress_enabled(progress)
    history = History()

    epoch_bar = _progress_bar(range(1, epochs + 1), show, desc="epochs", unit="epoch")
    for epoch in epoch_bar:
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        loss_sum, metric_sum, count = 0.0, 0.0, 0
        for inputs, targets in train_batches:
            inputs, targets = inputs.to(device, non_blocking=True), _as_targets(targets).to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
                outputs = model(inputs)
                batch_loss = loss_fn(outputs, targets)
            if scaler is not None:
                scaler.scale(batch_loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                batch_loss.backward()
                optimizer.step()
            if scheduler is not None and scheduler_interval == "batch" and not plateau:
                scheduler.step()
            n = len(targets)
            loss_sum += batch_loss.item() * n
            if metric is not None:
                metric_sum += metric(outputs.detach().float(), targets) * n
            count += n
        history.epoch.append(epoch)
        history.train_loss.append(loss_sum / count)
        history.train_accuracy.append(metric_sum / count if metric is not None else math.nan)
        history.lr.append(lr)
        if val is not None:
            result = evaluate(model, val, loss=loss_fn, device=device, batch_size=batch_size, metric=metric)
            history.val_loss.append(result["loss"])
            history.val_accuracy.append(result["accuracy"])
        monitored = history.val_loss[-1] if val is not None else history.train_loss[-1]
        if scheduler is not None and scheduler_interval == "epoch" and not plateau:
            scheduler.step()
        elif plateau:
            scheduler.step(monitored)
        history.seconds.append(time.perf_counter() - start)
        if show:
            epoch_bar.set_postfix(_postfix(history))
        if checkpoint is not None:
            save_checkpoint(checkpoint, model, optimizer, history)
        if early_stopping is not None and early_stopping.update(epoch, monitored, model):
            break
    if early_stopping is not None and early_stopping.best_state is not None:
        model.load_state_dict(early_stopping.best_state)
        history.best_epoch = early_stopping.best_epoch
    return history


def _postfix(history: History) -> dict[str, str]:
    shown = {"loss": f"{history.train_loss[-1]:.4f}"}
    if history.val_loss:
        shown["val_loss"] = f"{history.val_loss[-1]:.4f}"
    if history.val_accuracy and not math.isnan(history.val_accuracy[-1]):
        shown["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
    return shown


def _progress_bar(iterable: Iterable, show: bool, **kwargs: Any):
    if not show:
        return _Silent(iterable)
    from tqdm.auto import tqdm

    return tqdm(iterable, **kwargs)


class _Silent:
    """Stands in for a tqdm bar when none is drawn."""

    def __init__(self, iterable: Iterable) -> None:
        self.iterable = iterable

    def __iter__(self) -> Iterator:
        return iter(self.iterable)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Data,
    *,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    batch_size: int = 256,
    metric: Callable[[torch.Tensor, torch.Tensor], float] | None = accuracy,
) -> dict[str, float]:
    """Average loss and metric of ``model`` on ``data``, in evaluation mode.

    Returns:
        ``{"loss": ..., "accuracy": ...}`` (``accuracy`` is the value of
        ``metric``, NaN when ``metric`` is ``None``).
    """
    device = torch.device(device) if device is not None else _model_device(model)
    loss_fn = loss if loss is not None else nn.functional.cross_entropy
    was_training = model.training
    model.eval()
    loss_sum, metric_sum, count = 0.0, 0.0, 0
    for inputs, targets in batches(data, batch_size, shuffle=False):
        inputs, targets = inputs.to(device), _as_targets(targets).to(device)
        outputs = model(inputs).float()
        n = len(targets)
        loss_sum += loss_fn(outputs, targets).item() * n
        if metric is not None:
            metric_sum += metric(outputs, targets) * n
        count += n
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate was given no data")
    return {"loss": loss_sum / count, "accuracy": metric_sum / count if metric is not None else math.nan}


@torch.no_grad()
def predict(model: nn.Module, data: Data, *, device: torch.device | str | None = None,
            batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` over ``data`` in evaluation mode.

    Returns:
        ``(outputs, targets)`` on the CPU: the model's outputs stacked
        (``N x ...``) and the targets stacked (``N``).
    """
    device = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    outputs, targets = [], []
    for x, y in batches(data, batch_size, shuffle=False):
        outputs.append(model(x.to(device)).float().cpu())
        targets.append(_as_targets(y).cpu())
    model.train(was_training)
    return torch.cat(outputs), torch.cat(targets)


def _model_device(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


# --------------------------------------------------------------------------- checkpoints


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    history: History | None = None) -> None:
    """Save the ``state_dict``s of ``model`` (and ``optimizer``) and the history to ``path``.

    Only tensors and plain Python values are written, so the file loads with
    ``torch.load(..., weights_only=True)``: loading it cannot run code.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model": model.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if history is not None:
        state["history"] = history.as_dict()
    torch.save(state, path)


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location: str | torch.device | None = "cpu") -> History | None:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``).

    Loads with ``weights_only=True``, which refuses anything but tensors and
    plain values.

    Returns:
        The saved :class:`History`, or ``None`` if the file holds none.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
    """
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return History.from_dict(state["history"]) if "history" in state else None
