"""cnnbook.vision against torchvision: box IoU and conversions, box encoding, NMS, anchors; instance grouping."""
import math

import numpy as np
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


def _one_hot_probabilities(labels: torch.Tensor, classes: int = 4) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels, classes).permute(2, 0, 1).float() * 0.9 + 0.1 / classes


def test_instances_from_regions_separates_neighbours_that_components_merge():
    """Two touching squares that the class map gives one class: connected components see one object, the two
    colours two; each instance takes the class of its pixels and covers its square's foreground exactly."""
    from cnnbook.vision import instances_from_regions, instances_from_semantic

    image = torch.zeros(3, 12, 12)
    image[0, 2:8, 2:6] = 0.9                    # a red square ...
    image[2, 2:8, 6:10] = 0.9                   # ... touching a blue one
    labels = torch.zeros(12, 12, dtype=torch.int64)
    labels[2:8, 2:10] = 1
    regions = torch.zeros(12, 12, dtype=torch.int64)
    regions[2:8, 2:6], regions[2:8, 6:10] = 1, 2
    probabilities = _one_hot_probabilities(labels)
    assert len(instances_from_semantic(probabilities)["labels"]) == 1
    found = instances_from_regions(probabilities, image, regions, min_part=10, min_area=5)
    assert found["labels"].tolist() == [1, 1]
    assert found["masks"].sum(dim=(1, 2)).tolist() == [24, 24]
    assert found["boxes"].tolist() == [[2, 2, 6, 8], [6, 2, 10, 8]]
    assert torch.allclose(found["scores"], torch.full((2,), 0.9 + 0.1 / 4))
    # the same colours within the tolerance: one object
    assert len(instances_from_regions(probabilities, image, regions, min_part=10, colour_tolerance=0.7)["labels"]) == 1


def test_instances_from_regions_keeps_a_wrong_class_corner_in_its_object():
    """A corner of one object given a second class makes two components but one colour group; the instance
    takes the class with the largest summed probability, and the corner's pixels stay in it."""
    from cnnbook.vision import instances_from_regions, instances_from_semantic

    image = torch.full((3, 12, 12), 0.2)
    image[1, 1:9, 1:9] = 0.8
    labels = torch.zeros(12, 12, dtype=torch.int64)
    labels[1:9, 1:9] = 2
    labels[1:4, 1:4] = 3                        # 9 of its 64 pixels get the wrong class
    regions = torch.zeros(12, 12, dtype=torch.int64)
    regions[1:9, 1:9] = 1                       # one colour region for the whole square
    probabilities = _one_hot_probabilities(labels)
    assert instances_from_semantic(probabilities)["labels"].tolist() == [2, 3]
    found = instances_from_regions(probabilities, image, regions, min_part=10, min_area=5)
    assert found["labels"].tolist() == [2]
    assert found["masks"][0].sum().item() == 64


def test_instances_from_regions_parts_leftovers_and_small_pieces():
    """A background region that brushes the foreground is not a part; foreground pixels outside any part go to
    the nearest part; a piece smaller than min_area is dropped, and one with no part is one object."""
    from cnnbook.vision import instances_from_regions

    image = torch.zeros(3, 16, 16)
    image[0, 2:8, 2:6], image[1, 2:8, 6:10] = 0.9, 0.9
    labels = torch.zeros(16, 16, dtype=torch.int64)
    labels[1:9, 2:10] = 1                       # the foreground spills one row above and below the squares
    labels[12:14, 12:14] = 2                    # a 4-pixel piece
    labels[11:15, 0:4] = 3                      # a 16-pixel piece
    regions = torch.zeros(16, 16, dtype=torch.int64)          # region 0: the background, mostly outside
    regions[2:8, 2:6], regions[2:8, 6:10] = 1, 2
    probabilities = _one_hot_probabilities(labels)
    found = instances_from_regions(probabilities, image, regions, min_part=10, min_area=5)
    assert found["labels"].tolist() == [1, 1, 3]
    assert found["masks"][:2].sum().item() == 64                   # the spilled rows are shared out
    assert (found["masks"][0] | found["masks"][1]).equal(labels == 1)
    assert found["masks"][2].sum().item() == 16
    assert not (found["masks"][0] & found["masks"][1]).any()
    nothing = instances_from_regions(_one_hot_probabilities(torch.zeros(16, 16, dtype=torch.int64)), image, regions)
    assert nothing["masks"].shape == (0, 16, 16) and nothing["boxes"].shape == (0, 4)


def test_instances_from_regions_counts_real_scenes_with_their_true_maps():
    """On true label maps and Felzenszwalb regions of real scenes, instances do not overlap and together cover
    exactly the pieces of foreground of 20 pixels or more; nearly every scene is counted right."""
    from scipy import ndimage
    from skimage.segmentation import felzenszwalb

    from cnnbook.data.scenes import make_scenes
    from cnnbook.vision import instances_from_regions

    scenes = make_scenes(20, seed=3)
    maps = scenes.semantic_masks()
    right = 0
    for image, label_map, target in zip(scenes.images, maps, scenes.targets):
        regions = felzenszwalb(image.permute(1, 2, 0).numpy(), scale=100, sigma=0.0, min_size=10)
        found = instances_from_regions(_one_hot_probabilities(label_map), image, regions)
        pieces, _ = ndimage.label((label_map > 0).numpy())
        kept = np.isin(pieces, np.flatnonzero(np.bincount(pieces.ravel()) >= 20)) & (pieces > 0)
        assert found["masks"].sum(dim=0).max() <= 1
        assert found["masks"].any(dim=0).equal(torch.from_numpy(kept))
        right += len(found["labels"]) == len(target["labels"])
    assert right >= 18


def test_instances_from_regions_bad_input():
    from cnnbook.vision import instances_from_regions

    probabilities, image, regions = torch.rand(4, 8, 8), torch.rand(3, 8, 8), torch.zeros(8, 8, dtype=torch.int64)
    with pytest.raises(ValueError, match="K x H x W"):
        instances_from_regions(torch.rand(8, 8), image, regions)
    with pytest.raises(ValueError, match="image must be C x H x W"):
        instances_from_regions(probabilities, torch.rand(3, 8, 9), regions)
    with pytest.raises(ValueError, match="regions must be"):
        instances_from_regions(probabilities, image, regions.float())
    with pytest.raises(ValueError, match="regions must be"):
        instances_from_regions(probabilities, image, regions - 1)
    with pytest.raises(ValueError, match="min_part"):
        instances_from_regions(probabilities, image, regions, min_part=0)
    with pytest.raises(ValueError, match="colour_tolerance"):
        instances_from_regions(probabilities, image, regions, colour_tolerance=-0.1)
