"""Boxes, non-maximum suppression and anchors, with torchvision's semantics.

The detection chapter builds each of these ideas; this package holds the one
version the book uses, checked against ``torchvision.ops`` and torchvision's
detection utilities in the unit tests:

- :mod:`.boxes`: format conversions, areas, IoU, and box encoding against anchors;
- :mod:`.nms`: greedy non-maximum suppression, per class or not;
- :mod:`.anchors`: anchor boxes on the grid of a feature map;
- :mod:`.masks`: instances from a semantic segmentation (connected components, or colour regions).

Boxes are float tensors ``K x 4``; ``xyxy`` means ``(x1, y1, x2, y2)`` with
``x1 <= x2`` and ``y1 <= y2``, in pixels.
"""
from .anchors import base_anchors, generate_anchors, grid_anchors
from .masks import instances_from_regions, instances_from_semantic
from .boxes import BOX_FORMATS, box_area, box_convert, box_iou, decode_boxes, encode_boxes
from .nms import batched_nms, nms

__all__ = [
    "BOX_FORMATS", "base_anchors", "batched_nms", "box_area", "box_convert", "box_iou", "decode_boxes",
    "encode_boxes", "generate_anchors", "grid_anchors", "instances_from_regions", "instances_from_semantic", "nms",
]
