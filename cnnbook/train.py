"""The book's one training loop: ``fit`` and ``evaluate``.

Every chapter that trains a PyTorch model calls :func:`fit`, so that the loop a
reader studies once is the same everywhere: it moves the model and the batches
to the device, steps the optimiser, records a :class:`History` (loss, metric
and learning rate per epoch, and loss and learning rate per step), optionally
clips gradients, steps a learning-rate schedule, stops early when the
validation loss stops improving (restoring the best weights), uses mixed
precision on CUDA when asked, calls callbacks, and writes checkpoints from
which a run resumes on the same trajectory. A progress bar is drawn for a
person watching and stays quiet in headless runs (tests, the book build).
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .checks import as_int, as_number, check_choice, fail
from .data import ImageDataset
from .utils import get_device, model_device, progress_bar, progress_enabled

__all__ = [
    "Callback",
    "EarlyStopping",
    "FreezeBatchNorm",
    "History",
    "accuracy",
    "batches",
    "evaluate",
    "fit",
    "is_main_process",
    "load_checkpoint",
    "predict",
    "save_checkpoint",
]

Batch = tuple[torch.Tensor, torch.Tensor]
Data = Dataset | DataLoader | Iterable
Metric = Callable[[torch.Tensor, torch.Tensor], "float | torch.Tensor"]

# --------------------------------------------------------------------------- batching


class TensorBatches:
    """Mini-batches sliced straight from in-memory tensors (``images``, ``labels``).

    Equivalent to ``DataLoader(dataset, batch_size, shuffle)`` for an
    :class:`~cnnbook.data.ImageDataset` without transforms, but it slices whole
    batches instead of collating samples one by one, which is several times
    faster for the small images of this book.
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


def batches(data: Data, batch_size: int | None = None, shuffle: bool = False,
            generator: torch.Generator | None = None, *, default_batch_size: int = 64) -> Iterable[Batch]:
    """Turn ``data`` into an iterable of ``(inputs, targets)`` mini-batches.

    Args:
        data: an :class:`~cnnbook.data.ImageDataset` without transforms (sliced
            as whole tensors, fast); any other map-style ``Dataset`` (wrapped in
            a ``DataLoader``); or data that is already batched: a ``DataLoader``
            or any iterable of ``(inputs, targets)`` batches (returned as is).
        batch_size: samples per batch for a dataset (``None``: ``default_batch_size``).
            Already-batched data keeps its own batches, so a ``batch_size`` that
            would change them is refused rather than ignored.
        shuffle: reshuffle the samples at every pass, for datasets (a
            ``DataLoader`` shuffles, or not, as it was built).
        generator: random generator of the shuffle (default: PyTorch's global one,
            so ``seed_everything`` fixes it).
        default_batch_size: the batch size of a dataset when ``batch_size`` is ``None``.

    Raises:
        ValueError: if ``batch_size`` is not a positive integer, or is given
            for a ``DataLoader`` with another batch size or for an iterable of
            batches; or if ``data`` is none of the above.
    """
    if batch_size is not None:
        batch_size = as_int("batch_size", batch_size)
    if isinstance(data, DataLoader):
        if batch_size is not None and batch_size != data.batch_size:
            fail("batch_size", f"None or the DataLoader's own batch size {data.batch_size}", batch_size)
        return data
    size = batch_size if batch_size is not None else as_int("default_batch_size", default_batch_size)
    if isinstance(data, ImageDataset) and data.transform is None and data.target_transform is None:
        return TensorBatches(data.images, data.labels, size, shuffle, generator)
    if isinstance(data, Dataset):
        return DataLoader(data, batch_size=size, shuffle=shuffle, generator=generator)
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        if batch_size is not None:
            fail("batch_size", "None for data that is already batched (it applies to datasets)", batch_size)
        return data
    raise ValueError(f"data must be a Dataset, a DataLoader or an iterable of batches, got {type(data).__name__}")


# --------------------------------------------------------------------------- metrics and history


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Fraction of rows of ``outputs`` (``N x K`` scores) whose arg-max equals ``targets`` (``N``).

    Returns:
        A 0-dimensional float tensor on the outputs' device (``float(...)`` gives
        the number), so that :func:`fit` can sum it over an epoch without
        waiting for the device after every batch.
    """
    if outputs.ndim != 2 or targets.shape != outputs.shape[:1]:
        raise ValueError(
            f"accuracy needs outputs N x K and targets N, got {tuple(outputs.shape)} and {tuple(targets.shape)}"
        )
    return (outputs.argmax(dim=1) == targets).float().mean()


def metric_name(metric: Metric | None) -> str | None:
    """The key under which :func:`fit` and :func:`evaluate` record ``metric``: its ``__name__``."""
    if metric is None:
        return None
    name = getattr(metric, "__name__", None) or type(metric).__name__
    return "metric" if name == "<lambda>" else name


@dataclass(init=False)
class History:
    """What :func:`fit` records: one entry per epoch, and the loss and learning rate per step.

    Attributes:
        epoch: epoch numbers, from 1.
        train_loss: average loss over the epoch's training batches (with the
            model in training mode, so dropout is active).
        val_loss: loss on the validation data after the epoch (empty without
            validation data).
        metric: the name of the metric (``"accuracy"`` by default), ``None`` without one.
        train_metric, val_metric: the metric's values, as ``train_loss`` and
            ``val_loss``; also readable under the metric's name, as
            ``train_<metric>`` / ``val_<metric>`` (``history.train_accuracy``).
        lr: learning rate of the optimiser's first parameter group at the epoch's start.
        seconds: wall-clock time of the epoch.
        step_loss, step_lr: the loss of every optimiser step and the learning
            rate it used (``len(step_loss)`` steps in all).
        best_epoch: the epoch whose weights the model holds at the end when
            early stopping restored them, else ``None``.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metric: str | None = "accuracy"
    train_metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    best_epoch: int | None = None

    def __init__(self, *, metric: str | None = "accuracy", best_epoch: int | None = None,
                 **lists: list[float]) -> None:
        # the metric's lists may be given under its own name (train_accuracy=...) or as train_metric / val_metric
        if metric is not None:
            for part in ("train", "val"):
                if f"{part}_{metric}" in lists:
                    lists[f"{part}_metric"] = lists.pop(f"{part}_{metric}")
        names = [name for name in self.__dataclass_fields__ if name not in ("metric", "best_epoch")]
        unknown = sorted(set(lists) - set(names))
        if unknown:
            raise TypeError(f"History got unknown fields {unknown}; its fields are {names} and train_/val_{metric}")
        self.metric, self.best_epoch = metric, best_epoch
        for name in names:
            setattr(self, name, list(lists.get(name, [])))

    def __len__(self) -> int:
        return len(self.epoch)

    def __getattr__(self, name: str) -> Any:
        # called only for names that are not attributes: train_<metric>, val_<metric>
        metric = self.__dict__.get("metric")
        if metric is not None and name in (f"train_{metric}", f"val_{metric}"):
            return self.__dict__[name.split("_", 1)[0] + "_metric"]
        raise AttributeError(f"History has no attribute {name!r} (its metric is {metric!r})")

    def as_dict(self) -> dict[str, Any]:
        """A plain dictionary of lists, the metric under its own name (``train_accuracy``...).

        Safe for ``torch.save`` with ``weights_only`` loading, and the format
        that :func:`cnnbook.viz.plot_history` and the NumPy engine's ``fit`` share.
        """
        values = {name: copy.copy(getattr(self, name)) for name in self.__dataclass_fields__}
        if self.metric is not None:
            values[f"train_{self.metric}"] = values.pop("train_metric")
            values[f"val_{self.metric}"] = values.pop("val_metric")
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "History":
        """The inverse of :meth:`as_dict`."""
        return cls(**values)


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs.

    At the end of training :func:`fit` restores the weights of the best epoch.

    Args:
        patience: epochs without improvement to wait before stopping.
        min_delta: how much lower than the best loss a new loss must be to count
            as an improvement.

    Raises:
        ValueError: if ``patience`` is not a positive integer or ``min_delta < 0``.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience = as_int("patience", patience)
        self.min_delta = as_number("min_delta", min_delta, 0)
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


class Callback:
    """Hooks into :func:`fit`; subclass it and override the methods you need (all do nothing here).

    ``fit`` calls, in this order: :meth:`on_epoch_start` after it has put the
    model in training mode, :meth:`on_step_end` after every optimiser step, and
    :meth:`on_epoch_end` after the epoch's validation and history entry. A
    ``True`` from :meth:`on_epoch_end` stops training after that epoch.
    """

    def on_epoch_start(self, model: nn.Module, epoch: int) -> None:
        """Called with the epoch number (from 1) after ``model.train()``."""

    def on_step_end(self, model: nn.Module, step: int, loss: torch.Tensor) -> None:
        """Called after optimiser step ``step`` (from 1), with its loss (a 0-dim tensor on the device)."""

    def on_epoch_end(self, model: nn.Module, epoch: int, history: History) -> bool | None:
        """Called after the epoch's history entry; return ``True`` to stop training."""
        return None


class FreezeBatchNorm(Callback):
    """Keep every batch-norm layer whose parameters are frozen in evaluation mode.

    ``fit`` puts the whole model in training mode each epoch, which would make
    a frozen batch-norm layer (as in fine-tuning a pre-trained network)
    normalise with the batch's statistics and update its running averages.
    This callback switches those layers back to evaluation mode, so they keep
    the statistics they were trained with. Layers without affine parameters are
    frozen too when ``all_layers=True``.
    """

    def __init__(self, all_layers: bool = False) -> None:
        self.all_layers = bool(all_layers)

    def on_epoch_start(self, model: nn.Module, epoch: int) -> None:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                parameters = list(module.parameters())
                if self.all_layers or (parameters and not any(p.requires_grad for p in parameters)):
                    module.eval()


def is_main_process() -> bool:
    """True unless ``torch.distributed`` is initialised and this process's rank is not 0.

    :func:`fit` draws its progress bar and writes checkpoints only in the main
    process, so that ``N`` workers of a distributed run do not write ``N``
    copies of the same file.
    """
    import torch.distributed as dist

    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


# --------------------------------------------------------------------------- the loop


def _as_targets(targets: Any) -> torch.Tensor:
    return targets if isinstance(targets, torch.Tensor) else torch.as_tensor(targets)


def _optimizer_step(optimizer: torch.optim.Optimizer, scaler: Any, parameters: Sequence[torch.Tensor],
                    loss: torch.Tensor, clip_grad_norm: float | None) -> bool:
    """Backward pass, optional clipping and one optimiser step; ``False`` when AMP's scaler skipped the step.

    With a ``GradScaler`` the step is skipped when the scaled gradients hold an
    inf or a NaN; the scaler then lowers its scale, which is how a skip is seen
    here (it costs one wait for the device per step, with AMP only).
    """
    if scaler is None:
        loss.backward()
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(parameters, clip_grad_norm)
        optimizer.step()
        return True
    scaler.scale(loss).backward()
    if clip_grad_norm is not None:
        scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
        nn.utils.clip_grad_norm_(parameters, clip_grad_norm)
    scale = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return scaler.get_scale() >= scale


def fit(
    model: nn.Module,
    train: Data,
    val: Data | None = None,
    *,
    epochs: int | None = None,
    optimizer: torch.optim.Optimizer,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    scheduler: Any | None = None,
    scheduler_interval: str = "epoch",
    early_stopping: EarlyStopping | None = None,
    device: torch.device | str | None = None,
    batch_size: int | None = None,
    amp: bool = False,
    metric: Metric | None = accuracy,
    progress: bool | None = None,
    checkpoint: str | Path | None = None,
    max_steps: int | None = None,
    clip_grad_norm: float | None = None,
    callbacks: Sequence[Callback] = (),
    resume: str | Path | None = None,
) -> History:
    """Train ``model`` on ``train`` for ``epochs`` epochs (or ``max_steps`` steps); return its :class:`History`.

    Args:
        model: the network; it is moved to ``device`` and left there.
        train: training data: a dataset (shuffled every epoch) or batches
            (see :func:`batches`). Each batch is ``(inputs, targets)``. A
            ``DataLoader`` whose sampler has ``set_epoch`` (a
            ``DistributedSampler``) gets ``set_epoch(epoch)`` before every epoch,
            so that each epoch is shuffled differently.
        val: validation data, evaluated after every epoch; ``None`` for none.
        epochs: number of passes over ``train`` (``None``: as many as
            ``max_steps`` needs; one of the two is required).
        optimizer: an optimiser over ``model``'s parameters.
        loss: ``loss(outputs, targets) -> scalar``; default cross-entropy.
        scheduler: a learning-rate schedule from ``torch.optim.lr_scheduler``,
            stepped after every epoch (``scheduler_interval="epoch"``) or
            every optimiser step (``"batch"``), and not after a step that AMP's
            gradient scaler skipped. ``ReduceLROnPlateau`` is stepped once per
            epoch with the validation loss (or the training loss without
            validation data).
        early_stopping: an :class:`EarlyStopping`; needs ``val``.
        device: where to train; default :func:`cnnbook.utils.get_device`.
        batch_size: batch size when ``train``/``val`` are datasets (default 64);
            refused for data that is already batched (see :func:`batches`).
        amp: mixed precision (float16 autocast with gradient scaling) on CUDA;
            ignored on other devices.
        metric: ``metric(outputs, targets)`` -> the batch's mean (a float or a
            0-dim tensor), averaged per epoch and recorded under its
            ``__name__`` (default :func:`accuracy`: ``history.train_accuracy``);
            ``None`` to skip it (e.g. regression).
        progress: draw a progress bar (default: only for a person watching).
        checkpoint: a file path; if given, everything a resumed run needs is
            saved there after every epoch (see :func:`save_checkpoint`), by the
            main process only (see :func:`is_main_process`).
        max_steps: stop after this many optimiser steps in all (the last epoch
            may then be partial; it is recorded like the others).
        clip_grad_norm: clip the gradients' global 2-norm to this value before
            each step (``torch.nn.utils.clip_grad_norm_``); ``None``: no clipping.
        callbacks: :class:`Callback` objects, called in order.
        resume: a checkpoint written by an earlier ``fit`` (usually the same
            file as ``checkpoint``): the model, optimiser, scheduler, scaler,
            history and random-number state are restored and training goes on
            from the next epoch, on the same trajectory as an uninterrupted run.
            (An :class:`EarlyStopping`'s record of its best epoch is not in the
            checkpoint: a resumed run starts that record afresh.)

    Returns:
        The :class:`History`. With early stopping the model ends holding the
        weights of its best epoch.

    Raises:
        ValueError: on a bad count, an unknown ``scheduler_interval``, early
            stopping without validation data, or training data with no batches.
    """
    if epochs is None and max_steps is None:
        raise ValueError("fit needs epochs or max_steps, got neither")
    epochs = as_int("epochs", epochs) if epochs is not None else None
    max_steps = as_int("max_steps", max_steps) if max_steps is not None else None
    clip_grad_norm = as_number("clip_grad_norm", clip_grad_norm, 0, strict_minimum=True) \
        if clip_grad_norm is not None else None
    check_choice("scheduler_interval", scheduler_interval, ("epoch", "batch"))
    if early_stopping is not None and val is None:
        raise ValueError("early stopping monitors the validation loss: pass val data")
    device = torch.device(device) if device is not None else get_device()
    loss_fn = loss if loss is not None else nn.functional.cross_entropy
    model.to(device)
    use_amp = bool(amp) and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda") if use_amp else None
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    train_batches = batches(train, batch_size, shuffle=True)
    sampler = getattr(train_batches, "sampler", None)
    main = is_main_process()
    parameters = [p for p in model.parameters()]
    history = History(metric=metric_name(metric))
    first_epoch, step = 1, 0
    if resume is not None:
        state = _load_state(resume, device)
        _restore(state, model, optimizer, scheduler, scaler)
        history = History.from_dict(state["history"])
        first_epoch, step = int(state["epoch"]) + 1, len(history.step_loss)
        _set_rng_state(state)

    last_epoch = epochs if epochs is not None else math.inf
    show = progress_enabled(progress) and main
    epoch_bar = progress_bar(total=epochs, progress=show, desc="epochs", unit="epoch", initial=first_epoch - 1)
    epoch = first_epoch
    while epoch <= last_epoch and (max_steps is None or step < max_steps):
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        if sampler is not None and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        model.train()
        for callback in callbacks:
            callback.on_epoch_start(model, epoch)
        loss_sum = torch.zeros((), device=device)
        metric_sum: Any = torch.zeros((), device=device)
        count = 0
        step_losses: list[torch.Tensor] = []
        for inputs, targets in train_batches:
            inputs, targets = inputs.to(device, non_blocking=True), _as_targets(targets).to(device, non_blocking=True)
            history.step_lr.append(optimizer.param_groups[0]["lr"])
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
                outputs = model(inputs)
                batch_loss = loss_fn(outputs, targets)
            stepped = _optimizer_step(optimizer, scaler, parameters, batch_loss, clip_grad_norm)
            step += 1
            if scheduler is not None and scheduler_interval == "batch" and not plateau and stepped:
                scheduler.step()
            n = len(targets)
            detached = batch_loss.detach().float()
            step_losses.append(detached)
            loss_sum += detached * n
            if metric is not None:
                metric_sum = metric_sum + metric(outputs.detach().float(), targets) * n
            count += n
            for callback in callbacks:
                callback.on_step_end(model, step, detached)
            if max_steps is not None and step >= max_steps:
                break
        if count == 0:
            raise ValueError("the training data gave no batches: it is empty")
        # one transfer from the device per epoch: the summed loss, metric and the step losses together
        summed = torch.stack([loss_sum, torch.as_tensor(metric_sum, device=device, dtype=torch.float32).reshape(()),
                              *step_losses]).cpu().tolist()
        history.epoch.append(epoch)
        history.train_loss.append(summed[0] / count)
        if metric is not None:
            history.train_metric.append(summed[1] / count)
        history.step_loss.extend(summed[2:])
        history.lr.append(lr)
        if val is not None:
            result = evaluate(model, val, loss=loss_fn, device=device, batch_size=batch_size, metric=metric)
            history.val_loss.append(result["loss"])
            if metric is not None:
                history.val_metric.append(result[history.metric])
        monitored = history.val_loss[-1] if val is not None else history.train_loss[-1]
        if scheduler is not None and scheduler_interval == "epoch" and not plateau:
            scheduler.step()
        elif plateau:
            scheduler.step(monitored)
        history.seconds.append(time.perf_counter() - start)
        epoch_bar.update()
        epoch_bar.set_postfix(_postfix(history), refresh=False)
        if checkpoint is not None and main:
            save_checkpoint(checkpoint, model, optimizer, history, scheduler=scheduler, scaler=scaler, epoch=epoch)
        stop = early_stopping is not None and early_stopping.update(epoch, monitored, model)
        for callback in callbacks:
            stop = bool(callback.on_epoch_end(model, epoch, history)) or stop
        if stop:
            break
        epoch += 1
    epoch_bar.close()
    if early_stopping is not None and early_stopping.best_state is not None:
        model.load_state_dict(early_stopping.best_state)
        history.best_epoch = early_stopping.best_epoch
    return history


def _postfix(history: History) -> dict[str, str]:
    shown = {"loss": f"{history.train_loss[-1]:.4f}"}
    if history.val_loss:
        shown["val_loss"] = f"{history.val_loss[-1]:.4f}"
    if history.val_metric:
        shown[f"val_{history.metric}"] = f"{history.val_metric[-1]:.3f}"
    return shown


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Data,
    *,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    batch_size: int | None = None,
    metric: Metric | None = accuracy,
) -> dict[str, float]:
    """Average loss and metric of ``model`` on ``data``, in evaluation mode.

    Args:
        batch_size: batch size when ``data`` is a dataset (default 256).

    Returns:
        ``{"loss": ..., name: ...}`` with ``name`` the metric's name
        (``"accuracy"`` by default; no entry when ``metric`` is ``None``).

    Raises:
        ValueError: if ``data`` holds no samples.
    """
    device = torch.device(device) if device is not None else model_device(model)
    loss_fn = loss if loss is not None else nn.functional.cross_entropy
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=device)
    metric_sum: Any = torch.zeros((), device=device)
    count = 0
    for inputs, targets in batches(data, batch_size, shuffle=False, default_batch_size=256):
        inputs, targets = inputs.to(device), _as_targets(targets).to(device)
        outputs = model(inputs).float()
        n = len(targets)
        loss_sum += loss_fn(outputs, targets).float() * n
        if metric is not None:
            metric_sum = metric_sum + metric(outputs, targets) * n
        count += n
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate was given no data")
    result = {"loss": float(loss_sum) / count}
    if metric is not None:
        result[metric_name(metric)] = float(metric_sum) / count
    return result


@torch.no_grad()
def predict(model: nn.Module, data: Data, *, device: torch.device | str | None = None,
            batch_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` over ``data`` in evaluation mode.

    Args:
        batch_size: batch size when ``data`` is a dataset (default 256).

    Returns:
        ``(outputs, targets)`` on the CPU: the model's outputs stacked
        (``N x ...``) and the targets stacked (``N``).
    """
    device = torch.device(device) if device is not None else model_device(model)
    was_training = model.training
    model.eval()
    outputs, targets = [], []
    for x, y in batches(data, batch_size, shuffle=False, default_batch_size=256):
        outputs.append(model(x.to(device)).float().cpu())
        targets.append(_as_targets(y).cpu())
    model.train(was_training)
    return torch.cat(outputs), torch.cat(targets)


# --------------------------------------------------------------------------- checkpoints


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    history: History | None = None, *, scheduler: Any | None = None, scaler: Any | None = None,
                    epoch: int | None = None) -> None:
    """Save what a resumed run needs to ``path``.

    Written: the ``state_dict`` of ``model`` and (when given) of ``optimizer``,
    ``scheduler`` and the AMP ``scaler``; the ``history``; the number of the
    last finished ``epoch``; and PyTorch's random-number state (CPU and CUDA),
    so that a resumed run shuffles and drops out as the uninterrupted one would.
    Only tensors and plain Python values are written, so the file loads with
    ``torch.load(..., weights_only=True)``: loading it cannot run code.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"model": model.state_dict(), "rng": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    for name, value in (("optimizer", optimizer), ("scheduler", scheduler), ("scaler", scaler)):
        if value is not None:
            state[name] = value.state_dict()
    if history is not None:
        state["history"] = history.as_dict()
    if epoch is not None:
        state["epoch"] = as_int("epoch", epoch, 0)
    temporary = path.with_name(path.name + ".partial")
    torch.save(state, temporary)
    temporary.replace(path)  # a run killed while saving leaves the previous checkpoint whole


def _load_state(path: str | Path, map_location: Any) -> dict[str, Any]:
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    if "epoch" not in state or "history" not in state:
        raise ValueError(f"{path} is not a checkpoint written by fit (it has no epoch or history to resume from)")
    return state


def _restore(state: dict[str, Any], model: nn.Module, optimizer: Any, scheduler: Any, scaler: Any) -> None:
    model.load_state_dict(state["model"])
    for name, value in (("optimizer", optimizer), ("scheduler", scheduler), ("scaler", scaler)):
        if value is not None and name in state:
            value.load_state_dict(state[name])


def _set_rng_state(state: dict[str, Any]) -> None:
    if "rng" in state:
        torch.set_rng_state(state["rng"].cpu())
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location: str | torch.device | None = "cpu", *, scheduler: Any | None = None,
                    scaler: Any | None = None) -> History | None:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and the other objects given).

    Loads with ``weights_only=True``, which refuses anything but tensors and
    plain values. To continue training from a checkpoint, pass it to
    :func:`fit` as ``resume=`` instead, which also restores the epoch count
    and the random-number state.

    Returns:
        The saved :class:`History`, or ``None`` if the file holds none.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
    """
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    _restore(state, model, optimizer, scheduler, scaler)
    return History.from_dict(state["history"]) if "history" in state else None
