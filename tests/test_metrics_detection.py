"""cnnbook.metrics.detection against pycocotools' COCOeval: random prediction sets with crowd regions,
empty images, tied scores, explicit areas and more than 100 detections per image, for boxes and masks."""
import contextlib
import io

import numpy as np
import pytest
import torch

from cnnbook.metrics import coco_evaluation, mean_average_precision
from cnnbook.metrics.detection import COCO_KEYS

pycocotools = pytest.importorskip("pycocotools")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def _rle(mask: torch.Tensor) -> dict:
    return mask_utils.encode(np.asfortranarray(mask.numpy().astype(np.uint8)))


def _xywh(box: torch.Tensor) -> list[float]:
    x1, y1, x2, y2 = box.to(torch.float64).tolist()
    return [x1, y1, x2 - x1, y2 - y1]


def pycocotools_stats(preds, targets, iou_type, size):
    """The twelve COCOeval numbers for torchmetrics-style inputs (images of size x size)."""
    images, annotations, results, labels = [], [], [], set()
    for image_id, (pred, target) in enumerate(zip(preds, targets), start=1):
        images.append({"id": image_id, "width": size, "height": size})
        for k in range(len(target["labels"])):
            if iou_type == "bbox":
                region = {"bbox": _xywh(target["boxes"][k])}
                own_area = region["bbox"][2] * region["bbox"][3]
            else:
                region = {"segmentation": _rle(target["masks"][k])}
                own_area = float(target["masks"][k].sum())
            area = float(target["area"][k]) if "area" in target else own_area
            crowd = int(target["iscrowd"][k]) if "iscrowd" in target else 0
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "area": area, "iscrowd": crowd,
                                "category_id": int(target["labels"][k]), **region})
            labels.add(int(target["labels"][k]))
        for k in range(len(pred["labels"])):
            region = {"bbox": _xywh(pred["boxes"][k])} if iou_type == "bbox" else \
                {"segmentation": _rle(pred["masks"][k])}
            results.append({"image_id": image_id, "category_id": int(pred["labels"][k]),
                            "score": float(pred["scores"][k]), **region})
            labels.add(int(pred["labels"][k]))
    truth = COCO()
    truth.dataset = {"info": {}, "images": images, "annotations": annotations,
                     "categories": [{"id": c, "name": str(c)} for c in sorted(labels)]}
    with contextlib.redirect_stdout(io.StringIO()):
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(results), iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return dict(zip(COCO_KEYS, evaluation.stats.tolist()))


def random_boxes(rng, n, size):
    corners = rng.uniform(0, size * 0.8, (n, 2))
    sides = np.exp(rng.uniform(np.log(3), np.log(size * 0.8), (n, 2)))   # small, medium and large objects
    return torch.tensor(np.concatenate([corners, np.minimum(corners + sides, size)], axis=1), dtype=torch.float32)


def random_case(seed, *, iou_type="bbox", size=160, n_images=8, crowded=False):
    rng = np.random.default_rng(seed)
    preds, targets = [], []
    for i in range(n_images):
        n_truth = 0 if i == 1 else int(rng.integers(0, 7))           # image 1 has no object at all
        truth_boxes = random_boxes(rng, n_truth, size)
        truth_labels = torch.tensor(rng.integers(1, 5, n_truth))
        # detections: jittered copies of (some of) the objects, duplicates, and random boxes
        kept = rng.random(n_truth) < 0.8
        copies = truth_boxes[torch.from_numpy(kept)]
        jitter = torch.tensor(rng.normal(0, 0.1, copies.shape), dtype=torch.float32) * (copies[:, 2:] - copies[:, :2]).repeat(1, 2)
        n_random = 150 if (crowded and i == 0) else int(rng.integers(0, 5))   # > 100 detections in image 0
        pred_boxes = torch.cat([copies + jitter, copies, random_boxes(rng, n_random, size)])
        pred_boxes = torch.cat([pred_boxes[:, :2], torch.maximum(pred_boxes[:, 2:], pred_boxes[:, :2] + 0.5)], dim=1)
        copy_labels = torch.where(torch.from_numpy(rng.random(int(kept.sum())) < 0.8), truth_labels[torch.from_numpy(kept)],
                                  torch.tensor(rng.integers(1, 5, int(kept.sum()))))   # mostly the right class
        pred_labels = torch.cat([copy_labels, copy_labels, torch.tensor(rng.integers(1, 5, n_random))])
        scores = torch.tensor(np.round(rng.random(len(pred_boxes)), 2), dtype=torch.float32)   # ties happen
        if i == 2:                                                    # image 2 has objects but no detection
            pred_boxes, pred_labels, scores = pred_boxes[:0], pred_labels[:0], scores[:0]
        target = {"boxes": truth_boxes, "labels": truth_labels,
                  "iscrowd": torch.tensor((rng.random(n_truth) < 0.15).astype(np.int64))}
        if rng.random() < 0.5:                                        # an explicit area, not the box's
            target["area"] = torch.tensor(rng.uniform(5, size * size / 2, n_truth), dtype=torch.float32)
        pred = {"boxes": pred_boxes, "scores": scores, "labels": pred_labels}
        if iou_type == "segm":
            target["masks"] = boxes_to_masks(truth_boxes, size, rng)
            pred["masks"] = boxes_to_masks(pred_boxes, size, rng)
        preds.append(pred)
        targets.append(target)
    return preds, targets


def boxes_to_masks(boxes, size, rng):
    """Ellipses inscribed in the boxes (some pixels dropped), as bool masks K x size x size."""
    ys, xs = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    masks = torch.zeros(len(boxes), size, size, dtype=torch.bool)
    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        cx, cy, rx, ry = (x1 + x2) / 2, (y1 + y2) / 2, max((x2 - x1) / 2, 1), max((y2 - y1) / 2, 1)
        masks[k] = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1
    return masks & torch.from_numpy(rng.random(masks.shape) > 0.05)


def assert_equal_stats(ours, reference):
    assert list(ours) == list(COCO_KEYS)
    differences = {key: abs(ours[key] - reference[key]) for key in COCO_KEYS}
    assert max(differences.values()) <= 1e-9, (differences, ours, reference)


@pytest.mark.parametrize("seed", range(40))
def test_box_map_equals_pycocotools(seed):
    preds, targets = random_case(seed, crowded=seed % 4 == 0)
    assert_equal_stats(mean_average_precision(preds, targets), pycocotools_stats(preds, targets, "bbox", 160))


@pytest.mark.parametrize("seed", range(8))
def test_mask_map_equals_pycocotools(seed):
    preds, targets = random_case(seed, iou_type="segm", size=128, n_images=5, crowded=seed == 0)
    assert_equal_stats(mean_average_precision(preds, targets, iou_type="segm"),
                       pycocotools_stats(preds, targets, "segm", 128))


def test_more_than_100_detections_per_image_and_class_are_cut():
    preds, targets = random_case(0, crowded=True)
    assert max(len(p["labels"]) for p in preds) > 100 * 1.2
    assert_equal_stats(mean_average_precision(preds, targets), pycocotools_stats(preds, targets, "bbox", 160))


def test_perfect_and_empty_predictions():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 60.0, 70.0]])
    labels = torch.tensor([1, 2])
    targets = [{"boxes": boxes, "labels": labels}]
    perfect = mean_average_precision([{"boxes": boxes, "scores": torch.tensor([0.9, 0.8]), "labels": labels}], targets)
    assert perfect["map"] == pytest.approx(1.0, abs=1e-12) and perfect["mar_100"] == 1.0   # COCO adds eps to TP + FP
    assert perfect["map_large"] == -1.0                              # no large object: undefined, as in COCO
    nothing = mean_average_precision([{"boxes": torch.zeros(0, 4), "scores": torch.zeros(0),
                                       "labels": torch.zeros(0, dtype=torch.int64)}], targets)
    assert nothing["map"] == 0.0 and nothing["mar_100"] == 0.0
    evaluation = coco_evaluation([{"boxes": boxes, "scores": torch.tensor([0.9, 0.8]), "labels": labels}], targets)
    assert evaluation.categories == [1, 2] and evaluation.precision.shape == (10, 101, 2, 4, 3)


def test_bad_input():
    good = {"boxes": torch.zeros(1, 4), "labels": torch.tensor([1]), "scores": torch.tensor([0.5])}
    with pytest.raises(ValueError, match="iou_type"):
        mean_average_precision([good], [good], iou_type="keypoints")
    with pytest.raises(ValueError, match="same length"):
        mean_average_precision([good, good], [good])
    with pytest.raises(ValueError, match="scores"):
        mean_average_precision([{"boxes": torch.zeros(1, 4), "labels": torch.tensor([1])}], [good])
    with pytest.raises(ValueError, match="boxes must be 2 x 4"):
        mean_average_precision([good], [{"boxes": torch.zeros(1, 4), "labels": torch.tensor([1, 2])}])
    with pytest.raises(ValueError, match="masks"):
        mean_average_precision([good], [good], iou_type="segm")
