r"""Receptive fields of a chain of convolution and pooling layers, computed from the layers' hyperparameters.

The receptive field of a unit is the set of input pixels that can change its
value. In a chain of layers ``l = 1, ..., L`` in which layer ``l`` slides a
window of ``k_l`` taps with dilation ``d_l`` (spanning
``k'_l = d_l (k_l - 1) + 1`` pixels of its input) in steps of ``s_l``, after
padding its input with ``p_l`` pixels at the start, three numbers describe the
receptive fields of all the units of layer ``l`` at once (per dimension; the
formulas are those of Araujo, Norris and Sim, "Computing receptive fields of
convolutional neural networks", Distill, 2019):

- **size** ``r_l``: how many input pixels one unit sees,
  ``r_l = r_{l-1} + (k'_l - 1) S_{l-1}``, with ``r_0 = 1``;
  equivalently ``r_l = 1 + \sum_{i<=l} (k'_i - 1) \prod_{j<i} s_j``.
  Each layer widens the field by its kernel's extent minus one, counted in the
  step of the layer below it.
- **stride** ``S_l`` (the *jump*, or effective stride): the distance in input
  pixels between the receptive fields of two neighbouring units,
  ``S_l = \prod_{i<=l} s_i``.
- **padding** ``P_l`` (the effective padding): how far the receptive field of
  the first unit (index 0) of layer ``l`` reaches before the first input pixel,
  ``P_l = \sum_{i<=l} p_i \prod_{j<i} s_j``: each layer's padding counted in the
  step of the layer below it.

Together they place every unit: unit ``i`` of layer ``l`` sees input pixels
``i S_l - P_l`` to ``i S_l - P_l + r_l - 1`` (coordinates below 0 or beyond
the input are padding, not pixels). Only the padding at the start matters for
the position; padding at the end, and ``ceil_mode``, change how many units
there are, not where they look.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from ..checks import IntOrPair, as_pair, as_shape, is_int
from ._table import html_table, text_table
from ..sliding_windows import window_count
from .layer_geometry import LayerGeometry, chain_layers, is_chain, layer_geometry

__all__ = ["ReceptiveFieldRow", "ReceptiveFieldTable", "receptive_field"]

Pair = tuple[int, int]



# Why the layers receptive_field refuses cannot be part of the chain.
_REASONS: tuple[tuple[tuple[type[nn.Module], ...], str], ...] = (
    ((nn.Linear, nn.Flatten, nn.Unflatten, nn.Bilinear),
     "its outputs mix every position of its input, so a receptive field stops being local there; "
     "pass only the convolutional part of the model (such as model.features)"),
    ((nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool1d),
     "its window size depends on the size of its input rather than on fixed hyperparameters; "
     "pass the layers before it (a global pool makes each output see the whole input)"),
    ((nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Upsample, nn.UpsamplingNearest2d,
      nn.UpsamplingBilinear2d, nn.PixelShuffle, nn.PixelUnshuffle),
     "it changes the resolution by other means than a window sliding with an integer stride"),
    ((nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d),
     "it normalises with statistics computed over all positions, so each output depends on the whole input"),
    ((nn.Conv1d, nn.Conv3d, nn.MaxPool1d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool3d, nn.BatchNorm1d,
      nn.BatchNorm3d, nn.Dropout1d, nn.Dropout3d),
     "it is not a 2-D layer; receptive_field handles images (N x C x H x W)"),
)

_SUPPORTED = ("Conv2d, MaxPool2d, AvgPool2d, 2-D padding layers (ZeroPad2d, ...), and layers that act on "
              "each position separately (activations, BatchNorm2d, Dropout, Identity), chained in nn.Sequential")


def _refusal(name: str, module: nn.Module) -> ValueError:
    kind = type(module).__name__
    for types, reason in _REASONS:
        if isinstance(module, types):
            break
    else:
        if any(True for _ in module.children()):
            reason = ("it is a module with its own forward(), whose layers need not run one after the other "
                      "(a residual block adds a skip connection, for example)")
        else:
            reason = "receptive_field does not know how this layer slides over its input"
    return ValueError(f"layer '{name}' is a {kind}, which receptive_field cannot follow: {reason}. "
                      f"Expected {_SUPPORTED}.")


def _chain(model: nn.Module, until: str | None = None) -> list[tuple[str, nn.Module, LayerGeometry]]:
    """The layers of a chain, nested Sequentials flattened, with their qualified names and geometry.

    With ``until``, the walk stops after the layer (or nested chain) of that
    qualified name, so that whatever follows it (a classifier head) is never looked at.
    """
    if until is not None and not isinstance(until, str):
        raise ValueError(f"until must be the qualified name of a layer (a str such as 'features.3'), got {until!r}")
    if not is_chain(model):
        if layer_geometry(model) is not None and until is None:  # a single layer is a chain of one
            return [("", model, layer_geometry(model))]
        raise ValueError(
            f"receptive_field needs a chain of layers, an nn.Sequential (nesting allowed, such as "
            f"torchvision's vgg16().features); got a {type(model).__name__}, which defines its own forward(), "
            f"so its layers need not run one after the other (a ResNet adds skip connections, for example). "
            f"Pass the chain part of the model, or measure any model with "
            f"empirical_receptive_field(receptive_field_probe(model), input_shape)."
        )
    if until is not None:
        names = [name for name, _ in model.named_modules() if name]
        if until not in names:
            shown = ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
            raise ValueError(f"until={until!r} names no layer of the model; expected one of {shown}")
    layers: list[tuple[str, nn.Module, LayerGeometry]] = []
    for name, layer in chain_layers(model, until):
        geometry = layer_geometry(layer)
        if geometry is None:
            raise _refusal(name, layer)
        layers.append((name, layer, geometry))
    if not layers:
        raise ValueError(f"the model has no layers (an empty {type(model).__name__}); expected at least one")
    return layers


def _hw(value: IntOrPair) -> Pair:
    """An int-or-pair field of a row as a (height, width) pair."""
    return (value, value) if isinstance(value, int) else (value[0], value[1])


@dataclass(frozen=True)
class ReceptiveFieldRow:
    """The receptive field of the units of one layer's output.

    ``size``, ``stride`` and ``padding`` are ints when every layer of the
    table is the same along height and width, and ``(height, width)`` pairs
    otherwise.

    Attributes:
        name: the layer's qualified name (``"features.28"``).
        kind: its class name (``"Conv2d"``).
        size: receptive field size ``r``: input pixels one unit sees.
        stride: effective stride ``S`` (the jump): input pixels between the
            receptive fields of neighbouring units.
        padding: effective padding ``P``: how many pixels before the first
            input pixel the receptive field of unit 0 starts.
        output_size: ``(H, W)`` of the layer's output for the given input.
    """

    name: str
    kind: str
    size: IntOrPair
    stride: IntOrPair
    padding: IntOrPair
    output_size: Pair

    def input_region(self, unit: Sequence[int], clip_to: Sequence[int] | None = None) -> tuple[int, int, int, int]:
        """The input pixels that output unit ``(i, j)`` of this layer sees.

        Args:
            unit: ``(i, j)``, row and column in this layer's output.
            clip_to: ``(H, W)`` of the input, to drop the part of the region
                that lies in the padding; ``None`` keeps it.

        Returns:
            ``(top, left, bottom, right)``, bottom and right exclusive as in
            slicing: rows ``top .. bottom - 1``, columns ``left .. right - 1``;
            unclipped, ``top = i * S - P`` and ``bottom - top = r``.

        Raises:
            ValueError: if ``unit`` is not a pair of ints inside the output.
        """
        if not (len(unit) == 2 and all(is_int(u) for u in unit)
                and all(0 <= u < n for u, n in zip(unit, self.output_size))):
            raise ValueError(f"unit must be a pair (i, j) with 0 <= i < {self.output_size[0]} and "
                             f"0 <= j < {self.output_size[1]}, got {unit!r}")
        (rh, rw), (sh, sw), (ph, pw) = (_hw(v) for v in (self.size, self.stride, self.padding))
        top, left = unit[0] * sh - ph, unit[1] * sw - pw
        bottom, right = top + rh, left + rw
        if clip_to is not None:
            height, width = as_pair(tuple(clip_to), "clip_to", 1)
            top, left = max(top, 0), max(left, 0)
            bottom, right = min(bottom, height), min(right, width)
        return int(top), int(left), int(bottom), int(right)

    def center(self, unit: Sequence[int]) -> tuple[float, float]:
        """The input coordinates ``(y, x)`` of the centre of unit ``(i, j)``'s field: ``i S - P + (r - 1) / 2``.

        Raises:
            ValueError: if ``unit`` is not a pair of ints inside the output.
        """
        top, left, bottom, right = self.input_region(unit)
        return (top + bottom - 1) / 2, (left + right - 1) / 2


class ReceptiveFieldTable(list):
    """The result of :func:`receptive_field`: a list of :class:`ReceptiveFieldRow`, one per layer.

    The last row describes the network's output. Renders as a table with
    ``print`` and in notebooks.

    Attributes:
        input_size: ``(H, W)`` of the input the output sizes were computed for.
    """

    def __init__(self, rows: Sequence[ReceptiveFieldRow], input_size: Pair) -> None:
        super().__init__(rows)
        self.input_size = input_size

    _HEADERS = ("Layer", "Type", "Output size", "Receptive field", "Stride", "Padding")
    _NUMERIC = (False, False, True, True, True, True)

    def _cells(self) -> list[list[str]]:
        def text(value: Any) -> str:
            return str(value) if isinstance(value, int) else f"{value[0]} x {value[1]}"

        return [[row.name or "(model)", row.kind, text(row.output_size), text(row.size), text(row.stride),
                 text(row.padding)] for row in self]

    def _footer(self) -> list[str]:
        return [f"Input size: {self.input_size[0]} x {self.input_size[1]}"]

    def __str__(self) -> str:
        return text_table(self._HEADERS, self._cells(), self._NUMERIC, self._footer())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_table(self._HEADERS, self._cells(), self._NUMERIC, self._footer())

    def to_frame(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (columns name, kind, output_size, size, stride, padding)."""
        import pandas as pd  # imported here: only this method needs pandas

        return pd.DataFrame([{"name": r.name, "kind": r.kind, "output_size": r.output_size, "size": r.size,
                              "stride": r.stride, "padding": r.padding} for r in self])


def receptive_field(model: nn.Module, input_shape: Sequence[int], *, until: str | None = None) -> ReceptiveFieldTable:
    r"""The receptive field size, effective stride and effective padding after every layer of a chain.

    For layer ``l`` with kernel ``k_l``, stride ``s_l``, dilation ``d_l`` and
    padding ``p_l`` at the start (top or left), going from the input
    (``r_0 = 1, S_0 = 1, P_0 = 0``) to the output, per dimension:

    - size ``r_l = r_{l-1} + d_l (k_l - 1) S_{l-1}``
    - stride ``S_l = S_{l-1} s_l``
    - padding ``P_l = P_{l-1} + p_l S_{l-1}``

    The effective padding ``P_l`` is how far before the first input pixel the
    receptive field of the first unit of layer ``l`` begins: unit ``i`` sees
    input pixels ``i S_l - P_l`` to ``i S_l - P_l + r_l - 1`` (Araujo et al.,
    Distill 2019). Pointwise layers (activations, batch normalization in
    evaluation mode, dropout) change none of the three. Padding layers
    (``nn.ZeroPad2d``, ...) move the start; a convolution with
    ``padding="same"`` and an even kernel pads one pixel less at the start than
    at the end, as PyTorch does. The regions are in padded coordinates: with
    reflection, replication or circular padding, the padding holds copies of
    real pixels, so a unit near the border also depends on the pixels copied
    there, which can lie outside its region.
    A dilated layer can leave holes inside the field (the size is its extent).

    Args:
        model: an ``nn.Sequential`` (nesting allowed, such as
            ``torchvision.models.vgg16().features``) of ``Conv2d``,
            ``MaxPool2d``, ``AvgPool2d``, 2-D padding layers, and pointwise
            layers (``ReLU`` and other activations, ``BatchNorm2d``,
            ``Dropout``, ``Identity``); or one such layer.
        input_shape: ``(N, C, H, W)`` or ``(C, H, W)``; only ``H, W`` matter,
            for the output sizes.
        until: the qualified name of the last layer to follow
            (``"features.relu4"``); the layers after it are ignored, so the
            model may go on with layers that are not local (``Flatten``,
            ``Linear``). ``None`` follows the whole model.

    Returns:
        A :class:`ReceptiveFieldTable`: one :class:`ReceptiveFieldRow` per
        layer, the last one for the network's output.

    Raises:
        ValueError: if ``model`` is not a chain of the layers above (the
            message names the offending layer and why), if ``until`` names
            no layer of the chain, if ``input_shape`` is
            not 3 or 4 positive ints, or if the input is too small for some
            layer (the message names the layer).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    shape = as_shape(input_shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"input_shape must be (N, C, H, W) or (C, H, W), got {shape}")
    input_size: Pair = (shape[-2], shape[-1])
    layers = _chain(model, until)

    size, stride, padding, extent = [1, 1], [1, 1], [0, 0], list(input_size)
    table: list[tuple[str, str, Pair, Pair, Pair, Pair]] = []
    for name, module, g in layers:
        for dim, dim_name in enumerate(("height", "width")):
            try:
                extent[dim] = window_count(extent[dim], g.kernel[dim], g.stride[dim], g.pad_start[dim],
                                           g.pad_end[dim], g.dilation[dim], g.ceil_mode, dim_name)
            except ValueError as error:
                raise ValueError(f"the input {input_size[0]} x {input_size[1]} is too small for layer '{name}' "
                                 f"({type(module).__name__}): {error}") from None
            size[dim] += g.dilation[dim] * (g.kernel[dim] - 1) * stride[dim]
            padding[dim] += g.pad_start[dim] * stride[dim]
            stride[dim] *= g.stride[dim]
        table.append((name, type(module).__name__, tuple(size), tuple(stride), tuple(padding), tuple(extent)))

    square = all(r[0] == r[1] and s[0] == s[1] and p[0] == p[1] for _, _, r, s, p, _ in table)

    def kind_of(pair: Pair) -> IntOrPair:
        return pair[0] if square else pair

    rows = [ReceptiveFieldRow(name, kind, kind_of(r), kind_of(s), kind_of(p), out)
            for name, kind, r, s, p, out in table]
    return ReceptiveFieldTable(rows, input_size)
