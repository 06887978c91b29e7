"""Export a PyTorch model to ONNX and run it with ONNX Runtime on the CPU.

ONNX is a file format for computation graphs that many runtimes read (ONNX
Runtime on servers, phones and browsers, TensorRT, OpenVINO, ...). The
exporter used here is PyTorch's ``dynamo=True`` one: it captures the model
with ``torch.export`` and translates the graph with ``onnxscript``. The batch
dimension of the input is declared dynamic, so one file serves any batch size.
"""
from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["export_onnx", "load_session", "run_onnx"]


def export_onnx(model: nn.Module, example: torch.Tensor, path: str | Path) -> Path:
    """Write ``model`` to an ONNX file with a dynamic batch dimension.

    The model is exported in evaluation mode on the CPU (a copy is not made:
    ``model`` is left in evaluation mode, on the CPU). The weights are
    written to a companion file ``path + ".data"`` (ONNX "external data",
    the exporter's default); :func:`cnnbook.deploy.file_size` counts it. The
    exporter's per-node debugging metadata (stack traces) is left out.

    Args:
        model: a module mapping a float tensor ``N x ...`` to outputs ``N x ...``.
        example: one float32 input batch ``N x ...`` (``N >= 2`` is best: the
            exporter may specialise a batch of 1 to the constant 1).
        path: the ``.onnx`` file to write; parent folders are created.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: if ``model`` is not a module or ``example`` is not a float
            tensor with a batch dimension.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(example, torch.Tensor) or example.ndim < 1 or not example.is_floating_point():
        got = f"a {example.dtype} tensor of shape {tuple(example.shape)}" if isinstance(example, torch.Tensor) \
            else type(example).__name__
        raise ValueError(f"example must be a float tensor N x ..., got {got}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    batch = torch.export.Dim("batch", min=1)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # the exporter's notices about its translation steps, and its progress lines
        program = torch.onnx.export(model, (example.detach().cpu().float(),), dynamo=True,
                                    input_names=["input"], output_names=["output"],
                                    dynamic_shapes=({0: batch},), verbose=False)
    # The exporter annotates every node with debugging metadata (Python stack traces, file
    # paths): useful to trace a node back to the code, useless to a runtime, and on a
    # small model larger than the weights. A deployed file leaves it out.
    for node in program.model.graph.all_nodes():
        node.metadata_props.clear()
    program.save(str(path), external_data=True)
    return path


def load_session(path: str | Path, *, threads: int | None = None) -> Any:
    """An ONNX Runtime ``InferenceSession`` for ``path`` on the CPU.

    Args:
        path: an ``.onnx`` file.
        threads: intra-op threads (default: ONNX Runtime's choice, one per core).

    Returns:
        ``onnxruntime.InferenceSession`` with the CPU execution provider.

    Raises:
        ValueError: if ``path`` does not exist or ``threads`` is not a positive integer.
    """
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing ONNX file, got {str(path)!r}")
    options = ort.SessionOptions()
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
        options.intra_op_num_threads = threads
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def run_onnx(model: str | Path | Any, x: np.ndarray | torch.Tensor) -> np.ndarray:
    """Run an ONNX model on one input batch with ONNX Runtime on the CPU.

    Args:
        model: an ``.onnx`` path (a session is created for this call) or a
            session from :func:`load_session` (reuse it when timing).
        x: the input batch ``N x ...`` as a NumPy array or a tensor; it is
            converted to float32.

    Returns:
        The model's first output as a NumPy array ``N x ...`` (float32 logits
        for a classifier).

    Raises:
        ValueError: if ``x`` is not an array or a tensor with a batch dimension.
    """
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if not isinstance(x, np.ndarray) or x.ndim < 1:
        raise ValueError(f"x must be a NumPy array or a tensor N x ..., got {type(x).__name__}")
    session = load_session(model) if isinstance(model, (str, Path)) else model
    name = session.get_inputs()[0].name
    return session.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})[0]
