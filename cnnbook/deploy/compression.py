"""Int8 weights with entropy coding: the storage end of Deep Compression.

Han, Mao and Dally (2016, "Deep Compression") shrank networks for storage in
three stages: prune (most weights become zero), quantize the survivors to a
few bits (shared values found by k-means), and Huffman-code the result. This
module does the last two stages in a simpler form that needs no training:

1. every weight tensor (two or more dimensions) is quantized *linearly* to
   int8 with one symmetric scale per output channel, so a zero stays exactly
   zero; biases and other 1-D tensors stay float32;
2. the bytes are compressed with LZMA (Python's ``lzma``: dictionary matching
   followed by a range coder, an entropy coder like Huffman coding). A tensor
   that is 90% zeros codes to far fewer than 8 bits per weight.

:func:`decompress_weights` inverts both steps into a model of the same
architecture. The dense model that comes back is as fast as before: the
savings are in storage and transfer, not in latency.
"""
from __future__ import annotations

import io
import json
import lzma

import numpy as np
import torch
from torch import nn

__all__ = ["compress_weights", "decompress_weights"]

_MAGIC = b"CNNBOOK-DC1\n"


def compress_weights(model: nn.Module) -> bytes:
    """The model's ``state_dict`` as int8 weights (per-output-channel scales), LZMA-compressed.

    Args:
        model: any module with floating-point parameters and buffers.

    Returns:
        The compressed bytes (write them to a file, or measure ``len``).

    Raises:
        ValueError: if ``model`` is not a module.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    header, chunks = [], []
    for name, tensor in model.state_dict().items():
        array = tensor.detach().cpu()
        if array.is_floating_point() and array.ndim >= 2:
            rows = array.float().reshape(array.shape[0], -1)
            scale = rows.abs().amax(dim=1) / 127
            scale = torch.where(scale > 0, scale, torch.ones_like(scale))
            codes = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8)
            chunks += [scale.numpy().astype(np.float32).tobytes(), codes.numpy().tobytes()]
            header.append({"name": name, "shape": list(array.shape), "kind": "int8"})
        else:
            data = array.numpy()
            chunks.append(np.ascontiguousarray(data).tobytes())
            header.append({"name": name, "shape": list(array.shape), "kind": str(data.dtype)})
    meta = json.dumps(header).encode()
    raw = _MAGIC + len(meta).to_bytes(8, "little") + meta + b"".join(chunks)
    return lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)


def decompress_weights(blob: bytes, model: nn.Module) -> nn.Module:
    """Load the weights of :func:`compress_weights` into ``model`` (same architecture), in place.

    Each int8 weight ``q`` of output channel ``c`` becomes ``q * scale[c]``
    (float32): within half a scale step of the original, zeros exactly zero.

    Args:
        blob: bytes from :func:`compress_weights`.
        model: a module with the same ``state_dict`` names and shapes.

    Returns:
        ``model``, holding the decoded weights.

    Raises:
        ValueError: if ``blob`` is not from :func:`compress_weights` or does
            not fit ``model``.
    """
    try:
        raw = lzma.decompress(blob)
    except (lzma.LZMAError, TypeError) as error:
        raise ValueError(f"blob is not compressed weights from compress_weights: {error}") from error
    if not raw.startswith(_MAGIC):
        raise ValueError("blob is not compressed weights from compress_weights (wrong header)")
    stream = io.BytesIO(raw[len(_MAGIC):])
    meta_length = int.from_bytes(stream.read(8), "little")
    header = json.loads(stream.read(meta_length))
    state = {}
    for entry in header:
        shape = tuple(entry["shape"])
        count = int(np.prod(shape)) if shape else 1
        if entry["kind"] == "int8":
            scale = np.frombuffer(stream.read(4 * shape[0]), dtype=np.float32)
            codes = np.frombuffer(stream.read(count), dtype=np.int8).reshape(shape[0], -1)
            values = (codes.astype(np.float32) * scale[:, None]).reshape(shape)
        else:
            dtype = np.dtype(entry["kind"])
            values = np.frombuffer(stream.read(count * dtype.itemsize), dtype=dtype).reshape(shape)
        state[entry["name"]] = torch.from_numpy(values.copy())
    expected = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    received = {name: tuple(t.shape) for name, t in state.items()}
    if expected != received:
        raise ValueError(f"the compressed weights do not fit the model: expected {expected}, got {received}")
    model.load_state_dict(state)
    return model
