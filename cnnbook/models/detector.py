"""A small YOLO-style detector: one pass of a CNN predicts, at every cell of a grid,
boxes relative to anchors, an objectness score and class probabilities.

Layout of the outputs: for an ``S x S`` grid with ``A`` anchors per cell and
``C`` classes the network returns ``N x (S * S * A) x (5 + C)``, one row per
anchor, ordered row of the grid, column, anchor (the order of
:func:`cnnbook.vision.grid_anchors`). Each row holds ``(t_x, t_y, t_w, t_h)``,
the box as deltas against its anchor (:func:`cnnbook.vision.encode_boxes`),
then the objectness logit, then ``C`` class logits.

Training targets use the same layout (:func:`yolo_targets`): each object is
assigned to the cell that contains its centre and, in that cell, to the anchor
whose shape fits it best (highest IoU when both are centred together), as in
YOLOv2 and YOLOv3. Anchors that are not responsible for an object but overlap
one well (IoU above ``ignore_iou``) are left out of the no-object term, as in
YOLOv3.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from ..vision import base_anchors, box_iou, decode_boxes, encode_boxes, grid_anchors

__all__ = ["TinyYOLO", "yolo_detections", "yolo_loss", "yolo_loss_terms", "yolo_targets"]

# columns of an encoded target row
_OBJECT, _BOX, _CLASS = 0, slice(1, 5), 5


def _conv(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.LeakyReLU(0.1))


class TinyYOLO(nn.Module):
    """A YOLO-style single-stage detector for small images (``N x 3 x image_size x image_size``).

    Five 3 x 3 convolutions (three of stride 2: a grid of ``image_size / 8`` cells)
    and a 1 x 1 prediction layer.

    Args:
        num_classes: object classes ``C`` (labels ``1 .. C``; 0 is reserved for the background).
        image_size: height and width of the input images, a multiple of 8.
        anchor_sizes: side lengths in pixels of the square anchors of every cell.
        width: channels of the first convolution (the others are multiples).

    Attributes:
        anchors: float32 ``(S * S * A) x 4`` anchors in ``xyxy``, centred on the cells.
    """

    stride = 8

    def __init__(self, num_classes: int = 3, *, image_size: int = 64, anchor_sizes: Sequence[float] = (12.0, 20.0, 32.0),
                 width: int = 16) -> None:
        super().__init__()
        if image_size % self.stride:
            raise ValueError(f"image_size must be a multiple of {self.stride}, got {image_size}")
        self.num_classes, self.image_size = num_classes, image_size
        self.grid_size, self.num_anchors = image_size // self.stride, len(anchor_sizes)
        self.features = nn.Sequential(
            _conv(3, width, stride=2),                 # 1/2
            _conv(width, 2 * width, stride=2),         # 1/4
            _conv(2 * width, 2 * width),
            _conv(2 * width, 4 * width, stride=2),     # 1/8: the grid
            _conv(4 * width, 4 * width),
        )
        self.predict = nn.Conv2d(4 * width, self.num_anchors * (5 + num_classes), 1)
        # Start every objectness at a probability of 1 %, about the share of anchors that hold an object,
        # so that the first steps are not spent pushing ~99 % of the anchors down (RetinaNet's prior).
        with torch.no_grad():
            self.predict.bias.view(self.num_anchors, 5 + num_classes)[:, 4] = -math.log(99.0)
        anchors = grid_anchors(base_anchors(anchor_sizes, [1.0], round_to_pixels=False),
                               (self.grid_size, self.grid_size), (self.stride, self.stride), offset=0.5)
        self.register_buffer("anchors", anchors, persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``N x 3 x H x W`` images to raw predictions ``N x (S * S * A) x (5 + C)``."""
        if images.ndim != 4 or images.shape[1] != 3 or images.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"expected images N x 3 x {self.image_size} x {self.image_size}, got {tuple(images.shape)}")
        out = self.predict(self.features(images))                        # N x A(5+C) x S x S
        n = out.shape[0]
        out = out.reshape(n, self.num_anchors, 5 + self.num_classes, self.grid_size, self.grid_size)
        return out.permute(0, 3, 4, 1, 2).reshape(n, -1, 5 + self.num_classes)


def yolo_targets(targets: Sequence[dict[str, torch.Tensor]], model: TinyYOLO, *, ignore_iou: float = 0.5) -> torch.Tensor:
    """Encode ground-truth boxes into the layout of the outputs: ``N x (S * S * A) x 6`` float32.

    Column 0 is 1 for the anchor responsible for an object, 0 for an anchor
    that should predict nothing, -1 for an ignored anchor; columns 1-4 the
    box deltas of the object (responsible anchors only); column 5 its label.
    """
    anchors, s, a = model.anchors.cpu(), model.grid_size, model.num_anchors
    shapes = base_anchors([float(w) for w in (anchors[:a, 2] - anchors[:a, 0])], [1.0], round_to_pixels=False)
    encoded = torch.zeros(len(targets), len(anchors), 6)
    for i, target in enumerate(targets):
        boxes, labels = target["boxes"].float(), target["labels"]
        if len(boxes) == 0:
            continue
        overlap = box_iou(anchors, boxes).max(dim=1).values
        encoded[i, overlap > ignore_iou, _OBJECT] = -1
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        col = (centres[:, 0] // model.stride).long().clamp(0, s - 1)
        row = (centres[:, 1] // model.stride).long().clamp(0, s - 1)
        sizes = boxes[:, 2:] - boxes[:, :2]
        centred = torch.cat([-sizes / 2, sizes / 2], dim=1)
        best = box_iou(centred, shapes).argmax(dim=1)                   # the anchor shape that fits best
        index = (row * s + col) * a + best
        encoded[i, index, _OBJECT] = 1
        encoded[i, index, _BOX] = encode_boxes(boxes, anchors[index])
        encoded[i, index, _CLASS] = labels.float()
    return encoded


def yolo_loss_terms(outputs: torch.Tensor, encoded: torch.Tensor, *, box_weight: float = 5.0,
                    no_object_weight: float = 0.5) -> dict[str, torch.Tensor]:
    """The loss of :class:`TinyYOLO`, term by term, each summed over anchors and averaged over images.

    - ``box``: squared error of the four deltas of responsible anchors, times ``box_weight``;
    - ``object``: binary cross-entropy of the objectness of responsible anchors (target 1);
    - ``no_object``: the same for anchors that should predict nothing (target 0), times ``no_object_weight``;
    - ``class``: cross-entropy of the class logits of responsible anchors.
    """
    n = outputs.shape[0]
    responsible, empty = encoded[..., _OBJECT] == 1, encoded[..., _OBJECT] == 0
    objectness = outputs[..., 4]
    positives = outputs[responsible]
    box = F.mse_loss(positives[:, :4], encoded[responsible][:, _BOX], reduction="sum")
    obj = F.binary_cross_entropy_with_logits(objectness[responsible], torch.ones_like(objectness[responsible]),
                                             reduction="sum")
    no_obj = F.binary_cross_entropy_with_logits(objectness[empty], torch.zeros_like(objectness[empty]), reduction="sum")
    labels = encoded[responsible][:, _CLASS].long() - 1
    cls = F.cross_entropy(positives[:, 5:], labels, reduction="sum")
    return {"box": box_weight * box / n, "object": obj / n, "no_object": no_object_weight * no_obj / n,
            "class": cls / n}


def yolo_loss(outputs: torch.Tensor, encoded: torch.Tensor) -> torch.Tensor:
    """The sum of :func:`yolo_loss_terms` (a scalar), in the form ``loss(outputs, targets)`` that ``fit`` takes."""
    return sum(yolo_loss_terms(outputs, encoded).values())


@torch.no_grad()
def yolo_detections(outputs: torch.Tensor, anchors: torch.Tensor, *, score_threshold: float = 0.01,
                    iou_threshold: float = 0.5, max_detections: int = 100) -> list[dict[str, torch.Tensor]]:
    """Turn raw outputs ``N x (S * S * A) x (5 + C)`` into detections, one dict per image.

    Each anchor proposes its best class with score = P(object) x P(class | object);
    proposals under ``score_threshold`` are dropped, NMS per class removes
    duplicates, and the ``max_detections`` best are kept. NMS is torchvision's
    compiled ``batched_nms``, which keeps the same boxes as the readable
    :func:`cnnbook.vision.batched_nms` (checked in the unit tests) many times faster. Returns torchmetrics'
    format: ``boxes`` ``D x 4`` (``xyxy``), ``scores`` ``D``, ``labels`` ``D`` (1 .. C).
    """
    results = []
    anchors = anchors.to(outputs.device)
    for out in outputs.float():
        class_probability, label = out[:, 5:].softmax(dim=1).max(dim=1)
        scores = torch.sigmoid(out[:, 4]) * class_probability
        keep = scores > score_threshold
        boxes = decode_boxes(out[keep, :4], anchors[keep])
        scores, label = scores[keep], label[keep] + 1
        kept = torchvision.ops.batched_nms(boxes.cpu(), scores.cpu(), label.cpu(), iou_threshold)[:max_detections]
        results.append({"boxes": boxes.cpu()[kept], "scores": scores.cpu()[kept], "labels": label.cpu()[kept]})
    return results
