"""Static int8 quantization of an ONNX model with ONNX Runtime.

Static quantization stores each weight as an 8-bit integer with a scale (per
output channel here) and also runs the activations in 8 bits, with scales
fixed in advance from the ranges the activations take on a few calibration
batches. The result is written in ONNX Runtime's QDQ format: every quantized
tensor is followed by a ``DequantizeLinear`` (and activations preceded by a
``QuantizeLinear``), which the runtime fuses into integer kernels where the
CPU has them.
"""
from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["CalibrationBatches", "quantize_int8"]


def _as_array(batch: Any) -> np.ndarray:
    if isinstance(batch, (tuple, list)) and len(batch) > 0:  # (inputs, targets) pairs: keep the inputs
        batch = batch[0]
    if isinstance(batch, torch.Tensor):
        batch = batch.detach().cpu().numpy()
    if not isinstance(batch, np.ndarray) or batch.ndim < 1:
        raise ValueError(f"a calibration batch must be an array or tensor N x ... (or a pair whose first item is), "
                         f"got {type(batch).__name__}")
    return np.ascontiguousarray(batch, dtype=np.float32)


class CalibrationBatches:
    """Feeds ONNX Runtime's calibrator from an iterable of input batches.

    ONNX Runtime's ``CalibrationDataReader`` is any object with a ``get_next``
    method (it checks by duck typing): each call returns
    ``{input_name: batch}`` for the next batch, then ``None`` when the batches
    are used up.

    Args:
        batches: input batches ``N x ...`` (arrays or tensors), or
            ``(inputs, targets)`` pairs such as a ``DataLoader`` gives; the
            targets are ignored. Converted to float32.
        input_name: the name of the ONNX model's input.

    Raises:
        ValueError: if ``input_name`` is not a non-empty string.
    """

    def __init__(self, batches: Iterable[Any], input_name: str) -> None:
        if not isinstance(input_name, str) or not input_name:
            raise ValueError(f"input_name must be a non-empty string, got {input_name!r}")
        self.input_name = input_name
        self._batches: Iterator[Any] = iter(batches)
        self.count = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        if batch is None:
            return None
        self.count += 1
        return {self.input_name: _as_array(batch)}


def quantize_int8(onnx_path: str | Path, out_path: str | Path, calibration: Iterable[Any], *,
                  per_channel: bool = True) -> Path:
    """Quantize an ONNX model to int8 with ONNX Runtime's ``quantize_static`` (QDQ format).

    Weights become int8 with one scale per output channel (``per_channel``),
    activations uint8 with scales from a min-max calibration over
    ``calibration``. The model is first pre-processed the way ONNX Runtime
    recommends (shape inference and graph optimisation).

    Args:
        onnx_path: the float32 ``.onnx`` model (from :func:`export_onnx`).
        out_path: where to write the int8 model; parent folders are created.
        calibration: an iterable of input batches ``N x ...`` (arrays,
            tensors, or ``(inputs, targets)`` pairs) representative of the
            data the model will see; a few hundred images are usually enough.
        per_channel: one weight scale per output channel (else one per tensor).

    Returns:
        ``out_path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: if ``onnx_path`` does not exist, ``out_path`` is the same
            file, or ``calibration`` holds no batch.
    """
    import onnx
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    onnx_path, out_path = Path(onnx_path), Path(out_path)
    if not onnx_path.is_file():
        raise ValueError(f"onnx_path must be an existing ONNX file, got {str(onnx_path)!r}")
    if out_path.resolve() == onnx_path.resolve():
        raise ValueError(f"out_path must differ from onnx_path, got {str(out_path)!r} for both")
    if isinstance(calibration, (np.ndarray, torch.Tensor)):
        raise ValueError("calibration must be an iterable of batches, not one array; wrap it in a list")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    input_name = onnx.load(str(onnx_path), load_external_data=False).graph.input[0].name
    batches = iter(calibration)
    first = next(batches, None)
    if first is None:
        raise ValueError("calibration holds no batch: give at least one input batch")
    reader = CalibrationBatches(itertools.chain([first], batches), input_name)
    with tempfile.TemporaryDirectory() as folder:
        # a self-contained copy (weights inside the file, not external data) for the pre-processing
        whole, prepared = Path(folder) / "whole.onnx", Path(folder) / "prepared.onnx"
        onnx.save(onnx.load(str(onnx_path)), str(whole))
        quant_pre_process(str(whole), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(out_path), reader, quant_format=QuantFormat.QDQ,
                        per_channel=per_channel, weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)
    return out_path
