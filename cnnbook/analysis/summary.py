"""A layer-by-layer summary of a model: output shapes, parameters and multiply-adds.

:func:`summary` runs the model once on a dummy input and watches every layer
with forward hooks, so the shapes it reports are the shapes PyTorch actually
produces, whatever the model's ``forward`` does (branches, skip connections,
layers called twice). The model is left as it was found: same device, same
train/eval mode, no gradients, batch-norm statistics untouched.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..checks import as_shape
from ._table import format_count, format_short, html_table, text_table
from .costs import count_parameters, layer_macs

__all__ = ["LayerRow", "ModelSummary", "summary"]

Shape = tuple[int, ...]
_HEADERS = ("Layer", "Type", "Output shape", "Params", "Mult-adds")
_NUMERIC = (False, False, False, True, True)
# A layer's output: a tensor shape, or a tuple of them for layers returning several tensors.
OutputShape = Shape | tuple[Any, ...] | None


@dataclass(frozen=True)
class LayerRow:
    """One call of one layer.

    Attributes:
        name: the layer's qualified name in the model (``"features.0"``);
            ``""`` for the model itself when it has no sub-modules.
        kind: its class name (``"Conv2d"``).
        output_shape: the shape of its output, batch dimension included
            (``(1, 64, 112, 112)``); a tuple of shapes for a layer that returns
            several tensors; ``None`` for an output that holds no tensor.
        params: the parameters this layer owns directly, counted at its first
            call only (later calls of the same layer, and parameters shared with
            a layer already listed, count 0), so that the column sums to the
            model's total.
        macs: the multiply-adds of this call for the whole dummy batch (see
            :func:`~cnnbook.analysis.layer_macs`); ``None`` when unknown.
        call: 1 for the layer's first call, 2 for its second, and so on.
    """

    name: str
    kind: str
    output_shape: OutputShape
    params: int
    macs: int | None
    call: int = 1


@dataclass
class ModelSummary:
    """The result of :func:`summary`: a list of :class:`LayerRow` in call order, and totals.

    Renders as a table: ``print(s)`` in a terminal, and as HTML when it is the
    last expression of a notebook cell. Iterating over it, ``len`` and
    indexing go through the rows.

    Attributes:
        rows: one :class:`LayerRow` per layer call, in the order of the calls.
        input_shape: the dummy input's shape.
        output_shape: the model's output shape (as :attr:`LayerRow.output_shape`).
        total_params: every parameter of the model, shared ones once
            (:func:`~cnnbook.analysis.count_parameters`).
        trainable_params: those with ``requires_grad=True``.
        total_macs: the sum of the rows' known multiply-adds.
    """

    rows: list[LayerRow]
    input_shape: Shape
    output_shape: OutputShape
    total_params: int
    trainable_params: int
    total_macs: int

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[LayerRow]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> LayerRow:
        return self.rows[index]

    @property
    def uncounted(self) -> list[str]:
        """Names of the layers whose multiply-adds are unknown (left out of ``total_macs``)."""
        return [row.name for row in self.rows if row.macs is None]

    def _cells(self) -> list[list[str]]:
        cells = []
        for row in self.rows:
            name = row.name or "(model)"
            if row.call > 1:
                name += f" (call {row.call})"
            cells.append([name, row.kind, _format_shape(row.output_shape), format_count(row.params),
                          format_count(row.macs)])
        return cells

    def _footer(self) -> list[str]:
        lines = [
            f"Input shape: {_format_shape(self.input_shape)}   Output shape: {_format_shape(self.output_shape)}",
            f"Parameters: {self.total_params:,} ({self.trainable_params:,} trainable)",
            f"Multiply-adds: {self.total_macs:,} ({format_short(self.total_macs)}) for this input",
        ]
        if self.uncounted:
            lines.append(f"Not counted (unknown cost): {', '.join(self.uncounted)}")
        return lines

    def __str__(self) -> str:
        return text_table(_HEADERS, self._cells(), _NUMERIC, self._footer())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_table(_HEADERS, self._cells(), _NUMERIC, self._footer())

    def to_frame(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (columns name, kind, output_shape, params, macs, call)."""
        import pandas as pd  # imported here: only this method needs pandas

        return pd.DataFrame([{"name": r.name, "kind": r.kind, "output_shape": r.output_shape,
                              "params": r.params, "macs": r.macs, "call": r.call} for r in self.rows])


def _format_shape(shape: OutputShape) -> str:
    if shape is None:
        return "-"
    if all(isinstance(d, int) for d in shape):
        return "(" + ", ".join(str(d) for d in shape) + ")"
    return "[" + ", ".join(_format_shape(s) for s in shape) + "]"


def _shape_of(output: Any) -> OutputShape:
    """The shape of a tensor, the shapes of a tuple/list of tensors, or None."""
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)):
        return tuple(_shape_of(item) for item in output)
    return None


def _first_tensor(output: Any) -> torch.Tensor | None:
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            tensor = _first_tensor(item)
            if tensor is not None:
                return tensor
    return None


def _model_device_and_dtype(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    tensors = list(model.parameters()) + list(model.buffers())
    device = tensors[0].device if tensors else torch.device("cpu")
    floating = [t.dtype for t in tensors if t.is_floating_point()]
    return device, (floating[0] if floating else torch.get_default_dtype())


def summary(model: nn.Module, input_shape: Sequence[int], *, dtype: torch.dtype | None = None,
            device: torch.device | str | None = None) -> ModelSummary:
    """Run ``model`` once on a dummy input and tabulate every layer's output shape, parameters and multiply-adds.

    The rows are the model's leaf modules (modules without sub-modules), plus
    any module that owns parameters directly (such as ``nn.MultiheadAttention``),
    in the order they are called; a layer called twice (a ReLU reused in a
    residual block) gets a row per call. Work done in ``forward`` by plain
    functions (``torch.flatten``, ``x + shortcut``) belongs to no module and is
    not listed.

    The dummy input is drawn from a standard normal distribution with a fixed
    seed (the global random state is not touched), on the model's device and
    in its floating-point type. The model runs in evaluation mode without
    gradients; each module's train/eval mode is restored afterwards.

    Args:
        model: any ``nn.Module`` taking one tensor.
        input_shape: the full input shape, batch dimension included, such as
            ``(1, 3, 224, 224)``. Multiply-adds are counted for this whole
            batch, so use a batch of 1 for per-image costs.
        dtype: the input's dtype (default: the model's floating-point type);
            pass ``torch.long`` for a model that starts with an embedding.
        device: the input's device (default: the model's).

    Returns:
        A :class:`ModelSummary`.

    Raises:
        ValueError: if ``model`` is not a module, ``input_shape`` is not a
            sequence of positive ints, or the model fails on that input (the
            message names the layer that failed).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    shape = as_shape(input_shape)
    model_device, model_dtype = _model_device_and_dtype(model)
    device = torch.device(device) if device is not None else model_device
    dtype = dtype or model_dtype
    generator = torch.Generator().manual_seed(0)
    if dtype.is_floating_point:
        dummy = torch.randn(shape, generator=generator, dtype=dtype)
    else:
        dummy = torch.zeros(shape, dtype=dtype)
    dummy = dummy.to(device)

    names = {module: name for name, module in model.named_modules()}
    watched = [m for m in names if not list(m.children()) or any(True for _ in m.parameters(recurse=False))]
    rows: list[LayerRow | None] = []
    pending: list[tuple[nn.Module, int]] = []  # (module, row index) of calls not finished yet
    calls: dict[nn.Module, int] = {}
    seen_parameters: set[int] = set()

    def before(module: nn.Module, inputs: Any) -> None:
        pending.append((module, len(rows)))
        rows.append(None)  # reserved, so that rows follow the order of the calls

    def after(module: nn.Module, inputs: Any, output: Any) -> None:
        _, index = pending.pop()
        calls[module] = calls.get(module, 0) + 1
        new = [p for p in module.parameters(recurse=False) if id(p) not in seen_parameters]
        seen_parameters.update(id(p) for p in new)
        tensor = _first_tensor(output)
        macs = layer_macs(module, inputs, tensor) if tensor is not None else None
        rows[index] = LayerRow(name=names[module], kind=type(module).__name__, output_shape=_shape_of(output),
                               params=sum(p.numel() for p in new), macs=macs, call=calls[module])

    modes = [(m, m.training) for m in model.modules()]
    handles = []
    try:
        for module in watched:
            handles.append(module.register_forward_pre_hook(before))
            handles.append(module.register_forward_hook(after))
        model.eval()
        with torch.no_grad():
            try:
                output = model(dummy)
            except Exception as error:  # report where it failed, as a ValueError
                where = f" in layer '{names[pending[-1][0]]}' ({type(pending[-1][0]).__name__})" if pending else ""
                raise ValueError(f"the model failed on an input of shape {shape}{where}: {error}") from error
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.train(training)

    finished = [row for row in rows if row is not None]
    return ModelSummary(
        rows=finished,
        input_shape=shape,
        output_shape=_shape_of(output),
        total_params=count_parameters(model),
        trainable_params=count_parameters(model, trainable_only=True),
        total_macs=sum(row.macs for row in finished if row.macs is not None),
    )
