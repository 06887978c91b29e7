"""cnnbook.vision against torchvision: box IoU and conversions, box encoding, NMS, anchors."""
import math

import pytest
import torch
import torchvision
from torchvision.models.detection._utils import BoxCoder
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList

from cnnbook.vision import (base_anchors, batched_nms, box_area, box_convert, box_iou, decode_boxes, encode_boxes,
                            generate_anchors, grid_anchors, nms)


def random_boxes(n: int, generator: torch.Generator, scale: float = 50.0) -> torch.Tensor:
    corners = torch.rand(n, 2, generator=generator) * scale
    sizes = torch.rand(n, 2, generator=generator) * scale / 2 + 0.5
    return torch.cat([corners, corners + sizes], dim=1)


@pytest.mark.parametrize("seed", range(5))
def test_box_iou_equals_torchvision(seed):
    g = torch.Generator().manual_seed(seed)
    a, b = random_boxes(17, g), random_boxes(11, g)
    torch.testing.assert_close(box_iou(a, b), torchvision.ops.box_iou(a, b), rtol=0, atol=0)
    torch.testing.assert_close(box_area(a), torchvision.ops.box_area(a), rtol=0, atol=0)


def test_box_iou_edge_cases():
    box = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    touching = torch.tensor([[2.0, 0.0, 4.0, 2.0]])        # shares an edge: no area in common
    inside = torch.tensor([[0.0, 0.0, 1.0, 1.0]])
    assert box_iou(box, box).item() == 1.0
    assert box_iou(box, touching).item() == 0.0
    assert box_iou(box, inside).item() == 0.25
    assert box_iou(box, torch.zeros(0, 4)).shape == (1, 0)
    assert box_iou(torch.zeros(0, 4), box).shape == (0, 1)


@pytest.mark.parametrize("fmt_in", ["xyxy", "xywh", "cxcywh"])
@pytest.mark.parametrize("fmt_out", ["xyxy", "xywh", "cxcywh"])
def test_box_convert_equals_torchvision(fmt_in, fmt_out):
    boxes = random_boxes(9, torch.Generator().manual_seed(0))
    expected = torchvision.ops.box_convert(boxes, fmt_in, fmt_out)
    torch.testing.assert_close(box_convert(boxes, fmt_in, fmt_out), expected)
    back = box_convert(box_convert(boxes, "xyxy", fmt_out), fmt_out, "xyxy")
    torch.testing.assert_close(back, boxes)


@pytest.mark.parametrize("weights", [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)])
def test_encode_decode_equal_torchvision_box_coder(weights):
    g = torch.Generator().manual_seed(1)
    boxes, anchors = random_boxes(30, g), random_boxes(30, g)
    coder = BoxCoder(weights)
    deltas = encode_boxes(boxes, anchors, weights)
    torch.testing.assert_close(deltas, coder.encode_single(boxes, anchors))
    torch.testing.assert_close(decode_boxes(deltas, anchors, weights), coder.decode_single(deltas, anchors))
    torch.testing.assert_close(decode_boxes(deltas, anchors, weights), boxes, rtol=1e-5, atol=1e-4)
    huge = torch.full((1, 4), 50.0)                     # exp(50) would overflow: clipped like torchvision
    torch.testing.assert_close(decode_boxes(huge, anchors[:1], weights), coder.decode_single(huge, anchors[:1]))
    assert torch.isfinite(decode_boxes(huge, anchors[:1], weights)).all()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_nms_equals_torchvision(seed, threshold):
    g = torch.Generator().manual_seed(seed)
    boxes = random_boxes(60, g, scale=30.0)           # crowded: many overlaps
    scores = torch.randperm(60, generator=g).float() / 60   # distinct scores: the order is unambiguous
    assert torch.equal(nms(boxes, scores, threshold), torchvision.ops.nms(boxes, scores, threshold))
    labels = torch.randint(0, 4, (60,), generator=g)
    assert torch.equal(batched_nms(boxes, scores, labels, threshold),
                       torchvision.ops.batched_nms(boxes, scores, labels, threshold))


def test_nms_edge_cases():
    empty = torch.zeros(0, 4)
    assert nms(empty, torch.zeros(0), 0.5).tolist() == []
    assert batched_nms(empty, torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5).tolist() == []
    one = torch.tensor([[0.0, 0.0, 1.0, 1.0]])
    assert nms(one, torch.tensor([0.3]), 0.5).tolist() == [0]
    two = torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]])
    scores = torch.tensor([0.2, 0.9])
    assert nms(two, scores, 0.5).tolist() == [1]                        # identical boxes: the best stays
    assert batched_nms(two, scores, torch.tensor([0, 1]), 0.5).tolist() == [1, 0]   # other class: both stay
    half = torch.tensor([[0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 1.0]])   # IoU exactly 0.5: not *greater*, kept
    assert nms(half, scores, 0.5).tolist() == torchvision.ops.nms(half, scores, 0.5).tolist() == [1, 0]


def test_nms_rejects_bad_input():
    with pytest.raises(ValueError, match="K x 4"):
        nms(torch.zeros(3, 5), torch.zeros(3), 0.5)
    with pytest.raises(ValueError, match="scores"):
        nms(torch.zeros(3, 4), torch.zeros(2), 0.5)
    with pytest.raises(ValueError, match="labels"):
        batched_nms(torch.zeros(3, 4), torch.zeros(3), torch.zeros(2, dtype=torch.int64), 0.5)
    with pytest.raises(ValueError, match="floating"):
        box_iou(torch.zeros(3, 4, dtype=torch.int64), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="format"):
        box_convert(torch.zeros(3, 4), "xyxy", "yxyx")
    with pytest.raises(ValueError, match="same shape"):
        encode_boxes(torch.ones(3, 4), torch.ones(2, 4))


@pytest.mark.parametrize("sizes, ratios, image, features", [
    (((32,),), ((0.5, 1.0, 2.0),), (64, 64), [(8, 8)]),
    (((16, 24), (48,)), ((1.0, 2.0), (0.5, 1.0)), (64, 96), [(16, 24), (4, 6)]),
    (((10.0, 20.0, 30.0),), ((0.7, 1.3),), (50, 70), [(7, 9)]),       # strides that do not divide evenly
])
def test_anchors_equal_torchvision_anchor_generator(sizes, ratios, image, features):
    generator = AnchorGenerator(sizes, ratios)
    images = ImageList(torch.zeros(1, 3, *image), [image])
    feature_maps = [torch.zeros(1, 8, h, w) for h, w in features]
    expected = generator(images, feature_maps)[0]
    assert torch.equal(generate_anchors(image, features, sizes, ratios), expected)


def test_grid_anchors_offset_and_bad_input():
    base = base_anchors([4], [1.0])
    centred = grid_anchors(base, (2, 2), (8, 8), offset=0.5)
    assert centred.tolist() == [[2, 2, 6, 6], [10, 2, 14, 6], [2, 10, 6, 14], [10, 10, 14, 14]]
    with pytest.raises(ValueError, match="positive"):
        base_anchors([0], [1.0])
    with pytest.raises(ValueError, match="one feature size"):
        generate_anchors((64, 64), [(8, 8)], [(32,), (64,)], [(1.0,)])
    assert math.isclose(float(base_anchors([8], [4.0], round_to_pixels=False)[0, 3] * 2), 16.0)


def test_instances_from_semantic():
    from cnnbook.vision import instances_from_semantic

    labels = torch.zeros(10, 10, dtype=torch.int64)
    labels[1:3, 1:3] = 1          # two separate squares of class 1
    labels[6:9, 6:9] = 1
    labels[1:4, 6:9] = 2          # one of class 2
    labels[8, 0] = 2              # a one-pixel speck of class 2
    probabilities = torch.nn.functional.one_hot(labels, 3).permute(2, 0, 1).float() * 0.8 + 0.2 / 3
    found = instances_from_semantic(probabilities, min_area=2)
    assert found["labels"].tolist() == [1, 1, 2]
    assert found["masks"].sum(dim=(1, 2)).tolist() == [4, 9, 9]
    assert found["boxes"].tolist() == [[1, 1, 3, 3], [6, 6, 9, 9], [6, 1, 9, 4]]
    assert torch.allclose(found["scores"], torch.full((3,), 0.8 + 0.2 / 3))
    assert len(instances_from_semantic(probabilities, min_area=1)["labels"]) == 4
    assert len(instances_from_semantic(torch.zeros(3, 4, 4).index_fill_(0, torch.tensor([0]), 1.0))["labels"]) == 0
    with pytest.raises(ValueError, match="K x H x W"):
        instances_from_semantic(torch.zeros(4, 4))


def test_instances_from_semantic_smoothing_removes_a_stray_pixel():
    from cnnbook.vision import instances_from_semantic

    labels = torch.zeros(12, 12, dtype=torch.int64)
    labels[2:10, 2:10] = 1
    labels[5, 5] = 2                                    # one wrong pixel inside the square
    probabilities = torch.nn.functional.one_hot(labels, 3).permute(2, 0, 1).float()
    assert instances_from_semantic(probabilities)["labels"].tolist() == [1, 2]
    assert instances_from_semantic(probabilities, smooth=3)["labels"].tolist() == [1]
    with pytest.raises(ValueError, match="odd"):
        instances_from_semantic(probabilities, smooth=2)
