"""Boxes: formats, areas, intersection over union, and encoding against anchors.

Every function follows torchvision's conventions (``torchvision.ops`` and
``torchvision.models.detection._utils.BoxCoder``), so that results can be
compared number for number.
"""
from __future__ import annotations

import math

import torch

__all__ = ["BOX_FORMATS", "box_area", "box_convert", "box_iou", "check_boxes", "decode_boxes", "encode_boxes"]

#: ``xyxy``: corners; ``xywh``: top-left corner, width, height (COCO); ``cxcywh``: centre, width, height.
BOX_FORMATS = ("xyxy", "xywh", "cxcywh")

#: Largest log-scale change of a width or height that decoding lets through (torchvision's clip).
DEFAULT_SCALE_CLIP = math.log(1000.0 / 16)


def check_boxes(boxes: torch.Tensor, name: str = "boxes") -> None:
    """Raise ``ValueError`` unless ``boxes`` is a floating-point tensor of shape ``K x 4``."""
    if not isinstance(boxes, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of shape K x 4, got {type(boxes).__name__}")
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name} must have shape K x 4, got {tuple(boxes.shape)}")
    if not boxes.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got {boxes.dtype}")


def _check_format(fmt: str) -> None:
    if fmt not in BOX_FORMATS:
        raise ValueError(f"box format must be one of {BOX_FORMATS}, got {fmt!r}")


def box_convert(boxes: torch.Tensor, in_fmt: str, out_fmt: str) -> torch.Tensor:
    """Convert boxes ``K x 4`` between the formats of :data:`BOX_FORMATS` (as ``torchvision.ops.box_convert``)."""
    check_boxes(boxes)
    _check_format(in_fmt)
    _check_format(out_fmt)
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        x1, y1, x2, y2 = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    else:
        x1, y1, x2, y2 = a, b, c, d
    if out_fmt == "xyxy":
        return torch.stack((x1, y1, x2, y2), dim=-1)
    if out_fmt == "xywh":
        return torch.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas ``K`` of boxes ``K x 4`` in ``xyxy``."""
    check_boxes(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Intersection over union of every pair: ``N x 4`` and ``M x 4`` (``xyxy``) give ``N x M``.

    IoU(A, B) = area(A and B) / (area(A) + area(B) - area(A and B)). The
    intersection of two boxes is a box whose top-left corner is the larger of
    the two top-left corners and whose bottom-right corner is the smaller of the
    two bottom-right corners; when they do not overlap its width or height is
    negative and is clamped to 0.
    """
    check_boxes(boxes1, "boxes1")
    check_boxes(boxes2, "boxes2")
    area1, area2 = box_area(boxes1), box_area(boxes2)
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    width_height = (bottom_right - top_left).clamp(min=0)
    intersection = width_height[..., 0] * width_height[..., 1]
    union = area1[:, None] + area2[None, :] - intersection
    return intersection / union


def _centres_and_sizes(boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    widths = boxes[:, 2] - boxes[:, 0]
    heights = boxes[:, 3] - boxes[:, 1]
    return boxes[:, 0] + 0.5 * widths, boxes[:, 1] + 0.5 * heights, widths, heights


def encode_boxes(boxes: torch.Tensor, anchors: torch.Tensor,
                 weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> torch.Tensor:
    """The regression targets ``K x 4`` that move each anchor onto its box (both ``K x 4``, ``xyxy``).

    With anchor centre ``(x_a, y_a)`` and size ``(w_a, h_a)`` and box centre
    ``(x, y)`` and size ``(w, h)``, the targets are
    ``t_x = w_x (x - x_a) / w_a``, ``t_y = w_y (y - y_a) / h_a``,
    ``t_w = w_w log(w / w_a)``, ``t_h = w_h log(h / h_a)``: shifts measured in
    anchor sizes and scale changes on a log scale, so that a small and a large
    object that are off by the same fraction of their size get the same
    target. Equal to torchvision's ``BoxCoder(weights).encode_single(boxes, anchors)``.
    """
    check_boxes(boxes)
    check_boxes(anchors, "anchors")
    if boxes.shape != anchors.shape:
        raise ValueError(f"boxes and anchors must have the same shape, got {tuple(boxes.shape)} and "
                         f"{tuple(anchors.shape)}")
    wx, wy, ww, wh = weights
    ax, ay, aw, ah = _centres_and_sizes(anchors)
    x, y, w, h = _centres_and_sizes(boxes)
    return torch.stack((wx * (x - ax) / aw, wy * (y - ay) / ah, ww * torch.log(w / aw), wh * torch.log(h / ah)), dim=1)


def decode_boxes(deltas: torch.Tensor, anchors: torch.Tensor,
                 weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
                 scale_clip: float = DEFAULT_SCALE_CLIP) -> torch.Tensor:
    """Invert :func:`encode_boxes`: apply deltas ``K x 4`` to anchors ``K x 4`` (``xyxy``), giving boxes ``K x 4``.

    The log-scale terms are clipped at ``scale_clip`` before ``exp`` so that
    an untrained network cannot produce infinite boxes. Equal to torchvision's
    ``BoxCoder(weights).decode_single(deltas, anchors)``.
    """
    check_boxes(deltas, "deltas")
    check_boxes(anchors, "anchors")
    if deltas.shape != anchors.shape:
        raise ValueError(f"deltas and anchors must have the same shape, got {tuple(deltas.shape)} and "
                         f"{tuple(anchors.shape)}")
    anchors = anchors.to(deltas.dtype)
    wx, wy, ww, wh = weights
    ax, ay, aw, ah = _centres_and_sizes(anchors)
    dx, dy = deltas[:, 0] / wx, deltas[:, 1] / wy
    dw = (deltas[:, 2] / ww).clamp(max=scale_clip)
    dh = (deltas[:, 3] / wh).clamp(max=scale_clip)
    x, y = dx * aw + ax, dy * ah + ay
    w, h = torch.exp(dw) * aw, torch.exp(dh) * ah
    return torch.stack((x - 0.5 * w, y - 0.5 * h, x + 0.5 * w, y + 0.5 * h), dim=1)
