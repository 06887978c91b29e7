"""Making a trained network small and fast to serve: ONNX, int8, pruning, compression.

One concept per module:

- :mod:`.onnx_io`: :func:`export_onnx` (PyTorch to ONNX with the ``dynamo=True``
  exporter and a dynamic batch dimension), :func:`load_session` and
  :func:`run_onnx` (inference with ONNX Runtime on the CPU);
- :mod:`.quantization`: :func:`quantize_int8`, static int8 quantization with
  ONNX Runtime (QDQ format, per-channel weights) calibrated on an iterable of
  input batches (:class:`CalibrationBatches`);
- :mod:`.sizes`: :func:`file_size`, bytes on disk including an ONNX model's
  external data files;
- :mod:`.pruning`: :func:`prune_unstructured` (magnitude pruning with
  ``torch.nn.utils.prune``, made permanent) and :func:`sparsity`;
- :mod:`.channels`: :func:`prune_channels`, structured pruning that removes
  whole convolution channels and returns a smaller dense model;
- :mod:`.latency`: :func:`interleaved_latency`, timings of several variants
  taken in interleaved rounds, so that a change of load affects them all alike;
- :mod:`.compression`: :func:`compress_weights` / :func:`decompress_weights`,
  int8 weights of a pruned model stored with entropy coding (the last two
  stages of Deep Compression).

The ONNX functions need the optional packages ``onnx``, ``onnxscript`` and
``onnxruntime`` (``pip install "cnnbook[deploy]"``); they are imported when
first used, so the pruning and compression functions work without them.
"""
from .channels import prune_channels
from .compression import compress_weights, decompress_weights
from .latency import interleaved_latency
from .onnx_io import export_onnx, load_session, run_onnx
from .pruning import prune_unstructured, sparsity
from .quantization import CalibrationBatches, quantize_int8
from .sizes import file_size

__all__ = [
    "CalibrationBatches",
    "compress_weights",
    "decompress_weights",
    "export_onnx",
    "file_size",
    "interleaved_latency",
    "load_session",
    "prune_channels",
    "prune_unstructured",
    "quantize_int8",
    "run_onnx",
    "sparsity",
]
