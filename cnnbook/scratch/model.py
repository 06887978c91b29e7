"""``Sequential``: a stack of layers, and a small training loop (``fit`` / ``evaluate``).

The forward pass runs the layers in order; the backward pass runs them in
reverse, each turning the gradient with respect to its output into the
gradient with respect to its input, and leaving the gradients of its
parameters in their ``grad``. That is all of backpropagation::

    logits = model.forward(x)
    loss, dlogits = softmax_cross_entropy(logits, y)
    model.backward(dlogits)
    optimizer.step()
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import layers as L
from .functional.losses import softmax_cross_entropy
from .optim import Optimizer
from .parameter import Parameter, as_generator
from ..checks import as_int

__all__ = ["Sequential", "evaluate", "fit", "from_torch"]


class Sequential:
    """Layers applied one after the other (like ``torch.nn.Sequential``).

    Args:
        *layers: :class:`~cnnbook.scratch.layers.Layer` objects.

    Example::

        model = Sequential(Conv2d(1, 6, 5, padding=2), ReLU(), MaxPool2d(2),
                           Flatten(), Linear(6 * 14 * 14, 10))
    """

    def __init__(self, *layers: L.Layer) -> None:
        for index, layer in enumerate(layers):
            if not isinstance(layer, L.Layer):
                raise ValueError(f"layer {index} must be a cnnbook.scratch.layers.Layer, got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run ``x`` through every layer, in order; returns the last output."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Backpropagate ``dout`` (the gradient with respect to the output) through every layer, in reverse.

        Sets the ``grad`` of every parameter and returns the gradient with
        respect to the model's input.
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``("index.name", parameter)``, as PyTorch names them (``"0.weight"``)."""
        for index, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"{index}.{name}", p

    def parameters(self) -> list[Parameter]:
        """Every parameter of every layer, in order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to ``None``."""
        for layer in self.layers:
            layer.zero_grad()

    def train(self, mode: bool = True) -> "Sequential":
        """Put every layer in training mode (or evaluation mode with ``mode=False``); returns the model."""
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self) -> "Sequential":
        """Put every layer in evaluation mode; returns the model."""
        return self.train(False)

    @property
    def training(self) -> bool:
        """Whether the model is in training mode (that of its first layer)."""
        return bool(self.layers) and self.layers[0].training

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The model's outputs for ``x``, computed in evaluation mode by batches (the mode is restored).

        Returns:
            The stacked outputs, e.g. logits ``(N, K)``.
        """
        mode = self.training
        self.eval()
        try:
            return np.concatenate([self.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
        finally:
            self.train(mode)

    def fit(self, train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray] | None = None,
            **options: Any) -> dict[str, list[float]]:
        """Train with :func:`fit` (same arguments, without the model); returns the history."""
        return fit(self, train, val, **options)

    def copy_from_torch(self, module: Any) -> "Sequential":
        """Copy the parameters of a ``torch.nn.Sequential`` with the same layers, one to one; returns self."""
        for mine, theirs in self._pairs(module):
            mine.copy_from_torch(theirs)
        return self

    def copy_to_torch(self, module: Any) -> Any:
        """Copy the parameters into a ``torch.nn.Sequential`` with the same layers; returns it."""
        for mine, theirs in self._pairs(module):
            mine.copy_to_torch(theirs)
        return module

    def _pairs(self, module: Any) -> list[tuple[L.Layer, Any]]:
        theirs = list(module)
        if len(theirs) != len(self.layers):
            raise ValueError(f"expected a torch Sequential of {len(self.layers)} layers, got {len(theirs)}")
        return list(zip(self.layers, theirs))

    def __getitem__(self, index: int) -> L.Layer:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[L.Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


# --------------------------------------------------------------------------- training loop


def fit(
    model: Sequential,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    epochs: int,
    optimizer: Optimizer,
    batch_size: int = 64,
    rng: np.random.Generator | int | None = None,
    progress: bool | None = None,
) -> dict[str, list[float]]:
    """Train a classifier with mini-batches and the softmax cross-entropy loss.

    The NumPy twin of :func:`cnnbook.train.fit`: the same argument names and
    the same history keys, so that one plotting helper
    (:func:`cnnbook.viz.plot_history`) serves both. Each epoch shuffles the
    training set, then for each batch runs forward, loss, backward and one
    optimiser step.

    Args:
        model: the network; its last layer outputs logits ``(N, K)``.
        train: ``(x, y)``: inputs ``(N, ...)`` in the model's dtype and integer
            labels ``(N,)`` in ``[0, K)``.
        val: optional ``(x_val, y_val)``, evaluated after each epoch.
        epochs: passes over the training set.
        optimizer: built on ``model.parameters()``.
        batch_size: samples per step.
        rng: generator, seed or ``None`` for the shuffling.
        progress: draw a progress bar (``None``: only for a person watching,
            see :func:`cnnbook.utils.progress_enabled`).

    Returns:
        The history: a dict of lists with one value per epoch, under the keys
        of :meth:`cnnbook.train.History.as_dict`: ``"epoch"``, ``"train_loss"``
        and ``"train_accuracy"`` (means over the epoch's batches, weighted by
        batch size), ``"val_loss"`` and ``"val_accuracy"`` (empty without
        ``val``), ``"lr"`` and ``"seconds"`` (the epoch's wall time).

    Raises:
        ValueError: if ``x`` and ``y`` do not have the same, non-zero length,
            or a count is not a positive integer.
    """
    from ..utils import progress_bar

    x, y = _pair(train, "train")
    epochs, batch_size = as_int("epochs", epochs), as_int("batch_size", batch_size)
    rng = as_generator(rng)
    history: dict[str, list[float]] = {name: [] for name in (
        "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds")}
    bar = progress_bar(total=epochs * math.ceil(len(x) / batch_size), progress=progress, desc="fit", leave=False)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = rng.permutation(len(x))
        total_loss = total_correct = 0.0
        for first in range(0, len(x), batch_size):
            batch = order[first:first + batch_size]
            logits = model.forward(x[batch])
            loss, dlogits = softmax_cross_entropy(logits, y[batch])
            model.backward(dlogits)
            optimizer.step()
            total_loss += loss * len(batch)
            total_correct += int((logits.argmax(axis=1) == y[batch]).sum())
            bar.update()
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        history["epoch"].append(epoch)
        history["train_loss"].append(total_loss / len(x))
        history["train_accuracy"].append(total_correct / len(x))
        history["lr"].append(float(getattr(optimizer, "lr", math.nan)))
        if val is not None:
            result = evaluate(model, val, batch_size=max(batch_size, 256))
            history["val_loss"].append(result["loss"])
            history["val_accuracy"].append(result["accuracy"])
        history["seconds"].append(time.perf_counter() - start)
    bar.close()
    return history


def evaluate(model: Sequential, data: tuple[np.ndarray, np.ndarray], *, batch_size: int = 256) -> dict[str, float]:
    """Mean softmax cross-entropy and accuracy of ``model`` on ``data = (x, y)``, in evaluation mode.

    The NumPy twin of :func:`cnnbook.train.evaluate`.

    Returns:
        ``{"loss": ..., "accuracy": ...}``, two floats.

    Raises:
        ValueError: if ``x`` and ``y`` do not have the same, non-zero length.
    """
    x, y = _pair(data, "data")
    logits = model.predict(x, as_int("batch_size", batch_size))
    loss, _ = softmax_cross_entropy(logits, y)
    return {"loss": float(loss), "accuracy": float((logits.argmax(axis=1) == y).mean())}


def _pair(data: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` as two arrays of the same, non-zero length."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(f"{name} must be a pair (x, y) of arrays, got {type(data).__name__}")
    x, y = np.asarray(data[0]), np.asarray(data[1])
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"{name}'s x and y must have the same, non-zero length, got {len(x)} and {len(y)}")
    return x, y


# --------------------------------------------------------------------------- conversion from PyTorch


_SIMPLE = {
    "ReLU": L.ReLU,
    "Sigmoid": L.Sigmoid,
    "Tanh": L.Tanh,
    "SiLU": L.SiLU,
    "Flatten": L.Flatten,
}


def from_torch(module: Any, *, dtype: Any = None, rng: np.random.Generator | int | None = None) -> Any:
    """Build the scratch equivalent of a ``torch.nn`` module, with its weights copied.

    Supported: ``Sequential`` of ``Conv2d``, ``Linear``, ``BatchNorm2d``,
    ``MaxPool2d``, ``AvgPool2d``, ``ReLU``, ``LeakyReLU``, ``Sigmoid``,
    ``Tanh``, ``GELU``, ``SiLU``, ``Flatten`` (from dimension 1) and
    ``Dropout``, and each of those alone. The training mode is copied too.

    Args:
        module: the PyTorch module.
        dtype: dtype of the scratch parameters; ``None`` keeps the module's.
        rng: generator for the masks of ``Dropout`` layers.

    Raises:
        ValueError: for a layer or an option the scratch engine does not have.
    """
    name = type(module).__name__
    if name == "Sequential":
        rng = as_generator(rng)
        return Sequential(*(from_torch(m, dtype=dtype, rng=rng) for m in module))  # each layer keeps its mode
    layer = _convert(module, name, dtype, rng)
    layer.copy_from_torch(module)
    return layer.train(module.training)


def _convert(module: Any, name: str, dtype: Any, rng: Any) -> L.Layer:
    """A new scratch layer with the settings of the PyTorch layer ``module`` (weights not copied yet)."""

    def dtype_of(tensor: Any) -> Any:
        return dtype if dtype is not None else tensor.detach().cpu().numpy().dtype

    if name == "Conv2d":
        if module.padding_mode != "zeros" or isinstance(module.padding, str):
            raise ValueError(f"only numeric zero padding is supported, got {module.padding!r}, {module.padding_mode!r}")
        return L.Conv2d(
            module.in_channels, module.out_channels, module.kernel_size, module.stride, module.padding,
            module.dilation, module.groups, module.bias is not None, rng=0, dtype=dtype_of(module.weight),
        )
    if name == "Linear":
        return L.Linear(module.in_features, module.out_features, module.bias is not None, rng=0,
                        dtype=dtype_of(module.weight))
    if name == "BatchNorm2d":
        if not module.affine or not module.track_running_stats or module.momentum is None:
            raise ValueError("only BatchNorm2d with affine=True, track_running_stats=True and a momentum is supported")
        return L.BatchNorm2d(module.num_features, module.eps, module.momentum, dtype=dtype_of(module.weight))
    if name in ("MaxPool2d", "AvgPool2d"):
        extra = (module.dilation not in (1, (1, 1)) or module.ceil_mode) if name == "MaxPool2d" else (
            module.ceil_mode or not module.count_include_pad or module.divisor_override is not None)
        if extra:
            raise ValueError(f"{name}: only the default dilation, ceil_mode and divisor options are supported")
        cls = L.MaxPool2d if name == "MaxPool2d" else L.AvgPool2d
        return cls(module.kernel_size, module.stride, module.padding)
    if name == "LeakyReLU":
        return L.LeakyReLU(module.negative_slope)
    if name == "GELU":
        return L.GELU(module.approximate)
    if name == "Dropout":
        return L.Dropout(module.p, rng=rng)
    if name == "Flatten" and (module.start_dim != 1 or module.end_dim != -1):
        raise ValueError(f"only Flatten(start_dim=1, end_dim=-1) is supported, got {module.start_dim}, {module.end_dim}")
    if name in _SIMPLE:
        return _SIMPLE[name]()
    raise ValueError(f"the scratch engine has no equivalent of torch.nn.{name}")
