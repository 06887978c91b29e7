"""Bytes on disk of a saved model, including an ONNX model's external data."""
from __future__ import annotations

from pathlib import Path

__all__ = ["file_size"]


def file_size(path: str | Path) -> int:
    """Bytes on disk of a saved model.

    For an ``.onnx`` file whose weights are stored as external data (separate
    files named inside the model, e.g. ``model.onnx.data``), the sizes of those
    files are added, each counted once. Any other file is measured as it is.

    Args:
        path: the model file.

    Returns:
        The size in bytes.

    Raises:
        ValueError: if ``path`` is not an existing file, or an external data
            file the ONNX model names is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing file, got {str(path)!r}")
    total = path.stat().st_size
    if path.suffix.lower() != ".onnx":
        return total
    import onnx
    from onnx.external_data_helper import ExternalDataInfo, uses_external_data

    model = onnx.load(str(path), load_external_data=False)
    locations = {ExternalDataInfo(t).location for t in _tensors(model.graph) if uses_external_data(t)}
    for location in sorted(locations):
        data = path.parent / location
        if not data.is_file():
            raise ValueError(f"the ONNX model {path.name} names external data {location!r}, not found in {path.parent}")
        total += data.stat().st_size
    return total


def _tensors(graph):
    """Every tensor stored in an ONNX graph: initializers and tensor attributes, subgraphs included."""
    from onnx import AttributeProto

    yield from graph.initializer
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == AttributeProto.TENSOR:
                yield attribute.t
            elif attribute.type == AttributeProto.TENSORS:
                yield from attribute.tensors
            elif attribute.type == AttributeProto.GRAPH:
                yield from _tensors(attribute.g)
            elif attribute.type == AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    yield from _tensors(subgraph)
